"""Write an .xlsx workbook from plain rows: sheets with a merged title, a frozen and filtered
header, numbers as numbers, and 合计 rows as formulas.

XlsxWriter, not openpyxl: it only writes, which is all this needs; its constant_memory mode
streams each sheet's rows to a temporary file, so a 主管部门's workbook of 100,000 indicator
rows never sits in memory; and with a fixed creation date it writes the same bytes for the
same rows (its zip entries carry a fixed 1980 date — tests/test_xlsx.py pins it; the
document's `created` property is the only clock left, fixed here).

The caller (make/workbook.py) decides what the rows are; this module only knows how a cell of
each column type is written:

    text     a string, never a formula (an indicator value `=2.00(场)` stays text)
    amount   a number shown as #,##0.00
    date     a date shown as yyyy-mm-dd
    number   a number as written (9.8 stays 9.8)
    percent  the percentage 99.70 written as the number 0.997, shown as 0.00%
    count    a whole number
    figure   a Decimal shown with the places it was written with (90.00, 2); a string as text
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal


# The document's creation date: a constant, so that equal input gives equal bytes (the zip
# entries inside carry 1980-01-01 too).
CREATED = dt.datetime(1980, 1, 1)
MAX_WIDTH = 60          # columns wider than this wrap their text instead
MIN_WIDTH = 6
FONT = "宋体"
AMOUNT_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2
# Characters shown two columns wide (Unicode East Asian Width W and F): CJK, kana, hangul,
# full-width forms. A regular expression counts them far faster than unicodedata per character.
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")


class CellTooLong(Exception):
    """A text exceeds what an Excel cell holds (32,767 characters): it would be cut."""


@dataclass(frozen=True)
class Column:
    header: str
    type: str = "text"       # text, amount, date, number, percent, count, figure
    total: bool = False      # the 合计 row sums this column


@dataclass(frozen=True)
class Formula:
    """A cell computed in the workbook; `value` is its result as perfdoc computed it (shown by
    readers that do not recompute)."""
    formula: str
    value: object = None


def display_width(text: str, limit: int = MAX_WIDTH) -> int:
    """Columns a text takes, a Chinese character counting as two — measured only up to `limit`
    (a column is never wider, and a 年度总体目标 runs to thousands of characters)."""
    if len(text) > limit:
        text = text[:limit + 1]
    return len(text) + len(_WIDE.findall(text))


class Workbook:
    """An .xlsx being written; `streaming` keeps only the current row of each sheet in memory."""

    def __init__(self, target, *, streaming: bool = False):
        options = {"constant_memory": True} if streaming else {"in_memory": True}
        import xlsxwriter  # here, not at the top: a command that writes no Excel does not load it
        self.book = xlsxwriter.Workbook(target, {**options, "strings_to_formulas": False,
                                                 "strings_to_numbers": False, "strings_to_urls": False})
        self.book.set_properties({"created": CREATED})
        self._formats: dict[tuple, object] = {}

    def format(self, **properties):
        """A cell format, made once per distinct set of properties."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format({"font_name": FONT, "font_size": 10, "valign": "top",
                                                       "border": 1, **properties})
        return self._formats[key]

    def sheet(self, name: str, title: str, columns: list[Column]) -> "Sheet":
        return Sheet(self, name, title, columns)

    def close(self) -> None:
        self.book.close()


class Sheet:
    """One sheet: row 1 the merged title, row 2 the headers (frozen, filtered), data from row 3."""

    def __init__(self, workbook: Workbook, name: str, title: str, columns: list[Column]):
        self.workbook, self.columns = workbook, columns
        self.ws = workbook.book.add_worksheet(name)
        self.row = FIRST_DATA_ROW
        self.group_start = FIRST_DATA_ROW       # first row of the rows a subtotal covers
        self.widths = [max(MIN_WIDTH, display_width(c.header) + 2) for c in columns]
        self.sums = [Decimal(0)] * len(columns)         # of the current group, for cached results
        self.grand = [Decimal(0)] * len(columns)
        self.subtotal_rows: list[int] = []
        self.filter_end: int | None = None      # the last row the filter covers: above the 合计
        self.plain, self.wrapped = workbook.format(), workbook.format(text_wrap=True)
        self._number_formats: dict[tuple, object] = {}
        self.date_format = workbook.format(num_format=DATE_FORMAT)
        title_format = workbook.format(bold=True, font_size=14, align="center", valign="vcenter", border=0)
        self.ws.set_row(TITLE_ROW, 28)
        if len(columns) > 1:
            self.ws.merge_range(TITLE_ROW, 0, TITLE_ROW, len(columns) - 1, title, title_format)
        else:
            self.ws.write_string(TITLE_ROW, 0, title, title_format)
        header_format = workbook.format(bold=True, align="center", valign="vcenter", text_wrap=True, bg_color="#D9E1F2")
        for col, column in enumerate(columns):
            self.ws.write_string(HEADER_ROW, col, column.header, header_format)
        self.ws.freeze_panes(FIRST_DATA_ROW, 0)
        # Printed: A4 landscape, as wide as one page, the title and headers on every page.
        self.ws.set_paper(9)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        self.ws.repeat_rows(TITLE_ROW, HEADER_ROW)

    # -- data rows -------------------------------------------------------------------------
    def append(self, values: list) -> None:
        """Write one row of plain values (str, Decimal, int, date, None, Formula) under the headers."""
        for col, (column, value) in enumerate(zip(self.columns, values)):
            self._cell(col, column, value)
            if column.total and isinstance(value, (int, Decimal)):
                self.sums[col] += Decimal(value)
        self.row += 1

    def subtotal(self, label_column: int, label: str) -> None:
        """A 小计 row over the rows since the last one: SUBTOTAL(9, …), which a 合计 of SUBTOTALs skips."""
        self._sum_row(label_column, label, self.group_start, self.row - 1, function="SUBTOTAL(9,", sums=self.sums)
        self.subtotal_rows.append(self.row)
        self.grand = [g + s for g, s in zip(self.grand, self.sums)]
        self.sums = [Decimal(0)] * len(self.columns)
        self.row += 1
        self.group_start = self.row

    def total(self, label_column: int, label: str = "合计") -> None:
        """The 合计 row: a formula under every total column, over every data row above."""
        first, last = FIRST_DATA_ROW, self.row - 1
        self.filter_end = last
        if self.subtotal_rows:  # SUBTOTAL ignores the 小计 rows inside its range
            self._sum_row(label_column, label, first, last, function="SUBTOTAL(9,", sums=self.grand)
        else:
            self._sum_row(label_column, label, first, last, function="SUM(", sums=self.sums)
        self.row += 1

    def _sum_row(self, label_column: int, label: str, first: int, last: int, *, function: str, sums) -> None:
        bold = self.workbook.format(bold=True)
        for col, column in enumerate(self.columns):
            if col == label_column:
                self.ws.write_string(self.row, col, label, bold)
            elif column.total and last >= first:
                from xlsxwriter.utility import xl_col_to_name
                name = xl_col_to_name(col)
                cached = sums[col] / 100 if column.type == "percent" else sums[col]
                self.ws.write_formula(self.row, col, f"={function}{name}{first + 1}:{name}{last + 1})",
                                      self._number_format(column, bold=True), _number(cached))
            elif column.total:
                self.ws.write_number(self.row, col, 0, self._number_format(column, bold=True))
            else:
                self.ws.write_blank(self.row, col, None, bold)

    def _cell(self, col: int, column: Column, value) -> None:
        row, ws = self.row, self.ws
        if isinstance(value, Formula):
            ws.write_formula(row, col, value.formula, self._number_format(column), _number(value.value)
                             if isinstance(value.value, (int, Decimal)) else (value.value or ""))
            self._widen(col, str(value.value or ""))
        elif value is None or value == "":
            ws.write_blank(row, col, None, self.plain)
        elif isinstance(value, str):
            if "\n" in value:
                width = max(map(display_width, value.split("\n")))
            elif len(value) > MAX_WIDTH // 2 or 2 * len(value) + 2 > self.widths[col]:
                width = display_width(value)
            else:
                width = 0   # short enough to fit the column as it is
            wrap = width > MAX_WIDTH or "\n" in value
            if ws.write_string(row, col, value, self.wrapped if wrap else self.plain) == -2:
                raise CellTooLong(f"“{column.header}”第 {row + 1} 行的文字超过 Excel 单元格的上限 32767 字")
            self._widen_to(col, width)
        elif isinstance(value, (dt.date, dt.datetime)):
            ws.write_datetime(row, col, value, self.date_format)
            self._widen_to(col, 10)
        elif isinstance(value, (int, Decimal)):
            number = value / 100 if column.type == "percent" else value
            fmt = self._number_format(column, places=_places(value))
            ws.write_number(row, col, _number(number), fmt)
            self._widen(col, _shown(column, value))
        else:
            raise TypeError(f"no xlsx cell for {type(value).__name__}")

    def _number_format(self, column: Column, *, bold: bool = False, places: int = 0):
        key = (column.type, bold, places)
        if key not in self._number_formats:
            self._number_formats[key] = self._make_number_format(column, bold=bold, places=places)
        return self._number_formats[key]

    def _make_number_format(self, column: Column, *, bold: bool, places: int):
        extra = {"bold": True} if bold else {}
        if column.type == "amount":
            return self.workbook.format(num_format=AMOUNT_FORMAT, **extra)
        if column.type == "percent":
            return self.workbook.format(num_format=PERCENT_FORMAT, **extra)
        if column.type == "figure" and places > 0:
            return self.workbook.format(num_format="0." + "0" * places, **extra)
        if column.type in ("count", "figure"):
            return self.workbook.format(num_format="0", **extra)
        return self.workbook.format(**extra)

    def _widen(self, col: int, text: str) -> None:
        self._widen_to(col, display_width(text))

    def _widen_to(self, col: int, width: int) -> None:
        if width + 2 > self.widths[col]:
            self.widths[col] = min(MAX_WIDTH, width + 2)

    def finish(self) -> None:
        """Filters on the header over the data rows; every column as wide as its widest text."""
        end = self.row - 1 if self.filter_end is None else self.filter_end
        self.ws.autofilter(HEADER_ROW, 0, max(HEADER_ROW, end), len(self.columns) - 1)
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)


def _number(value) -> int | float:
    """A Decimal as the float Excel stores (it keeps 15 significant digits: amounts to the fen)."""
    return int(value) if isinstance(value, int) else float(value)


def _places(value) -> int:
    return max(0, -value.as_tuple().exponent) if isinstance(value, Decimal) else 0


def _shown(column: Column, value) -> str:
    if column.type == "amount":
        return f"{value:,.2f}"
    if column.type == "percent":
        return f"{value:.2f}%"
    return str(value)


def cell(row: int, col: int) -> str:
    """A cell's A1 name from 0-based row and column."""
    from xlsxwriter.utility import xl_rowcol_to_cell
    return xl_rowcol_to_cell(row, col)
