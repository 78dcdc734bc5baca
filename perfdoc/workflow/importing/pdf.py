"""Read a PDF of forms (a published 汇总表) as lines and table rows: ruled tables only, no OCR.

pdfplumber finds each page's ruled tables and their cells; a cell that spans rows appears once,
in its first row, and the rows below it get it back as a continued cell (as in Word). The text of
a cell is rebuilt from its characters: lines a PDF wrapped are joined again (nothing between
Chinese characters, a space between two Latin words), and a new paragraph is kept only where the
layout shows one — a line that stops well short of the cell's right edge. A table at the top of a
page continues the table cut by the page break (forms.py joins a row split across it).
A PDF without text (a scan) is refused; so is one without ruled tables, or with too many pages.
"""
from __future__ import annotations

from pathlib import Path

from .grid import Cell, Document, Line, Refused, Row, TableStart
from .labels import ENUMERATION, NO_LINE_END, NO_LINE_START, SENTENCE_END
from .limits import MAX_PAGE_CHARS, MAX_PDF_PAGES, check_size

SCAN_CHARS = 20          # fewer characters than this on every page: an image of a form, not text
LINE_TOLERANCE = 3.0     # characters whose tops differ less than this (pt) sit on one line


def read_pdf(path: Path) -> Document:
    """Every line outside tables and every table row of a PDF, page by page."""
    check_size(path)
    try:
        import pdfplumber
    except ImportError:
        raise Refused("读取 PDF 需要 pdfplumber：pip install 'perfdoc[import]'") from None
    with open(path, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise Refused("不是有效的 PDF 文件（文件已损坏，或只是改了扩展名）")
    try:
        pdf = pdfplumber.open(str(path))
        pages = pdf.pages
    except Exception as exc:  # pdfminer's PDFSyntaxError, PDFPasswordIncorrect (wrapped by pdfplumber), …
        name = " ".join(type(e).__name__ for e in (exc, *exc.args) if isinstance(e, Exception))
        if "Password" in name or "Encrypt" in name:
            raise Refused("PDF 有密码保护：请先取消密码（或另存一份无密码的 PDF）再导入") from None
        raise Refused(f"PDF 已损坏，无法读取：{name.split()[-1]}") from None
    with pdf:
        if len(pages) > MAX_PDF_PAGES:
            raise Refused(f"PDF 有 {len(pages)} 页，超过 {MAX_PDF_PAGES} 页：不像一个单位的绩效表，未读取")
        document = Document(str(path))
        found_text = found_table = False
        for number, page in enumerate(pages, 1):
            try:
                if len(page.chars) > MAX_PAGE_CHARS:
                    raise Refused(f"第 {number} 页有 {len(page.chars)} 个字符，超过 {MAX_PAGE_CHARS}：不像一页表格，未读取")
                found_text |= len(page.chars) >= SCAN_CHARS
                found_table |= _page(document, page, number)
            except Refused:
                raise
            except Exception as exc:  # a damaged page: said, not a traceback
                raise Refused(f"第 {number} 页无法读取：{type(exc).__name__}") from None
            finally:
                page.close()
    if not found_text:
        raise Refused("PDF 中没有文字，是扫描件（图片）：perfdoc 不做文字识别（OCR），请用 Word 原件或文字版 PDF")
    if not found_table:
        raise Refused("PDF 中没有带表格线的表格：perfdoc 只读取有表格线的表（如公开发布的汇总表）")
    return document


def _page(document: Document, page, number: int) -> bool:
    """Add one page's lines and table rows, top to bottom; whether it had a table."""
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    boxes = [t.bbox for t in tables]
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or
                          not any(_inside(obj, box) for box in boxes))
    items = [(top, "line", text) for top, text in _lines_of(outside.chars)] + [(t.bbox[1], "table", t) for t in tables]
    count = 0
    for index, (_, what, thing) in enumerate(sorted(items, key=lambda item: item[0])):
        if what == "line":
            document.items.append(Line(thing, f"第 {number} 页"))
            continue
        count += 1
        where = f"第 {number} 页的表格" if len(tables) == 1 else f"第 {number} 页第 {count} 个表"
        first_on_page = not any(w == "line" and t < thing.bbox[1] for t, w, _ in items) and index == 0
        document.items.append(TableStart(where, page_break=first_on_page))
        _table(document, page, thing, where)
    return bool(tables)


def _table(document: Document, page, table, where: str) -> None:
    spanning: list[tuple[tuple, str]] = []      # cells seen so far: (bbox, text), for rows they reach into
    containers = _containers(table.cells)
    for number, row in enumerate(table.rows, 1):
        top = row.bbox[1]
        cells = []
        for bbox in row.cells:
            if bbox is None:
                continue
            # a cell holding a nested table is left out: its text is the nested cells', in their rows
            if tuple(bbox) in containers:
                continue
            text, room = cell_text(page, bbox)
            spanning.append((bbox, text))
            cells.append(Cell(text, bbox[0], bbox[2], runs_on=room is not None and room < 2, room=room))
        for bbox, text in spanning:
            if bbox[1] < top - 1 and bbox[3] > top + 1 and not any(abs(c.x0 - bbox[0]) < 1 for c in cells):
                cells.append(Cell(text, bbox[0], bbox[2], continued=True))
        cells.sort(key=lambda c: c.x0)
        document.items.append(Row(cells, f"{where}第 {number} 行"))


def _containers(cells: list[tuple]) -> set[tuple]:
    """The cells that hold other cells (a table nested in a cell shares the page's ruling)."""
    def within(inner, outer) -> bool:
        return inner != outer and all((inner[i] >= outer[i] - 1) if i < 2 else (inner[i] <= outer[i] + 1) for i in range(4))
    ordered = sorted(cells, key=lambda c: c[0])
    return {tuple(outer) for outer in ordered if any(within(inner, outer) for inner in ordered
                                                     if inner[0] < outer[2] and inner[0] >= outer[0] - 1)}


def _inside(obj, box) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def cell_text(page, bbox) -> tuple[str, float | None]:
    """The cell's text with the PDF's line wraps undone (see the module docstring), and the room
    left after its last line, in characters (little room: its text may go on, on the next page)."""
    chars = [c for c in page.chars if _inside(c, bbox)]
    lines = _char_lines(chars)
    if not lines:
        return "", None
    text = _line_text(lines[0])
    for before, line in zip(lines, lines[1:]):
        following = _line_text(line)
        joined = "\n" if paragraph_ends(before, line, following, bbox[2]) else ""
        if not joined and text and following and text[-1].isascii() and text[-1].isalnum() \
                and following[0].isascii() and following[0].isalnum() and not _word_forced_apart(before, line, bbox):
            joined = " "   # a wrap at a space between two Latin words; a word too long for the cell has none
        text += joined + following
    last = lines[-1]
    size = max(c["x1"] - c["x0"] for c in last) or 1.0
    return text.strip(), max(0.0, bbox[2] - _PADDING - last[-1]["x1"]) / size


_PADDING = 5.4           # pt: LibreOffice's and Word's default cell margin (0.19 cm) on the right


def paragraph_ends(before: list[dict], line: list[dict], following: str, right: float) -> bool:
    """Whether the line `before` ends a paragraph: it stops short of the cell's edge by more than
    the next line's first unbreakable piece would need (a long Latin word or `（1）` wraps early,
    a paragraph does not go on), or it ends a sentence and the next line starts an enumeration
    (一、 （二）): a full line and a paragraph's last line look alike, this is the best guess."""
    room = right - before[-1]["x1"] - _PADDING
    if room > _first_unit_width(line) + 1:
        return True
    last = "".join(c["text"] for c in before).rstrip()
    return last.endswith(SENTENCE_END) and bool(ENUMERATION.match(following))


def _word_forced_apart(before: list[dict], line: list[dict], bbox) -> bool:
    """Whether the Latin word ending `before` and the one starting `line` together are wider than
    the cell: then the break is inside one word, forced, and no space was there."""
    start = len(before) - 1
    while start > 0 and _latin(before[start - 1]):
        start -= 1
    end = 0
    while end + 1 < len(line) and _latin(line[end + 1]):
        end += 1
    width = (before[-1]["x1"] - before[start]["x0"]) + (line[end]["x1"] - line[0]["x0"])
    return width > bbox[2] - bbox[0] - 2 * _PADDING


def _latin(char: dict) -> bool:
    """Part of a Latin word or number (100.00, 7*24): lines break between such words only at spaces."""
    return char["text"].isascii() and not char["text"].isspace()


def _first_unit_width(line: list[dict]) -> float:
    """How wide the start of a line is that no line break could have split: a Latin word or
    number, an opening bracket with what follows it, and any marks that may not begin a line."""
    end = 0
    if line[0]["text"] in NO_LINE_END and len(line) > 1:
        end = 1
    if _latin(line[end]):
        while end + 1 < len(line) and _latin(line[end + 1]):
            end += 1
    while end + 1 < len(line) and line[end + 1]["text"] in NO_LINE_START:
        end += 1
    return line[end]["x1"] - line[0]["x0"]


def _char_lines(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into lines, top to bottom, each line left to right."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if lines and abs(lines[-1][0]["top"] - char["top"]) < LINE_TOLERANCE:
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _line_text(line: list[dict]) -> str:
    """A line's characters, with a space where the PDF leaves a gap wider than a third of a
    character — not between two Chinese characters, which justified text spreads apart."""
    text = ""
    for before, char in zip([None, *line], line):
        if before is not None and char["text"] != " " and not text.endswith(" ") \
                and not (_wide(before["text"]) and _wide(char["text"])):
            gap = char["x0"] - before["x1"]
            if gap > 0.3 * max(1.0, char["x1"] - char["x0"], before["x1"] - before["x0"]):
                text += " "
        text += char["text"]
    return text


def _wide(text: str) -> bool:
    """A Chinese character or full-width mark (they carry no spaces between them)."""
    return bool(text) and ord(text[0]) >= 0x2E80


def _lines_of(chars: list[dict]) -> list[tuple[float, str]]:
    return [(line[0]["top"], _line_text(line).strip()) for line in _char_lines(chars) if _line_text(line).strip()]
