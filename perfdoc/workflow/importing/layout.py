"""Where a form kind prints each field, learnt from the kind's own template.

A kind's .docx template is the map of its form: `{{ 项目.项目名称 }}` sits right of the cell
项目名称, `{{ 项目.年度总体目标 }}` below the header 年度总体目标, `{{ 项目.项目资金.年度资金总额.
全年预算数 }}` in the row 年度资金总额 under the header 全年预算数, `{{ 行.指标值 }}` under
年度(/项目)指标值. Reading that map from the template (not from code) means every kind perfdoc
knows — and an organisation's own kind with an extra row — is imported the way it is printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...input.kinds import FormKind
from ...output.marks import first_mark, replace_marks
from .docx import read_docx
from .grid import Cell, Line, Row
from .labels import norm, variants

_PROJECT = re.compile(r"\{\{\s*项目(?:\.([\w.]+)|\[\"(.+?)\"\])[^}]*\}\}")
_ROW = re.compile(r"\{\{\s*行\.(\w+)\s*\}\}")
_TAG = re.compile(r"\{%")  # a statement, to the first "%}" on its line (output/marks.py: never a rescan)
_TAG_END = {"{%": "%}"}


def _without_tags(text: str) -> str:
    return "\n".join(replace_marks(line, _TAG, _TAG_END, lambda mark: "") for line in text.split("\n"))


def _has_tag(text: str) -> bool:
    return any(first_mark(line, _TAG, _TAG_END) for line in text.split("\n"))
_LABEL = re.compile(r"\{\{\s*栏目\.(\w+)\s*\}\}")   # words the kind prints differently by year
_YEAR = "{{ 年度 }}"


@dataclass(frozen=True)
class Slot:
    """One field's place: right of `label` (pair), under `header` (below), or both (matrix)."""
    path: str
    style: str                    # "pair", "below" or "matrix"
    label: str = ""               # the row's label as printed in the template
    header: str = ""              # the column's header as printed in the template
    position: float = 0.0         # centre of the value cell, as a fraction of the table's width


@dataclass
class Layout:
    kind: FormKind
    slots: list[Slot] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)   # (indicator column key, header)
    year_patterns: list[re.Pattern] = field(default_factory=list)
    heading_years: list[re.Pattern] = field(default_factory=list)  # (2025年度) above a form: a new form
    texts: set[str] = field(default_factory=set)                   # every fixed text of the form, normalised
    title_field: str = ""                                          # a field printed as the form's heading (表名)
    unit_fallback: set[str] = field(default_factory=set)           # fields printed as the unit when blank

    def labels(self) -> set[str]:
        """Every label, header and fixed text: what tells this kind's form from another's."""
        return set(self.texts)

    def is_label(self, text: str) -> bool:
        return bool(variants(text) & self._all_variants)

    def __post_init__(self):
        self._all_variants: set[str] = set()

    def finish(self) -> "Layout":
        for text in self.texts:
            self._all_variants |= variants(text)
        return self


def layout_of(kind: FormKind) -> Layout:
    """Read the kind's template into the places of its fields."""
    return _layout(kind.template, kind)


_CACHE: dict[tuple[str, float], Layout] = {}


def _layout(template: Path, kind: FormKind) -> Layout:
    key = (str(template), template.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = _read_layout(template, kind)
    return _CACHE[key]


def _read_layout(template: Path, kind: FormKind) -> Layout:
    layout = Layout(kind)
    rows: list[Row] = []
    indicator_header: Row | None = None
    for item in read_docx(template).items:
        if isinstance(item, Line):
            _line(layout, _printed_words(item.text, kind))
        elif isinstance(item, Row):
            item.cells = [Cell(_printed_words(c.text, kind), c.x0, c.x1, c.continued) for c in item.cells]
            texts = [_without_tags(c.text).strip() for c in item.cells]
            if any(_has_tag(c.text) and not _without_tags(c.text).strip() for c in item.cells) and \
                    not any(texts):
                if "for" in item.cells[0].text and rows:
                    indicator_header = rows[-1]    # the header row just above the loop
                continue
            cells = [Cell(t, c.x0, c.x1, c.continued) for t, c in zip(texts, item.cells)]
            row = Row(cells, item.where)
            if any(_ROW.search(c.text) for c in cells):
                _indicator_row(layout, row, indicator_header)
            else:
                _row(layout, row, rows)
            rows.append(row)
        else:
            rows = []   # a new table: headers never reach across tables
    for key in kind.labels:          # every year's spelling of those words is a label too
        for text in [kind.labels[key], *(words.get(key, "") for _, words in kind.labels_by_year)]:
            if text and "{年度}" not in text:
                layout.texts.add(norm(text))
    return layout.finish()


def _printed_words(text: str, kind: FormKind) -> str:
    """The template's {{ 栏目.项目资金总额 }} as the form prints it (项目资金总额：); {年度} stays
    a placeholder for the year, as {{ 年度 }}."""
    return _LABEL.sub(lambda m: kind.labels.get(m.group(1), m.group(0)).replace("{年度}", _YEAR), text)


def _line(layout: Layout, text: str) -> None:
    if _YEAR in text:
        pattern = re.escape(norm(text.replace(_YEAR, "\0"))).replace("\\\0", "\0").replace("\0", r"(\d{4})")
        layout.year_patterns.append(re.compile("^" + pattern + "$"))
        layout.heading_years.append(layout.year_patterns[-1])
        return
    match = _PROJECT.search(text)
    if match:
        path = match.group(1) or match.group(2)
        before = text[:match.start()].strip()
        if "or 单位" in match.group(0):
            layout.unit_fallback.add(path)
        if before:
            layout.slots.append(Slot(path, "pair", before))
            layout.texts.add(norm(before))
        else:
            layout.title_field = path
        return
    if not _has_tag(text) and "{{" not in text and text.strip():
        layout.texts.add(norm(text))


def _is_placeholder(cell: Cell) -> bool:
    return bool(_PROJECT.search(cell.text) or _ROW.search(cell.text) or "{{" in cell.text)


def _row(layout: Layout, row: Row, above: list[Row]) -> None:
    left, right = min(c.x0 for c in row.cells), max(c.x1 for c in row.cells)
    width = (right - left) or 1.0
    label = ""                    # the last fixed text seen in this row
    run: list[Cell] = []          # consecutive placeholders after it

    def close_run() -> None:
        for cell in run:
            match = _PROJECT.search(cell.text)
            path = match.group(1) or match.group(2)
            centre = ((cell.x0 + cell.x1) / 2 - left) / width
            if label and len(run) == 1:
                layout.slots.append(Slot(path, "pair", label, position=centre))
            else:
                header = _header_above(cell, above)
                style = "matrix" if label else "below"
                layout.slots.append(Slot(path, style, label, header, centre))
        run.clear()

    for cell in row.cells:
        if cell.continued:
            continue
        if _is_placeholder(cell):
            if _YEAR in cell.text:
                layout.year_patterns.append(re.compile(
                    "^" + re.escape(norm(cell.text.replace(_YEAR, "\0"))).replace("\0", r"(\d{4})") + "$"))
                continue
            run.append(cell)
            continue
        if run:
            close_run()
        if cell.text:
            label = cell.text
            layout.texts.add(norm(cell.text))
    close_run()


def _header_above(cell: Cell, rows: list[Row]) -> str:
    """The fixed text in the nearest row above that covers this cell most."""
    for row in reversed(rows):
        best, overlap = "", 0.0
        for other in row.cells:
            if other.continued or not other.text or _is_placeholder(other):
                continue
            amount = other.overlap(cell.x0, cell.x1)
            if amount > overlap:
                best, overlap = other.text, amount
        if best:
            return best
    return ""


def _indicator_row(layout: Layout, row: Row, header: Row | None) -> None:
    for cell in row.cells:
        match = _ROW.search(cell.text)
        if match:
            title = _header_above(cell, [header] if header else [])
            layout.columns.append((match.group(1), title or match.group(1)))
            layout.texts.add(norm(title or match.group(1)))
