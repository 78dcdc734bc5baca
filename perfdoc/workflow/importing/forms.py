"""Read forms out of a document's lines and rows by their labels, the kind's layout telling where.

The document is a stream (grid.py): lines of text, table starts, rows of cells. Reading it is a
walk that fills one project at a time:

- a line that is the form's title or the 汇总表's title, or the first label seen a second time,
  starts the next project; `(2025年度)` gives the year, the 汇总表 title the unit;
- a cell whose text is a field's label gives that field the next cell's text (pairs);
- a row of headers (项目总目标 | 年度总体目标; 年初预算数 | 全年预算数 …) remembers where each
  header sits, and the values are taken from the cells below it — in the next row, or in the row
  labelled 年度资金总额 (matrices);
- the indicator header (一级指标 | 二级指标 | …) starts the indicator rows, read by column until a
  row holds another label; a merged 一级/二级 gives each row its text;
- a table that continues a table cut by a page: a first row with no label and no 三级 continues
  the row before it, and is joined to it.

What cannot be placed is never dropped silently: it becomes a doubt naming file, place and field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...input.kinds import FormKind
from .grid import Cell, Document, Line, Row, TableStart
from .labels import ENUMERATION, NO_LINE_END, NO_LINE_START, SENTENCE_END, norm, same_label, variants
from .layout import Layout, Slot

# (2025年度), (2020)年度, 2025年度: a year heading however the system printed it
_YEAR_HEADING = re.compile(r"^\(?(\d{4})\)?年度\)?$")


@dataclass
class Doubt:
    """Something import could not be sure of: where it came from and which spec field it concerns."""
    source: str
    where: str
    field: str
    message: str

    def format(self) -> str:
        place = f"{self.source}: {self.where}" if self.where else self.source
        return f"{place}: {self.field}：{self.message}" if self.field else f"{place}: {self.message}"


@dataclass
class FormRead:
    """One project's form as read: values by dotted path, indicator rows, and where each came from."""
    values: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)
    row_where: list[str] = field(default_factory=list)
    year: int | None = None
    title: str = ""

    @property
    def empty(self) -> bool:
        return not self.values and not self.rows


@dataclass
class Reading:
    """Everything read from one document."""
    source: str
    forms: list[FormRead] = field(default_factory=list)
    unit: str = ""
    year: int | None = None
    doubts: list[Doubt] = field(default_factory=list)


def score(layout: Layout, document: Document) -> int:
    """How many of a kind's labels the document holds: the kind with most is the document's."""
    found = set()
    labels = layout.labels()
    for item in document.items[:2000]:
        texts = [item.text] if isinstance(item, Line) else \
            [c.text for c in item.cells if not c.continued] if isinstance(item, Row) else []
        for text in texts:
            if len(text) <= 40:
                found |= variants(text) & labels
    return len(found)


class FormReader:
    """Walk a document once, filling one FormRead per project (see the module docstring)."""

    def __init__(self, layout: Layout, document: Document):
        self.layout, self.kind = layout, layout.kind
        self.source = document.path
        self.document = document
        self.reading = Reading(document.path)
        self.form = FormRead()
        self.headers: dict[str, tuple[float, float]] = {}     # header label (normalised) → span
        self.header_row_below: list[Slot] = []                 # "below" slots whose header was in the last row
        self.columns: list[tuple[str, float, float]] | None = None   # indicator columns, when reading them
        self.after_break = False
        self.inheriting = False                                # 一级/二级 taken from above a page break
        self.runs_on: dict[str, bool] = {}                     # the last indicator row's cells running to their edge
        self.rooms: dict[str, float | None] = {}               # … and the room left after their last lines
        self.dropped: list[tuple[float, float]] = []           # spans of indicator columns the kind lacks
        self.last_row: Row | None = None
        self.summary = _summary_pattern(self.kind)
        self.unread_line: Line | None = None                   # the last line read for nothing
        self.pair_slots = [s for s in layout.slots if s.style == "pair"]
        self.first_slot = next(s for s in self.pair_slots if s.path == "项目名称") \
            if any(s.path == "项目名称" for s in self.pair_slots) else self.pair_slots[0]
        self.ahead = FormRead()                                # what the lines above the next form said
        self.seen: set[tuple[str, ...]] = set()                # rows of this form, to know one repeated
        self.current: tuple[str, ...] = ()                     # the row being read
        self.stop = {v for s in layout.slots for v in variants(s.label or s.header)} - {""}
        self.indicator_labels = {v for _, h in layout.columns for v in variants(h)}

    # -- the walk ----------------------------------------------------------------------------
    def read(self) -> Reading:
        for item in self.document.items:
            if isinstance(item, Line):
                self.line(item)
            elif isinstance(item, TableStart):
                self.after_break = True
                self.header_row_below = []
            elif not self.row(item):      # a repeated header row keeps the break for the row after it
                self.after_break = False if not self.columns else self.after_break
        leftover = self.ahead
        self.next_form()
        for path, where in leftover.where.items():   # lines after the last form, heading nothing
            self.doubt(where, path, f"“{_short(leftover.values[path])}”在最后一张表之后，未导入")
        return self.reading

    def doubt(self, where: str, path: str, message: str) -> None:
        self.reading.doubts.append(Doubt(self.source, where, path, message))

    def next_form(self) -> None:
        """Close the form being read; the next one starts with what the lines above it said."""
        if not self.form.empty:
            self.reading.forms.append(self.form)
        self.form, self.ahead = self.ahead, FormRead()
        self.columns = None
        self.headers = {}
        self.seen = {self.current}         # the row that began this form is one of its rows

    @property
    def heading_form(self) -> FormRead:
        """Where a line's title, year or value goes: the current form until its 项目名称 is known,
        then the next one (the lines above a form head it; a running page header splits nothing)."""
        return self.ahead if self.first_slot.path in self.form.values else self.form

    # -- lines outside tables ----------------------------------------------------------------
    def line(self, line: Line) -> None:
        text = norm(line.text)
        previous, self.unread_line = self.unread_line, None
        for candidate in ([previous.text + line.text] if previous else []) + [line.text]:
            match = self.summary.match(re.sub(r"\s+", "", candidate))   # the unit's name as printed
            if match:
                if previous and candidate != line.text:   # a long title wrapped over two lines
                    self.reading.doubts.pop()
                self.reading.unit = match.group(1)
                self.reading.year = int(match.group(2))
                return
        for pattern in [*self.layout.year_patterns, _YEAR_HEADING]:
            found = pattern.match(text)
            if found:
                # (2025年度) heads the next form; 2020年绩效目标 sits inside one
                heads = pattern is _YEAR_HEADING or pattern in self.layout.heading_years
                form = self.heading_form if heads else self.form
                form.year = form.year or int(found.group(1))
                return
        inline = self.inline_pair(line.text)
        if inline:
            slot, value = inline
            if slot is self.first_slot:
                self.set_pair(slot, value, line.where)
            else:
                self.heading_form.values[slot.path] = value.strip()
                self.heading_form.where[slot.path] = line.where
            return
        if self.is_title(text):
            self.heading_form.title = line.text.strip()
            return
        self.doubt(line.where, "", f"表格外的文字“{_short(line.text)}”未导入")
        self.unread_line = line

    def is_title(self, text: str) -> bool:
        return text == norm(self.kind.title) or (text.startswith("财政") and text.endswith("表") and "绩效" in text)

    # -- table rows ----------------------------------------------------------------------------
    def row(self, row: Row) -> bool | None:
        """Read one table row; True when it only repeats a header row of this form."""
        self.unread_line = None
        own = [c for c in row.cells if not c.continued]
        if not any(c.text for c in own):
            self.last_row = row
            return
        texts = self.current = tuple(c.text for c in own)
        if self.after_break and texts in self.seen:
            return True                    # a header row repeated on each page (w:tblHeader)
        self.seen.add(texts)
        if self.columns is not None and (self.repeated_header(row) or self.year_row(row)):
            return True                    # the indicator header the PDF repeats at the top of each page
        filled = [c.text for c in own if c.text]
        if len(filled) == 1 and self.heading(filled[0]):
            self.line(Line(filled[0], row.where))   # a title or (2025年度) typed into the table itself
            return
        if self.columns is not None and not self.leaves_indicators(own):
            self.indicator(row)
            self.last_row = row
            return
        self.columns = None
        if self.after_break and self.continues(row):
            return
        used: set[int] = set()
        if self.header_row_below:
            self.below(row, used)
        self.remember_headers(row, used)
        if self.indicator_header(row):
            self.last_row = row
            return
        self.pairs_and_matrices(row, used)
        self.year_cells(row, used)
        for index, cell in enumerate(row.cells):
            if index not in used and not cell.continued and cell.text and not self.layout.is_label(cell.text):
                self.doubt(row.where, "", f"单元格“{_short(cell.text)}”不在表式的任何栏目下，未导入")
            elif not cell.continued and "(万元)" in norm(cell.text) and self.layout.is_label(cell.text):
                group = next((f.key for f in self.kind.fields if same_label(cell.text, f.label)), _short(cell.text))
                self.doubt(row.where, group, f"表上的金额以万元计（“{_short(cell.text)}”），规格中的金额以元计："
                                             f"数字照表上原样写入，请换算后核对")
        self.last_row = row

    def heading(self, text: str) -> bool:
        """A title, the 汇总表's title or a year heading: what a line above a form says."""
        flat = norm(text)
        return self.is_title(flat) or bool(self.summary.match(re.sub(r"\s+", "", text))) or \
            any(p.match(flat) for p in [*self.layout.year_patterns, _YEAR_HEADING])

    def leaves_indicators(self, cells: list[Cell]) -> bool:
        """A row holding a label that is not an indicator column ends the indicator rows."""
        for cell in cells:
            found = variants(cell.text)
            if found & self.stop and not found & self.indicator_labels:
                return True
            if self.inline_pair(cell.text) and not found & self.indicator_labels:   # 项目名称：…
                return True
            if self.is_title(norm(cell.text)):
                return True
        return False

    def repeated_header(self, row: Row) -> bool:
        columns = self.columns
        if self.indicator_header(row):
            return True
        self.columns = columns
        return False

    def year_row(self, row: Row) -> bool:
        texts = [norm(c.text) for c in row.cells if not c.continued and c.text]
        return len(texts) == 1 and any(p.match(texts[0]) for p in self.layout.year_patterns)

    def year_cells(self, row: Row, used: set[int]) -> None:
        for index, cell in enumerate(row.cells):
            for pattern in self.layout.year_patterns:
                if not cell.continued and pattern.match(norm(cell.text)):
                    used.add(index)

    def remember_headers(self, row: Row, used: set[int]) -> None:
        """Note where the headers in this row sit, for the rows below them. A header with its
        text beside it rather than below (年度总体目标 | 文字…, as hand-made forms have it) is
        read as a pair there and then."""
        below = []
        for index, cell in enumerate(row.cells):
            if cell.continued or not cell.text:
                continue
            for slot in self.layout.slots:
                if slot.header and same_label(cell.text, slot.header):
                    self.headers[norm(slot.header)] = (cell.x0, cell.x1)
                    if slot.style != "below" or slot in below or slot.path in self.form.values:
                        continue
                    beside = row.cells[index + 1] if index + 1 < len(row.cells) else None
                    if beside is not None and beside.text and not beside.continued \
                            and not self.layout.is_label(beside.text):
                        used.update((index, index + 1))
                        self.set(slot.path, beside.text, row.where)
                    else:
                        below.append(slot)
        self.header_row_below = below

    def below(self, row: Row, used: set[int]) -> None:
        for slot in self.header_row_below:
            span = self.headers.get(norm(slot.header))
            index = _best(row.cells, span, used)
            if index is not None:
                used.add(index)
                self.set(slot.path, row.cells[index].text, row.where)
        self.header_row_below = []

    def pairs_and_matrices(self, row: Row, used: set[int]) -> None:
        cells = row.cells
        left, right = min(c.x0 for c in cells), max(c.x1 for c in cells)
        for index, cell in enumerate(cells):
            if cell.continued or index in used or not cell.text:
                continue
            matrix = [s for s in self.layout.slots if s.style == "matrix" and same_label(cell.text, s.label)]
            if matrix:
                used.add(index)
                for slot in matrix:
                    spot = _best(cells, self.headers.get(norm(slot.header)), used | {index})
                    if spot is None:
                        self.doubt(row.where, slot.path, f"“{slot.label}”一行中找不到“{slot.header}”一栏")
                        continue
                    used.add(spot)
                    self.set(slot.path, cells[spot].text, row.where)
                continue
            pairs = [s for s in self.pair_slots if same_label(cell.text, s.label)]
            if not pairs:
                inline = self.inline_pair(cell.text)
                if inline:
                    used.add(index)
                    self.set_pair(*inline, row.where)
                continue
            used.add(index)
            free = [s for s in pairs if s.path not in self.form.values] or pairs
            slot = self.choose(free, cell, row, left, right)
            value_index = index + 1
            while value_index < len(cells) and cells[value_index].continued:
                value_index += 1
            value = ""
            if value_index < len(cells) and not self.layout.is_label(cells[value_index].text):
                value = cells[value_index].text
                used.add(value_index)
            self.set_pair(slot, value, row.where)

    def inline_pair(self, text: str) -> tuple[Slot, str] | None:
        """`项目名称：某项目` — a label and its value typed into one cell or line, a colon between."""
        head, colon, value = text.replace("：", ":").partition(":")
        if not colon or not value.strip():
            return None
        slots = [s for s in self.pair_slots if same_label(head, s.label)]
        free = [s for s in slots if s.path not in self.form.values] or slots
        return (free[0], text[len(head) + 1:].strip()) if free else None

    def set_pair(self, slot: Slot, value: str, where: str) -> None:
        """A field beside its label; 项目名称 a second time begins the next project's form."""
        if slot.path in self.form.values:
            if slot is self.first_slot:
                self.next_form()
            else:
                self.doubt(where, slot.path, f"“{slot.label}”在一张表中出现两次，取后一处“{_short(value)}”")
        self.set(slot.path, value, where)

    def choose(self, slots: list[Slot], cell: Cell, row: Row, left: float, right: float) -> Slot:
        """Of the fields a label may name (其他资金 left and right in the 申报表): by position when
        the row holds the label more than once, else the one the form requires."""
        if len(slots) == 1:
            return slots[0]
        repeats = sum(1 for c in row.cells if not c.continued and same_label(c.text, cell.text))
        if repeats > 1:
            centre = (cell.x1 - left) / ((right - left) or 1)
            return min(slots, key=lambda s: abs(s.position - centre))
        required = [s for s in slots if self.required(s.path)]
        return (required or slots)[0]

    def required(self, path: str) -> bool:
        specs, spec = self.kind.fields, None
        for part in path.split("."):
            spec = next((s for s in specs if s.key == part), None)
            if spec is None:
                return False
            specs = spec.fields
        return spec.required

    def indicator_header(self, row: Row) -> bool:
        found = []
        for cell in row.cells:
            if cell.continued or not cell.text:
                continue
            for key, header in self.layout.columns:
                if same_label(cell.text, header) or (key == self.kind.indicator_field.value_column
                                                       and norm(cell.text).endswith(("指标值", "目标值"))):
                    found.append((key, cell.x0, cell.x1))
                    break
        keys = {key for key, _, _ in found}
        if len(keys) < 2 or self.layout.columns[0][0] not in keys:   # 一级指标 and one more
            return False
        if self.columns is None:       # the first time: columns the kind does not have are said once
            for cell in row.cells:
                if cell.text and not cell.continued and not any(abs(cell.x0 - x0) < 0.5 for _, x0, _ in found) \
                        and norm(cell.text) != norm(self.kind.indicator_field.label):
                    self.doubt(row.where, "", f"指标表中的列“{_short(cell.text)}”不是{self.kind.name}的栏目，这一列未导入")
                    self.dropped.append((cell.x0, cell.x1))
        self.columns = found
        return True

    def indicator(self, row: Row) -> None:
        spec = self.kind.indicator_field
        values, used, runs_on, rooms = {}, set(), {}, {}
        for key, x0, x1 in self.columns:
            index = _best(row.cells, (x0, x1), used)
            cell = row.cells[index] if index is not None else None
            if cell is not None and norm(cell.text) == norm(spec.label) and cell.continued:
                cell = None        # the 绩效指标 label merged down the block's left edge
            if index is not None:
                used.add(index)
            values[key] = cell.text if cell is not None else ""
            runs_on[key] = cell.runs_on if cell is not None else None
            rooms[key] = cell.room if cell is not None else None
        for index, cell in enumerate(row.cells):
            if index not in used and cell.text and not cell.continued and not self.in_dropped_column(cell) \
                    and norm(cell.text) != norm(spec.label):
                self.doubt(row.where, spec.key, f"单元格“{_short(cell.text)}”不在任何指标列下，未导入")
        previous = self.form.rows[-1] if self.form.rows else None
        first, second, third = (list(values) + ["", "", ""])[:3]
        # A row a page cut in two: after the break, no 一级, and either no 三级 or every text in it
        # going on from a cell above that ran to its edge.
        cut = previous is not None and self.after_break and not values.get(first) and (
            not values.get(third) or all(self.runs_on.get(k) for k, v in values.items() if v))
        before_cut, self.runs_on, self.rooms = self.rooms, runs_on, rooms
        if cut:
            # the rest of a row cut by a page: its texts continue the row above
            for key, text in values.items():
                if text:
                    previous[key] = join_wrapped(previous[key], text, before_cut.get(key))
            self.doubt(row.where, f"{spec.key}第 {len(self.form.rows)} 行", "这一行接续上一页的同一行，已合并")
            return
        if previous is not None and not values[first]:
            # a 一级 (and 二级) that reads blank: a merged cell cut by a page, or a table that leaves
            # "the same as above" blank instead of merging — 一级 is never blank in a printed form
            if not self.inheriting:
                self.doubt(row.where, f"{spec.key}第 {len(self.form.rows) + 1} 行起",
                           f"“{spec.child(first).label}”为空（跨页或未合并的单元格），按上一行取“{previous[first]}”")
            values[first] = previous[first]
            if not values[second]:
                values[second] = previous[second]
            self.inheriting = True
        elif values[first]:
            self.inheriting = False
        if not any(values.values()):
            return
        self.after_break = False
        self.form.rows.append(values)
        self.form.row_where.append(row.where)

    def in_dropped_column(self, cell: Cell) -> bool:
        """Whether the cell lies under a column already said to be left out (序号, 权重 …)."""
        return not any(cell.overlap(x0, x1) > 0.5 * (cell.x1 - cell.x0) for _, x0, x1 in self.columns) and \
            any(cell.overlap(x0, x1) for x0, x1 in self.dropped)

    def continues(self, row: Row) -> bool:
        """A first row after a page or table break with no label: the rest of the row before."""
        previous = self.last_row
        if previous is None or any(self.layout.is_label(c.text) for c in row.cells if not c.continued):
            return False
        joined = False
        for cell in row.cells:
            if cell.continued or not cell.text:
                continue
            index = _best(previous.cells, (cell.x0, cell.x1), set())
            if index is None:
                return False
            for path, where in list(self.form.where.items()):
                if where == previous.where and self.form.values[path] == previous.cells[index].text:
                    self.form.values[path] = join_wrapped(self.form.values[path], cell.text,
                                                          previous.cells[index].room)
                    previous.cells[index].text = self.form.values[path]
                    joined = True
                    self.doubt(row.where, path, "接续上一页同一单元格的文字，已合并")
                    break
        self.after_break = False
        return joined

    def set(self, path: str, value: str, where: str) -> None:
        self.form.values[path] = value.strip()
        self.form.where[path] = where


def _best(cells: list[Cell], span: tuple[float, float] | None, used: set[int]) -> int | None:
    """The cell that covers most of a header's span (not one already taken)."""
    if span is None:
        return None
    best, overlap = None, 0.0
    for index, cell in enumerate(cells):
        if index in used:
            continue
        amount = cell.overlap(*span)
        if amount > overlap:
            best, overlap = index, amount
    return best


def join_wrapped(before: str, after: str, room: float | None = None) -> str:
    """Join text a page or a line wrap cut. A new paragraph where the line before left room for
    what begins the text after (`room` in characters; None where the reader cannot tell, as in
    Word), or ended a sentence before an enumeration (一、 （二）); else a space only between two
    Latin words."""
    if not before:
        return after
    if not after:
        return before
    if (room is not None and room > first_unit(after) + 0.2) or \
            (before.rstrip().endswith(SENTENCE_END) and ENUMERATION.match(after)):
        return before + "\n" + after
    if before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum():
        return before + " " + after
    return before + after


def first_unit(text: str) -> float:
    """How many characters wide the start of a text is that no line may break: a Latin word or
    number (half-width characters count half), an opening bracket with what follows it, and marks
    that may not begin a line."""
    end = 1 if text[0] in NO_LINE_END and len(text) > 1 else 0
    while end + 1 < len(text) and text[end].isascii() and not text[end].isspace() \
            and text[end + 1].isascii() and not text[end + 1].isspace():
        end += 1
    while end + 1 < len(text) and text[end + 1] in NO_LINE_START:
        end += 1
    return sum(0.5 if c.isascii() else 1.0 for c in text[:end + 1])


def _summary_pattern(kind: FormKind) -> re.Pattern:
    title = re.sub(r"\s+", "", kind.summary_title.replace("{单位}", "\0U").replace("{年度}", "\0Y"))
    pattern = re.escape(title).replace("\0U", "(.+?)").replace("\0Y", r"(\d{4})")
    return re.compile("^" + pattern + "$")


def _short(text: str, limit: int = 30) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def read_forms(layout: Layout, document: Document) -> Reading:
    """Every project form in the document, read by the kind's layout."""
    return FormReader(layout, document).read()
