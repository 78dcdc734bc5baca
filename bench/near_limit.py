"""The near-limit writer: the same 申报表 WordprocessingML as perfdoc's, built from plain strings.

What a programmer would write who knows this one form and wants it as fast as Python allows: the
template's document.xml is cut once into static pieces around its `{{ … }}` fields; each project's
table is a str.join of those pieces and escaped values, built once and reused for the 汇总表; the
package is the template's other parts (deflated once) plus that string, zipped by perfdoc's own
package writer so that both write the same bytes the same way. No template engine, no
validation, no model, no XML tree. The specs are read with libyaml (CSafeLoader). Where rows may
break across pages is perfdoc's own computation (output/pagination.py): the same document needs
the same blocks, and the year's printed words are the kind's `labels`.

    python bench/near_limit.py SPEC_FOLDER OUT_FOLDER
"""
from __future__ import annotations

import re
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import yaml
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from perfdoc.input.kinds import read_kind  # noqa: E402  (the checkout's perfdoc)
from perfdoc.output import pagination  # noqa: E402
from perfdoc.output.package import deflate, zip_bytes  # noqa: E402

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "申报表.docx"
KIND = read_kind(TEMPLATE.with_suffix(".yaml"))
LAYOUT = pagination.geometry(TEMPLATE)

# A paragraph or table row that holds only a {%p …%} / {%tr …%} statement.
_STATEMENT_PARAGRAPH = re.compile(r"<w:p>(?:(?!<w:p>).)*?\{%p (.*?) %\}.*?</w:p>", re.S)
_STATEMENT_ROW = re.compile(r"<w:tr>(?:(?!<w:tr>).)*?\{%tr (.*?) %\}.*?</w:tr>", re.S)
_FIELD = re.compile(r"\{\{ (.*?) \}\}")
_CELL = re.compile(r"<w:tc>.*?</w:tc>", re.S)
_VM = re.compile(r"\{%vm (.*?) %\}")
_KEEP = re.compile(r"\{%keep (.*?) %\}")
_PSTYLE = re.compile(r"(<w:pStyle [^>]*/>)")
_RUN = re.compile(r"<w:r>.*</w:r>", re.S)
_PPR = re.compile(r"<w:pPr>(?:(?!<w:pPr>).)*?</w:pPr>", re.S)


def escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


class Piece:
    """Static XML with `{{ field }}` holes: a join of constant strings and escaped values."""

    def __init__(self, xml: str):
        parts = _FIELD.split(xml)
        self.statics = parts[0::2]
        self.fields = [field.split(".") for field in parts[1::2]]
        # a newline in a value closes the paragraph and opens one with the same pPr
        self.joints = [self._joint(self.statics[i]) for i in range(len(self.fields))]

    @staticmethod
    def _joint(before: str) -> str:
        ppr = _PPR.findall(before)
        return '</w:t></w:r></w:p><w:p>%s<w:r><w:t xml:space="preserve">' % (ppr[-1] if ppr else "")

    def fill(self, data: dict) -> str:
        out = [self.statics[0]]
        for path, joint, static in zip(self.fields, self.joints, self.statics[1:]):
            value = data
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            text = escape(printed(value))
            out.append(joint.join(text.split("\n")) if "\n" in text else text)
            out.append(static)
        return "".join(out)


def printed(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class IndicatorRow:
    """The {%tr for 行 %} row; its 一级/二级 cells merge vertically over equal neighbours within a
    block, and {%keep %} sets its cantSplit and keepNext: one variant of the row for each."""

    def __init__(self, xml: str):
        self.keep = bool(_KEEP.search(xml))
        xml = _KEEP.sub("", xml)
        self.variants = {(whole, keep): _RowCells(_paginated(xml, whole, keep))
                         for whole in (True, False) for keep in (True, False)}
        self.merged = self.variants[True, True].merged

    def fill(self, rows: list[dict]) -> str:
        shown = [{key: printed(value) for key, value in row.items()} for row in rows]
        if self.keep:
            block_of, pages = pagination.paginate(shown, tuple(self.merged), LAYOUT)
        else:
            block_of, pages = [0] * len(rows), [{"整行": True, "连下": False}] * len(rows)
        out = []
        for row, merges, page in zip(rows, vertical_merges(shown, self.merged, block_of), pages):
            out.append(self.variants[page["整行"], page["连下"]].fill(row, merges))
        return "".join(out)


def _paginated(xml: str, whole: bool, keep: bool) -> str:
    """The row as {%keep %} renders it: cantSplit last in trPr, keepNext after each pStyle."""
    xml = xml.replace("<w:cantSplit/>", "").replace("</w:trPr>", ("<w:cantSplit/>" if whole else "") + "</w:trPr>", 1)
    xml = xml.replace("<w:keepNext/>", "")
    return _PSTYLE.sub(r"\1<w:keepNext/>", xml) if keep else xml


class _RowCells:
    """One variant of the indicator row, cut into static XML, cells and merged cells."""

    def __init__(self, xml: str):
        self.cells = []
        position = 0
        for match in _CELL.finditer(xml):
            self.cells.append(("static", xml[position:match.start()]))
            cell = match.group()
            vm = _VM.search(cell)
            if vm:
                plain = _VM.sub("", cell)
                restart = plain.replace("<w:vAlign", '<w:vMerge w:val="restart"/><w:vAlign', 1)
                continued = _RUN.sub("", plain.replace("<w:vAlign", "<w:vMerge/><w:vAlign", 1))
                column = vm.group(1).rsplit(".", 1)[1]
                self.cells.append(("merge", column, Piece(plain), Piece(restart), continued))
            else:
                self.cells.append(("cell", Piece(cell)))
            position = match.end()
        self.cells.append(("static", xml[position:]))
        self.merged = [c[1] for c in self.cells if c[0] == "merge"]

    def fill(self, row: dict, merges: dict) -> str:
        out = []
        context = {"行": row}
        for cell in self.cells:
            if cell[0] == "static":
                out.append(cell[1])
            elif cell[0] == "cell":
                out.append(cell[1].fill(context))
            else:
                how = merges[cell[1]]
                out.append(cell[4] if how == "continue" else
                           (cell[3] if how == "restart" else cell[2]).fill(context))
        return "".join(out)


def vertical_merges(rows: list[dict], columns: list[str], block_of: list[int]) -> list[dict]:
    same = []
    for i, row in enumerate(rows):
        chain, flags = i > 0 and block_of[i] == block_of[i - 1], {}
        for column in columns:
            value = row.get(column) or ""
            chain = chain and value != "" and value == (rows[i - 1].get(column) or "")
            flags[column] = chain
        same.append(flags)
    return [{c: "continue" if flags[c] else ("restart" if i + 1 < len(rows) and same[i + 1][c] else None)
             for c in columns} for i, flags in enumerate(same)]


class Form:
    """The 申报表 template cut into pieces: head, title, page break, form, indicator row, tail."""

    def __init__(self, template: Path = TEMPLATE):
        with zipfile.ZipFile(template) as package:
            parts = [(info.filename, package.read(info)) for info in package.infolist()]
        # the other parts are the same in every document: deflated once
        self.deflated = [(name, deflate(name, data)) for name, data in parts]
        # as any XML tool would write it back (Word leaves e.g. <w:trPr></w:trPr> in templates)
        root = etree.fromstring(dict(parts)["word/document.xml"])
        xml = XML_DECLARATION + etree.tostring(root, encoding="unicode")
        # pieces[0] head, [2] title paragraph, [6] page break, [8] form up to the indicator row
        pieces = _STATEMENT_PARAGRAPH.split(xml)
        self.head, self.title, self.page_break = pieces[0], Piece(pieces[2]), pieces[8]
        form, self.tail = pieces[10], pieces[12]
        before, _, row, _, after = _STATEMENT_ROW.split(form)
        self.form_head, self.row, self.form_tail = Piece(before), IndicatorRow(row), after

    def project_xml(self, project: dict) -> str:
        data = {"项目": project, "年度": project["年度"], "栏目": KIND.labels_for(project["年度"])}
        return self.form_head.fill(data) + self.row.fill(project.get("绩效指标") or []) + self.form_tail

    def document(self, forms: list[str], title: str = "") -> bytes:
        title_xml = self.title.fill({"汇总表标题": title}) if title else ""
        body = self.head + title_xml + self.page_break.join(forms) + self.tail
        return self.package(body.encode("utf-8"))

    def package(self, document_xml: bytes) -> bytes:
        parts = [deflate(name, document_xml) if name == "word/document.xml" else part
                 for name, part in self.deflated]
        return zip_bytes(parts)


def amounts(funding: dict) -> dict:
    """The 项目资金 block with every amount as Decimal (libyaml gives str, int or float)."""
    result = {}
    for key, value in (funding or {}).items():
        if isinstance(value, dict):
            result[key] = amounts(value)
        elif value is not None:
            result[key] = Decimal(str(value).replace(",", ""))
    return result


def read_project(path: Path, unit: dict) -> dict:
    project = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    project.setdefault("主管部门", unit.get("主管部门"))
    project.setdefault("实施单位", unit.get("实施单位"))
    project["项目资金"] = amounts(project.get("项目资金"))
    project["年度"] = unit["年度"]
    return project


def main(specs: Path, out: Path) -> None:
    unit = yaml.load((specs / "单位.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    form = Form()
    out.mkdir(parents=True, exist_ok=True)
    forms = []
    for path in sorted(p for p in specs.glob("*.yaml") if p.name != "单位.yaml"):
        project = read_project(path, unit)
        forms.append(form.project_xml(project))
        (out / f"{project['项目名称']}.docx").write_bytes(form.document(forms[-1:]))
    title = f"{unit['单位']}{unit['年度']}年度项目绩效目标汇总表"
    (out / f"{title}.docx").write_bytes(form.document(forms, title))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
