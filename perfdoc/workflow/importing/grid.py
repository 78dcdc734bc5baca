"""What every reader of a foreign file produces: the document as lines and table rows, in order.

A form is read by its labels, not by where a program put them, so the readers (docx.py, pdf.py)
reduce a file to the same few records: a `Line` of text outside any table, and a `Row` of
`Cell`s, each cell knowing the horizontal span it covers (grid columns in Word, points in a PDF)
and whether it merely continues a cell merged down from the row above. A `TableStart` marks where
a new table begins: a table cut by a page break continues across one.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class Refused(Exception):
    """A file that cannot be imported at all: one line in Chinese saying why (nothing is written)."""


@dataclass
class Cell:
    text: str
    x0: float
    x1: float
    continued: bool = False          # the lower part of a cell merged vertically: text is the origin's
    runs_on: bool | None = None      # (PDF) its last line reaches the edge (a page may have cut it); None: unknown
    room: float | None = None        # (PDF) room left after its last line, in characters of its size

    def overlap(self, x0: float, x1: float) -> float:
        return max(0.0, min(self.x1, x1) - max(self.x0, x0))


@dataclass
class Row:
    cells: list[Cell]
    where: str                       # 第 2 个表第 5 行, 第 3 页第 1 个表第 5 行

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass
class Line:
    text: str
    where: str


@dataclass
class TableStart:
    where: str
    page_break: bool = False         # the table continues one cut by a page (PDF) or a split (Word)


Item = "Line | Row | TableStart"


@dataclass
class Document:
    """A foreign file as read: its items in order, and what the reader noticed on the way."""
    path: str
    items: list = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
