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
        """Emit the rows of one table; x0..x1 is the span of the cell holding it (nested tables).

        Cells are placed by the widths of the grid's columns (w:gridCol, in twips), so that two
        tables a page break cut apart, or a table nested in a cell, line up with one another."""
        edges = _grid_edges(tbl, x0, x1)
        above: dict[int, Cell] = {}           # grid column → the cell that started there
        for number, tr in enumerate(_children(tbl, W + "tr"), 1):
            cells, nested = [], []
            column = _int(tr.find(f"{W}trPr/{W}gridBefore"), 0)
            for tc in _children(tr, W + "tc"):
                props = tc.find(W + "tcPr")
                span = max(1, _int(props.find(W + "gridSpan") if props is not None else None, 1))
                vmerge = props.find(W + "vMerge") if props is not None else None
                hmerge = props.find(W + "hMerge") if props is not None else None
                start, end = _edge(edges, column), _edge(edges, column + span)
                column += span
                if hmerge is not None and hmerge.get(W + "val") != "restart" and cells:
                    cells[-1].x1 = end                # legacy horizontal merge: widen the cell before
                    continue
                origin = above.get(column - span)
                if vmerge is not None and vmerge.get(W + "val") != "restart" and origin is not None:
                    cell = Cell(origin.text, start, end, continued=True)
                else:
                    cell = above[column - span] = Cell(cell_text(tc), start, end)
                cells.append(cell)
                nested += [(t, start, end) for t in tc.findall(W + "tbl")]
            self.document.items.append(Row(cells, f"{where}第 {number} 行"))
            for index, (inner, start, end) in enumerate(nested, 1):
                self.table(inner, f"{where}第 {number} 行内嵌的第 {index} 个表", start, end)


PAGE_TEXT_WIDTH = 9638.0   # twips: A4 less 2 cm margins, for a grid that gives no widths


def _grid_edges(tbl, x0: float, x1: float | None) -> list[float]:
    """The x of each grid column's left edge and of the last one's right edge."""
    widths = []
    for column in tbl.findall(f"{W}tblGrid/{W}gridCol"):
        try:
            widths.append(max(0.0, float(column.get(W + "w"))))
        except (TypeError, ValueError):
            widths.append(0.0)
    if not widths or not sum(widths):
        widths = [1.0] * max(1, len(widths))
    total = sum(widths)
    scale = ((x1 - x0) if x1 is not None else (total if sum(widths) > len(widths) else PAGE_TEXT_WIDTH)) / total
    edges, x = [x0], x0
    for width in widths:
        x += width * scale
        edges.append(x)
    return edges


def _edge(edges: list[float], column: int) -> float:
    """A column's left edge; a row with more cells than the grid has columns runs on evenly."""
    if column < len(edges):
        return edges[column]
    step = (edges[-1] - edges[0]) / max(1, len(edges) - 1)
    return edges[-1] + (column - len(edges) + 1) * step


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
