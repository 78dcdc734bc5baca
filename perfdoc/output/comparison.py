"""The 对照表 (comparison table) of two versions of a unit's specs, as Word or Excel.

Plain data in — a title and rows of 项目 | 栏目 | 原 | 现 | 说明, each 原/现 a list of
segments `[op, text]` (op "=" unchanged, "-" deleted, "+" inserted) — so this module knows nothing
of how the comparison was made (workflow/diff.py makes it). Deletions print struck through in red,
insertions underlined in blue; A4 landscape; the header row repeats on every page.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

HEADERS = ("项目", "栏目", "原", "现", "说明")
DELETED_COLOUR = "C00000"
INSERTED_COLOUR = "0050C8"
FONT = "宋体"


@dataclass
class ComparisonRow:
    project: str
    field: str
    old: list = field(default_factory=list)    # [[op, text], …]
    new: list = field(default_factory=list)
    note: str = ""


# -- Word --------------------------------------------------------------------------------------
_WIDTHS_MM = (30, 42, 74, 74, 47)   # 267 mm: A4 landscape less 15 mm margins; the texts widest


def docx_bytes(title: str, subtitle: str, rows: list[ComparisonRow]) -> bytes:
    """The 对照表 as a .docx: title, subtitle, one table."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    _east_asian_font(document.styles["Normal"], Pt(10.5))
    document.styles["Normal"].paragraph_format.space_after = Pt(0)

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, title, bold=True, size=Pt(16))
    if subtitle:
        line = document.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(line, subtitle, size=Pt(10.5))

    table = document.add_table(rows=1, cols=len(HEADERS))
    _table_layout(table, _WIDTHS_MM)
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, HEADERS):
        _run(cell.paragraphs[0], text, bold=True)
        _shade(cell._tc, "F2F2F2")
    for row in rows:
        _add_row(table, row)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_row(table, row: ComparisonRow) -> None:
    """Append a row without python-docx's cell grid (rebuilt on every Table.cell call: quadratic)."""
    from docx.table import _Cell
    tr = table._tbl.add_tr()
    for index, content in enumerate((row.project, row.field, row.old, row.new, row.note)):
        tc = tr.add_tc()
        tc.width = _width(index)
        cell = _Cell(tc, table)
        paragraph = cell.paragraphs[0] if cell.paragraphs else cell.add_paragraph()
        if isinstance(content, list):
            for op, text in content:
                _run(paragraph, text, op=op)
        else:
            _run(paragraph, content)


def _width(index: int):
    from docx.shared import Mm
    return Mm(_WIDTHS_MM[index])


def _run(paragraph, text: str, *, op: str = "=", bold: bool = False, size=None):
    """A run in the East Asian font; deleted text struck through, inserted text underlined."""
    from docx.shared import RGBColor
    run = paragraph.add_run(text)
    _set_east_asian(run._element.get_or_add_rPr())
    run.bold = bold or None
    if size is not None:
        run.font.size = size
    if op == "-":
        run.font.strike = True
        run.font.color.rgb = RGBColor.from_string(DELETED_COLOUR)
    elif op == "+":
        run.font.underline = True
        run.font.color.rgb = RGBColor.from_string(INSERTED_COLOUR)
    return run


def _set_east_asian(rpr) -> None:
    """python-docx sets only the Latin font: name the East Asian one too (WPS and Word need it)."""
    from docx.oxml.ns import qn
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _east_asian_font(style, size) -> None:
    from docx.oxml.ns import qn
    style.font.name = FONT
    style.font.size = size
    rpr = style.element.get_or_add_rPr()
    _set_east_asian(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _table_layout(table, widths_mm) -> None:
    """Thin borders on every cell, fixed widths in w:tblW, w:gridCol and w:tcW (WPS reads gridCol)."""
    from docx.oxml.ns import qn
    from docx.shared import Mm
    tbl = table._tbl
    properties = tbl.tblPr
    borders = properties.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(borders.makeelement(qn(f"w:{edge}"), {qn("w:val"): "single", qn("w:sz"): "4",
                                                             qn("w:space"): "0", qn("w:color"): "000000"}))
    properties.append(borders)
    layout = properties.makeelement(qn("w:tblLayout"), {qn("w:type"): "fixed"})
    properties.append(layout)
    total = properties.find(qn("w:tblW"))
    if total is None:
        total = properties.makeelement(qn("w:tblW"), {})
        properties.append(total)
    total.set(qn("w:type"), "dxa")
    total.set(qn("w:w"), str(sum(int(Mm(w).twips) for w in widths_mm)))
    for column, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    for cell, width in zip(table.rows[0].cells, widths_mm):
        cell.width = Mm(width)


def _shade(tc, colour: str) -> None:
    from docx.oxml.ns import qn
    properties = tc.get_or_add_tcPr()
    properties.append(properties.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto",
                                                           qn("w:fill"): colour}))


def _repeat_header(row) -> None:
    from docx.oxml.ns import qn
    trpr = row._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))


# -- Excel --------------------------------------------------------------------------------------
def xlsx_bytes(title: str, subtitle: str, rows: list[ComparisonRow]) -> bytes:
    """The 对照表 as an .xlsx (XlsxWriter): the same columns, rich text for the changes."""
    import xlsxwriter
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("对照表")
    base = {"font_name": FONT, "font_size": 10.5, "text_wrap": True, "valign": "top", "border": 1}
    formats = {
        "title": book.add_format({"font_name": FONT, "bold": True, "font_size": 14}),
        "subtitle": book.add_format({"font_name": FONT, "font_size": 10.5}),
        "header": book.add_format({**base, "bold": True, "bg_color": "#F2F2F2"}),
        "cell": book.add_format(base),
        "=": book.add_format({"font_name": FONT, "font_size": 10.5}),
        "-": book.add_format({"font_name": FONT, "font_size": 10.5, "font_strikeout": True,
                              "font_color": f"#{DELETED_COLOUR}"}),
        "+": book.add_format({"font_name": FONT, "font_size": 10.5, "underline": 1,
                              "font_color": f"#{INSERTED_COLOUR}"}),
        "cell=": book.add_format(base),
        "cell-": book.add_format({**base, "font_strikeout": True, "font_color": f"#{DELETED_COLOUR}"}),
        "cell+": book.add_format({**base, "underline": 1, "font_color": f"#{INSERTED_COLOUR}"}),
    }
    sheet.write_string(0, 0, title, formats["title"])
    sheet.write_string(1, 0, subtitle, formats["subtitle"])
    for column, (header, width) in enumerate(zip(HEADERS, _XLSX_WIDTHS)):
        sheet.set_column(column, column, width)
        sheet.write_string(3, column, header, formats["header"])
    for number, row in enumerate(rows, start=4):
        sheet.write_string(number, 0, row.project, formats["cell"])
        sheet.write_string(number, 1, row.field, formats["cell"])
        _rich(sheet, number, 2, row.old, formats)
        _rich(sheet, number, 3, row.new, formats)
        sheet.write_string(number, 4, row.note, formats["cell"])
        sheet.set_row(number, _row_height(row))
    sheet.freeze_panes(4, 0)
    sheet.autofilter(3, 0, 3 + len(rows), len(HEADERS) - 1)
    sheet.set_landscape()
    sheet.set_paper(9)            # A4
    sheet.repeat_rows(3)
    sheet.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()


_XLSX_WIDTHS = (22, 26, 50, 50, 26)   # in widths of a Latin character; a Chinese one takes two


def _row_height(row: ComparisonRow) -> float:
    """Points for a row whose every cell wraps: XlsxWriter cannot measure text, and LibreOffice
    does not grow a row written without a height, so estimate the lines each cell needs."""
    import math
    texts = [row.project, row.field, "".join(t for _, t in row.old), "".join(t for _, t in row.new), row.note]
    lines = 1
    for text, width in zip(texts, _XLSX_WIDTHS):
        for paragraph in text.split("\n"):
            units = sum(2 if ord(c) > 0x2E80 else 1 for c in paragraph)
            lines_here = max(1, math.ceil(units / (width - 1)))
            lines = max(lines, lines_here + text.count("\n"))
    return 14.5 * lines


def _rich(sheet, row: int, column: int, segments: list, formats: dict) -> None:
    """A cell of segments: write_rich_string needs two fragments or more, so fewer are plain."""
    parts = [(op, text) for op, text in segments if text]
    if len(parts) >= 2:
        fragments = [piece for op, text in parts for piece in (formats[op], text)]
        sheet.write_rich_string(row, column, *fragments, formats["cell"])
    elif parts:
        op, text = parts[0]
        sheet.write_string(row, column, text, formats[f"cell{op}"])
    else:
        sheet.write_blank(row, column, None, formats["cell"])
