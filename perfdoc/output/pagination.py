"""Where an indicator table may break across pages, decided before any word processor lays it out.

A merged 一级 or 二级 cell that runs onto the next page prints blank there: a reviewer holding that
page cannot tell what its rows measure. Word, WPS and LibreOffice each lay the page out
differently (fonts, line breaks), so perfdoc cannot know where a page ends; but all three break
a table only between rows and honour two properties of a row: w:cantSplit (the row is never cut
in two) and keepNext on its paragraphs (the row stays on the page of the next one).

So the indicator rows are cut into blocks, each short enough to fit well within a page: a whole
一级 group where it is short enough; else runs of its 二级 groups; a 二级 group taller than a block
in runs of rows. A block's rows keep together, its merged cells start afresh (so every block
prints its own 一级 and 二级), and a page can only end between blocks. Most projects' 一级 groups
are one block each, and print exactly as the official form merges them.

A row is kept whole unless it is taller than a block: Word cuts off the part of an unsplittable
row that does not fit on a page, so a very long row may split (its continuation then shows no
labels: the one case that remains).

Heights are estimated in lines of the page's grid from the template's column widths and font
size: the estimate need not be exact, a block is under half a page.
"""
from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

_w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BLOCK_SHARE = 0.6              # a block is at most this share of a page's lines
_DEFAULT_SIZE = 21             # half-points: 五号
_DEFAULT_MARGINS = 216          # twips: a cell's left and right margins in Word's default table style
_A4_BODY = 16838 - 2 * 1440    # twips: A4 with Word's default margins
_FIELD = re.compile(r"行\.(\w+)")


@dataclass(frozen=True)
class Geometry:
    """What the estimate needs of a template: how many characters fit on one line of each
    column's cell, and how many lines a page holds."""
    characters: dict[str, float]   # column key → 汉字 per line
    page_lines: int
    _quarters: tuple = field(init=False, repr=False, compare=False)  # (key, 4 × characters)

    def __post_init__(self):
        object.__setattr__(self, "_quarters", tuple((k, 4 * max(w, 1)) for k, w in self.characters.items()))

    @property
    def block_lines(self) -> int:
        return max(4, int(self.page_lines * BLOCK_SHARE))

    def row_lines(self, row: dict[str, str]) -> int:
        """The estimated height of a row: its tallest cell, in lines.

        A 汉字 counts 1, a Latin letter or digit ½: UTF-8 spends 3 bytes on a 汉字 and 1 on ASCII,
        so (characters + bytes) / 4 is that count, in one pass in C — a thousand-project build
        estimates a hundred thousand cells. Each paragraph of a cell starts a new line."""
        tallest = 1.0
        for key, quarters in self._quarters:
            text = row.get(key)
            if not text:
                continue
            if "\n" in text:
                size = sum(math.ceil((len(p) + len(p.encode("utf-8"))) / quarters) or 1 for p in text.split("\n"))
            else:
                size = (len(text) + len(text.encode("utf-8"))) / quarters
            if size > tallest:
                tallest = size
        return math.ceil(tallest)


def geometry(template: Path) -> Geometry:
    """The geometry of a template's indicator row (the row after `{%tr for … %}`)."""
    path = Path(template)
    stat = path.stat()
    return _geometry(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _geometry(path: str, _mtime: int, _size: int) -> Geometry:
    with zipfile.ZipFile(path) as package:
        document = etree.fromstring(package.read("word/document.xml"))
        names = set(package.namelist())
        styles = etree.fromstring(package.read("word/styles.xml")) if "word/styles.xml" in names else None
    sizes = _style_sizes(styles)
    characters = {}
    row = _indicator_row(document)
    if row is not None:
        margins = _cell_margins(row.getparent())
        for cell in row.findall(_w + "tc"):
            text = "".join(t.text or "" for t in cell.iter(_w + "t"))
            width = _int(cell.find(f"{_w}tcPr/{_w}tcW"), "w", 0)
            style = cell.find(f".//{_w}pPr/{_w}pStyle")
            size = sizes.get(style.get(_w + "val") if style is not None else None, sizes.get(None, _DEFAULT_SIZE))
            for key in _FIELD.findall(text.split("%}")[-1]):  # the printed field, not a {%vm %} argument
                characters[key] = (width - margins) / (size * 10)  # a 汉字 is `size` half-points wide
    return Geometry(characters, _page_lines(document))


def _indicator_row(document):
    rows = list(document.iter(_w + "tr"))
    for row, following in zip(rows, rows[1:]):
        text = "".join(t.text or "" for t in row.iter(_w + "t"))
        if re.search(r"\{%\s*tr\s+for\b", text):
            return following
    return None


def _page_lines(document) -> int:
    section = document.find(f".//{_w}sectPr")
    height, pitch = _A4_BODY, 312
    if section is not None:
        size, margins, grid = (section.find(_w + name) for name in ("pgSz", "pgMar", "docGrid"))
        if size is not None and margins is not None:
            height = _int(size, "h", 16838) - _int(margins, "top", 1440) - _int(margins, "bottom", 1440)
        if grid is not None and grid.get(_w + "type") in ("lines", "linesAndChars"):
            pitch = _int(grid, "linePitch", 312)
    return max(1, height // max(pitch, 1))


def _cell_margins(table) -> int:
    margins = table.find(f"{_w}tblPr/{_w}tblCellMar")
    if margins is None:
        return _DEFAULT_MARGINS
    return sum(_int(margins.find(_w + side), "w", _DEFAULT_MARGINS // 2) for side in ("left", "right"))


def _style_sizes(styles) -> dict:
    """Each paragraph style's font size in half-points; None: the document default."""
    sizes = {}
    if styles is None:
        return sizes
    default = styles.find(f"{_w}docDefaults/{_w}rPrDefault/{_w}rPr/{_w}sz")
    sizes[None] = _int(default, "val", _DEFAULT_SIZE)
    for style in styles.findall(_w + "style"):
        size = style.find(f"{_w}rPr/{_w}sz")
        if size is not None:
            sizes[style.get(_w + "styleId")] = _int(size, "val", sizes[None])
    return sizes


def _int(element, attribute: str, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(_w + attribute, default))
    except (TypeError, ValueError):
        return default


def paginate(rows: list[dict], merge: tuple[str, ...], layout: Geometry,
             followed: bool = False) -> tuple[list[int], list[dict[str, bool]]]:
    """Each row's block, and its pagination for `{%keep %}` (see row_pages)."""
    lines = [layout.row_lines(row) for row in rows]
    block_of = blocks(rows, merge, layout, lines)
    return block_of, row_pages(block_of, lines, layout, followed)


def blocks(rows: list[dict], merge: tuple[str, ...], layout: Geometry, lines: list[int] | None = None) -> list[int]:
    """The index of the block each row belongs to (see the module's description)."""
    lines = lines or [layout.row_lines(row) for row in rows]
    most = layout.block_lines
    block_of, block = [], -1
    for first in _runs(range(len(rows)), rows, merge[:1]):
        parts = [first] if sum(lines[i] for i in first) <= most else \
            _pack(_runs(first, rows, merge[1:2]), lines, most)
        for part in parts:
            block += 1
            block_of += [block] * len(part)
    return block_of


def _runs(indices, rows: list[dict], columns: tuple[str, ...]) -> list[list[int]]:
    """Consecutive rows with the same non-empty value in `columns` (a group a merge would span)."""
    runs: list[list[int]] = []
    for i in indices:
        same = runs and columns and all(rows[i][c] != "" and rows[i][c] == rows[runs[-1][-1]][c] for c in columns)
        if same:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _pack(runs: list[list[int]], lines: list[int], most: int) -> list[list[int]]:
    """Consecutive runs gathered into blocks of at most `most` lines; a taller run is cut between
    its rows into blocks of its own, of about equal height (never a one-row remainder that
    repeats the labels for nothing); a row taller than a block is a block alone."""
    packed: list[list[int]] = []
    height = most + 1  # the first run opens a block
    for run in runs:
        size = sum(lines[i] for i in run)
        if size > most:
            packed += _cut(run, lines, most)
            height = most + 1  # the next run starts a block of its own
            continue
        if height + size > most:
            packed.append([])
            height = 0
        packed[-1] += run
        height += size
    return packed


def _cut(run: list[int], lines: list[int], most: int) -> list[list[int]]:
    """A run taller than a block cut between rows into the fewest blocks of about equal height."""
    total = sum(lines[i] for i in run)
    target = total / math.ceil(total / most)
    pieces: list[list[int]] = [[]]
    height = 0
    for i in run:
        tall = lines[i] > most
        if pieces[-1] and (tall or height + lines[i] > most or height >= target):
            pieces.append([])
            height = 0
        pieces[-1].append(i)
        height += lines[i]
        if tall:
            pieces.append([])
            height = 0
    return [piece for piece in pieces if piece]


def row_pages(block_of: list[int], lines: list[int], layout: Geometry, followed: bool) -> list[dict[str, bool]]:
    """Each row's pagination for `{%keep %}`: 整行 (never split) and 连下 (stay with the next row).
    `followed`: a row follows the last one in the table (the 自评表's 总分), which it keeps with."""
    most, count = layout.block_lines, len(block_of)
    return [{"整行": lines[i] <= most, "连下": block_of[i + 1] == block_of[i] if i + 1 < count else followed}
            for i in range(count)]
