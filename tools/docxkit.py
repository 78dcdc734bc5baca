"""Write the raw WordprocessingML of perfdoc's built-in templates.

The .docx files under templates/ are the source of truth once written: organisations restyle
them in Word or WPS. This kit is how the built-in ones were first made (and can be remade),
with nothing left to python-docx's defaults: A4, 宋体 set through w:eastAsia on every style,
zh-CN as the East Asian language, widths in tblW, tcW and gridCol alike (WPS reads the grid),
and a border on every cell.
"""
from __future__ import annotations

import zipfile
from xml.sax.saxutils import escape

PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1134          # A4 in twips, 2 cm margins
TEXT_WIDTH = PAGE_W - 2 * MARGIN                      # 9638
CJK_FONT, LATIN_FONT, HEADING_FONT = "宋体", "Times New Roman", "黑体"

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def fonts(east_asia: str = CJK_FONT) -> str:
    return (f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" '
            f'w:eastAsia="{east_asia}" w:cs="{LATIN_FONT}"/>')


def paragraph(text: str = "", style: str = "TableText", align: str | None = None,
              raw_runs: str | None = None, keep_next: bool = False) -> str:
    ppr = f'<w:pStyle w:val="{style}"/>' + ("<w:keepNext/>" if keep_next else "")
    if align:
        ppr += f'<w:jc w:val="{align}"/>'
    runs = raw_runs if raw_runs is not None else (
        f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else "")
    return f"<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>"


def page_break() -> str:
    """An empty paragraph that starts a new page (w:pageBreakBefore), 1 pt high, off the line grid.

    Not a paragraph holding a w:br page break: when the table before it ends at the foot of a
    page, such a paragraph flows onto the next page and its break then starts yet another,
    leaving a blank page. A paragraph that must begin a page does not begin a second one."""
    return ('<w:p><w:pPr><w:pStyle w:val="TableText"/><w:pageBreakBefore/><w:snapToGrid w:val="0"/>'
            '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
            '<w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>')


def end_of_document() -> str:
    """The paragraph Word needs after the last table: 1 pt high, off the line grid (on the grid it
    is a whole line high and spills onto a blank page of its own when the table ends at the foot
    of a page), and hidden, so that Word and WPS give it no height at all."""
    return ('<w:p><w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="20" '
            'w:lineRule="exact"/><w:rPr><w:vanish/><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>')


class Grid:
    """Column boundaries (twips from the left edge); a cell spans from one boundary to another."""

    def __init__(self, *bounds: int, text_style: str = "TableText"):
        self.bounds = list(bounds)
        self.text_style = text_style

    def widths(self) -> list[int]:
        return [b - a for a, b in zip(self.bounds, self.bounds[1:])]

    def cell(self, start: int, end: int, text: str = "", *, align: str = "left", vmerge: str | None = None,
             bold: bool = False, body: str | None = None, keep_next: bool = False) -> str:
        span = self.bounds.index(end) - self.bounds.index(start)
        tcpr = f'<w:tcW w:w="{end - start}" w:type="dxa"/>'
        if span > 1:
            tcpr += f'<w:gridSpan w:val="{span}"/>'
        if vmerge == "restart":
            tcpr += '<w:vMerge w:val="restart"/>'
        elif vmerge == "continue":
            tcpr += "<w:vMerge/>"
        tcpr += '<w:vAlign w:val="center"/>'
        if body is None:
            style = "TableLabel" if bold else self.text_style
            body = paragraph("" if vmerge == "continue" else text, style, align, keep_next=keep_next)
        return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc>"

    def row(self, *cells: str, split: bool = False, header: bool = False) -> str:
        """A table row; rows don't break across pages unless `split` (long free text must); a
        `header` row repeats atop each page the table runs onto."""
        trpr = ("" if split else "<w:cantSplit/>") + ("<w:tblHeader/>" if header else "")
        return f'<w:tr><w:trPr>{trpr}</w:trPr>{"".join(cells)}</w:tr>'

    def tag_row(self, tag: str) -> str:
        """A row whose only text is a {%tr … %} tag: the whole row becomes a Jinja statement."""
        return self.row(self.cell(self.bounds[0], self.bounds[-1], tag))

    def table(self, *rows: str) -> str:
        width = self.bounds[-1] - self.bounds[0]
        borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in self.widths())
        return (f'<w:tbl><w:tblPr><w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="center"/>'
                f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
                f'<w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar>'
                f'<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def document(body: str) -> str:
    sect = (f'<w:sectPr><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
            f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" '
            f'w:header="567" w:footer="567" w:gutter="0"/><w:cols w:space="425"/>'
            f'<w:docGrid w:type="lines" w:linePitch="312"/></w:sectPr>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document {NS}><w:body>{body}{sect}</w:body></w:document>')


def _style(style_id: str, name: str, *, size: int, bold: bool = False, align: str | None = None,
           font: str = CJK_FONT, before: int = 0, after: int = 0, keep_next: bool = False) -> str:
    ppr = ""
    if keep_next:
        ppr += "<w:keepNext/>"
    ppr += f'<w:spacing w:before="{before}" w:after="{after}" w:line="240" w:lineRule="auto"/>'
    if align:
        ppr += f'<w:jc w:val="{align}"/>'
    rpr = fonts(font) + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>')


def styles() -> str:
    defaults = (f'<w:docDefaults><w:rPrDefault><w:rPr>{fonts()}<w:sz w:val="21"/><w:szCs w:val="21"/>'
                f'<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
                f'<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
                f'</w:pPrDefault></w:docDefaults>')
    normal = (f'<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
              f'<w:qFormat/><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr>'
              f'<w:rPr>{fonts()}<w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style>')
    table_normal = ('<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
                    '<w:uiPriority w:val="99"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
                    '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                    '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>')
    custom = "".join([
        _style("SummaryTitle", "汇总表标题", size=36, bold=True, align="center", font=HEADING_FONT,
               before=0, after=240, keep_next=True),
        _style("FormTitle", "表名", size=32, bold=True, align="center", font=HEADING_FONT, keep_next=True),
        _style("FormYear", "表头年度", size=24, align="center", before=60, after=120, keep_next=True),
        _style("FormUnit", "表头单位", size=21, after=60, keep_next=True),
        _style("TableSection", "表格分区标题", size=21, bold=True, align="center"),
        _style("TableText", "表格文字", size=21),
        _style("TableLabel", "表格标签", size=21),
        # 小五 (9 pt): for tables too wide for 五号, such as the 自评表's nine indicator columns
        _style("TableTextSmall", "表格文字（小五）", size=18),
        _style("Note", "表注", size=21, before=120),
    ])
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles {NS}>'
            f'{defaults}{normal}{table_normal}{custom}</w:styles>')


SETTINGS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:settings {NS}><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
            '<w:characterSpacingControl w:val="compressPunctuation"/><w:compat>'
            '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
            '</w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>')

FONT_TABLE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<w:fonts {NS}>'
              '<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
              '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
              '<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:panose1 w:val="02010600030101010101"/>'
              '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
              '<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:panose1 w:val="02010609060101010101"/>'
              '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
              '</w:fonts>')

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                 '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
                 '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
                 '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
                 '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                 '</Types>')

ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
             '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
             '</Relationships>')

DOCUMENT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                 '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
                 '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>'
                 '</Relationships>')


def core(title: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{escape(title)}</dc:title><dc:creator>perfdoc</dc:creator></cp:coreProperties>')


def write_docx(path, body: str, title: str) -> None:
    """Write a complete .docx package with perfdoc's styles around `body`."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "docProps/core.xml": core(title),
        "word/document.xml": document(body),
        "word/_rels/document.xml.rels": DOCUMENT_RELS,
        "word/styles.xml": styles(),
        "word/settings.xml": SETTINGS,
        "word/fontTable.xml": FONT_TABLE,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, xml.encode("utf-8"))
