"""Read a Word file (.docx) as lines and table rows, merged cells resolved from the grid.

python-docx opens the package (parts, relationships); the tables are then read from their XML,
because `Row.cells` repeats a merged cell once per grid column it covers and cannot tell a cell
merged down from the row above from a cell that happens to hold the same words. Here each cell
covers the grid columns its `w:gridSpan` says (after `w:gridBefore`), and a `w:vMerge` without
"restart" continues the cell above it. Tables inside cells are read too, their rows placed inside
the cell's span. Content controls (`w:sdt`) and tracked insertions are read through.
"""
from __future__ import annotations

from pathlib import Path

from .grid import Cell, Document, Line, Refused, Row, TableStart
from .limits import check_office_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path) -> Document:
    """Every paragraph outside tables and every table row of a .docx, in document order."""
    check_office_zip(path, ".docx")
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    try:
        body = docx.Document(str(path)).element.body
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise Refused(f"不是 Word 文档（.docx）：{exc}") from None
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a damaged part
        raise Refused(f"Word 文档已损坏，无法读取：{type(exc).__name__}") from None
    document = Document(str(path))
    _Walker(document).block(body)
    return document


class _Walker:
    def __init__(self, document: Document):
        self.document = document
        self.tables = 0

    def block(self, parent) -> None:
        for child in parent:
            if child.tag == W + "p":
                text = paragraph_text(child).strip()
                if text:
                    self.document.items.append(Line(text, f"第 {self.tables + 1} 个表之前的段落" if not self.tables
                                                    else f"第 {self.tables} 个表之后的段落"))
            elif child.tag == W + "tbl":
                self.tables += 1
                where = f"第 {self.tables} 个表"
                self.document.items.append(TableStart(where))
                self.table(child, where, 0.0, None)
            elif child.tag in (W + "sdt", W + "customXml"):
                self.block(child.find(W + "sdtContent") if child.tag == W + "sdt" else child)

    def table(self, tbl, where: str, x0: float, x1: float | None) -> None:
        """Emit the rows of one table; x0..x1 is the span of the cell holding it (nested tables)."""
        columns = len(tbl.findall(f"{W}tblGrid/{W}gridCol")) or 1
        scale = (x1 - x0) / columns if x1 is not None else 1.0
        above: dict[int, Cell] = {}           # grid column → the cell that started there
        for number, tr in enumerate(_children(tbl, W + "tr"), 1):
            cells, nested = [], []
            column = _int(tr.find(f"{W}trPr/{W}gridBefore"), 0)
            for tc in _children(tr, W + "tc"):
                props = tc.find(W + "tcPr")
                span = max(1, _int(props.find(W + "gridSpan") if props is not None else None, 1))
                vmerge = props.find(W + "vMerge") if props is not None else None
                hmerge = props.find(W + "hMerge") if props is not None else None
                if hmerge is not None and hmerge.get(W + "val") != "restart" and cells:
                    cells[-1].x1 += span * scale      # legacy horizontal merge: widen the cell before
                    column += span
                    continue
                text = cell_text(tc)
                start, end = x0 + column * scale, x0 + (column + span) * scale
                if vmerge is not None and vmerge.get(W + "val") != "restart" and column in above:
                    cell = Cell(above[column].text, start, end, continued=True)
                else:
                    cell = Cell(text, start, end)
                above[column] = cell if not cell.continued else above[column]
                cells.append(cell)
                nested += [(t, start, end) for t in tc.findall(W + "tbl")]
                column += span
            self.document.items.append(Row(cells, f"{where}第 {number} 行"))
            for index, (inner, start, end) in enumerate(nested, 1):
                self.table(inner, f"{where}第 {number} 行内嵌的第 {index} 个表", start, end)


def _children(parent, tag: str):
    """The `tag` children of a table or row, read through content controls (w:sdt) and custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if content is not None:
                yield from _children(content, tag)


def _int(element, default: int) -> int:
    try:
        return int(element.get(W + "val")) if element is not None else default
    except (TypeError, ValueError):
        return default


def cell_text(tc) -> str:
    """A cell's paragraphs, one a line (a nested table's text is read as its own rows)."""
    paragraphs = []

    def walk(parent):
        for child in parent:
            if child.tag == W + "p":
                paragraphs.append(paragraph_text(child))
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content)
    walk(tc)
    return "\n".join(paragraphs).strip()


def paragraph_text(p) -> str:
    """A paragraph's text as Word shows it: runs joined, tabs and line breaks kept, deletions left out."""
    parts = []
    for element in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen", W + "delText"):
        tag = element.tag
        if tag == W + "t":
            parts.append(element.text or "")
        elif tag == W + "tab":
            if element.getparent().tag == W + "r":   # not a tab stop definition in pPr
                parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            if element.get(W + "type") in (None, "textWrapping"):
                parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)
