"""Read an Excel workbook of indicators: perfdoc's own export, or a budget system's.

Two layouts (XLSX_LAYOUT.md in the issue, agreed with the writer of `build --xlsx`):

- perfdoc's workbook: sheet 单位 (栏目 | 内容), sheet 项目一览 (序号 | 项目名称 | the kind's other
  fields …), sheet 绩效指标 (项目名称 | 一级指标 | 二级指标 | 三级指标 | 计算符号 | 指标值 | 计量单位 |
  原文 …). 原文, the value exactly as the spec had it, wins where present.
- a budget system's export: one sheet 项目名称 | 一级 | 二级 | 三级 | 计算符号 | 指标值 | 计量单位;
  the value is joined back into perfdoc's spelling: ≥ + 90.00 + % → ≥90.00(%), 定性 keeps 指标值.

Header rows are found by their labels (a title row may sit above them), never by number. The
workbook is opened read-only (rows streamed, not loaded) and read to a bounded size.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from ...input.kinds import FieldSpec, FormKind
from ...input.values import OPERATORS
from .forms import Doubt, FormRead, Reading, _summary_pattern
from .grid import Refused
from .labels import norm
from .limits import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, check_office_zip

HEADER_SEARCH = 10                       # rows above the header: a title, a note
OPERATOR_COLUMN, UNIT_COLUMN, ORIGINAL_COLUMN, PROJECT_COLUMN = "计算符号", "计量单位", "原文", "项目名称"
QUALITATIVE = ("定性", "定性（其他）", "定量（其他）", "不适用")


def read_xlsx(path: Path, kinds: dict[str, FormKind], kind_name: str | None) -> tuple[Reading, FormKind]:
    """Every project of the workbook, as forms read, and its kind."""
    check_office_zip(path, ".xlsx")
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - declared in setup.cfg
        raise Refused("读取 Excel 需要 openpyxl：pip install openpyxl") from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many kinds for a damaged workbook
        raise Refused(f"Excel 文件已损坏，无法读取：{type(exc).__name__}") from None
    try:
        sheets = {sheet.title: _rows(sheet) for sheet in workbook.worksheets}
    finally:
        workbook.close()
    return _Workbook(str(path), sheets, kinds, kind_name).read()


def _rows(sheet) -> list[list]:
    """A sheet's rows as values (numbers keep their format), refusing a sheet beyond the bounds."""
    rows = []
    for number, row in enumerate(sheet.iter_rows(max_col=MAX_SHEET_COLUMNS), 1):
        if number > MAX_SHEET_ROWS:
            raise Refused(f"工作表“{sheet.title}”超过 {MAX_SHEET_ROWS} 行：不像一个单位的绩效指标，未读取")
        rows.append([_cell_value(cell) for cell in row])
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()
    return rows


def _cell_value(cell):
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value, getattr(cell, "number_format", "") or "")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _number_text(value, number_format: str) -> str:
    """A number as the sheet shows it: #,##0.00 → 1,515,000.00; 0.00 → 90.00; General → 90."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    shape = number_format.split(";")[0].strip()
    suffix = ""
    if shape.endswith("%"):
        number, suffix, shape = number * 100, "%", shape[:-1]
    decimals = re.search(r"\.(0+)", shape)
    grouped = "," if "," in shape else ""
    if decimals:
        return f"{number:{grouped}.{len(decimals.group(1))}f}" + suffix
    if number == number.to_integral():
        return f"{number:{grouped}.0f}" + suffix
    return format(number.normalize(), "f") + suffix


class _Workbook:
    def __init__(self, source: str, sheets: dict[str, list[list]], kinds: dict[str, FormKind], kind_name: str | None):
        self.source, self.sheets, self.kinds = source, sheets, kinds
        self.kind_name = kind_name
        self.reading = Reading(source)

    def doubt(self, where: str, path: str, message: str) -> None:
        self.reading.doubts.append(Doubt(self.source, where, path, message))

    def read(self) -> tuple[Reading, FormKind]:
        unit = self.unit_sheet()
        kind = self.kind(unit)
        forms: dict[str, FormRead] = {}
        indicators = self.find_sheet(("绩效指标",), (PROJECT_COLUMN, OPERATOR_COLUMN)) or \
            self.find_sheet(("绩效指标",), (PROJECT_COLUMN, "一级指标")) or \
            self.find_sheet(("绩效指标",), (PROJECT_COLUMN, "一级目标"))
        overview = self.find_sheet(("项目一览",), (PROJECT_COLUMN,), skip=indicators[0] if indicators else None)
        if overview:
            self.overview(kind, *overview, forms, unit)
        if indicators is None and not forms:
            raise Refused("没有找到绩效指标表：应有一个工作表，表头为 项目名称 | 一级指标 | 二级指标 | 三级指标 | "
                          "计算符号 | 指标值 | 计量单位")
        if indicators is not None:
            self.indicators(kind, *indicators, forms)
        for form in forms.values():
            for key, value in unit.get("defaults", {}).items():
                form.values.setdefault(key, value)
            form.year = unit.get("year")
        self.reading.forms = list(forms.values())
        self.reading.unit = unit.get("单位", "")
        self.reading.year = unit.get("year")
        return self.reading, kind

    # -- sheets ----------------------------------------------------------------------------
    def find_sheet(self, names: tuple[str, ...], needed: tuple[str, ...], skip: str | None = None):
        """(sheet name, header row index, {header: column}) of the sheet whose header has `needed`."""
        ordered = [n for n in self.sheets if n in names] + [n for n in self.sheets if n not in names]
        for name in ordered:
            if name == skip:
                continue
            rows = self.sheets[name]
            for index, row in enumerate(rows[:HEADER_SEARCH]):
                headers = {norm(str(v)): i for i, v in enumerate(row) if v not in (None, "")}
                if all(_header(headers, n) is not None for n in needed):
                    return name, index, headers
        return None

    def unit_sheet(self) -> dict:
        """单位, 年度, 表式 and the shared defaults, from sheet 单位 or a title row."""
        found: dict = {"defaults": {}}
        rows = self.sheets.get("单位", [])
        for row in rows:
            if len(row) >= 2 and row[0] and norm(str(row[0])) not in ("栏目",):
                key, value = norm(str(row[0])), str(row[1] or "").strip()
                if key == "单位":
                    found["单位"] = value
                elif key == "年度" and value[:4].isdigit():
                    found["year"] = int(value[:4])
                elif key == "表式":
                    found["表式"] = value
                elif value:
                    found["defaults"][key] = value
        if "单位" not in found or "year" not in found:
            for sheet in self.sheets.values():
                for row in sheet[:2]:
                    for value in row:
                        for kind in self.kinds.values():
                            match = _summary_pattern(kind).match(str(value or "").replace(" ", ""))
                            if match:
                                found.setdefault("单位", match.group(1))
                                found.setdefault("year", int(match.group(2)))
        return found

    def kind(self, unit: dict) -> FormKind:
        name = self.kind_name or unit.get("表式")
        if name:
            if name not in self.kinds:
                raise Refused(f"表式“{name}”不存在（可用：{'、'.join(self.kinds)}）")
            return self.kinds[name]
        # the kind whose columns the sheets show most of; a kind that is some year's default first
        headers = {norm(str(v)) for sheet in self.sheets.values() for row in sheet[:HEADER_SEARCH] for v in row if v}
        best = max(self.kinds.values(), key=lambda k: (
            len(headers & ({norm(c.label) for c in k.indicator_field.columns} |
                           {norm(c.key) for c in k.indicator_field.columns} |
                           {norm(f.key) for f in k.fields})), bool(k.years)))
        self.doubt("", "表式", f"工作簿没有写明表式，按表头判断为“{best.name}”（可用 --kind 指定）")
        return best

    def overview(self, kind: FormKind, name: str, header_index: int, headers: dict, forms: dict, unit: dict) -> None:
        columns = {}
        for header, column in headers.items():
            path = field_for_header(kind, header)
            if path:
                columns[column] = path
            elif header not in ("序号", "指标数"):
                self.doubt(f"工作表“{name}”第 {header_index + 1} 行", "", f"列“{header}”不是{kind.name}的栏目，未导入")
        project_column = _header(headers, PROJECT_COLUMN)
        for number, row in enumerate(self.sheets[name][header_index + 1:], header_index + 2):
            project = str(_at(row, project_column)).strip()
            if not project or project == "合计":
                continue
            form = forms.setdefault(project, FormRead())
            for column, path in columns.items():
                form.values[path] = str(_at(row, column)).strip()
                form.where[path] = f"工作表“{name}”第 {number} 行"

    def indicators(self, kind: FormKind, name: str, header_index: int, headers: dict, forms: dict) -> None:
        spec = kind.indicator_field
        columns = indicator_columns(spec, headers)
        missing = [c.label for c in spec.columns if c.required and c.key not in columns]
        if spec.value_column not in columns and _header(headers, ORIGINAL_COLUMN) is None:
            missing.append(spec.child(spec.value_column).label)
        if missing:
            raise Refused(f"工作表“{name}”缺少{'、'.join(f'“{m}”' for m in missing)}列"
                          f"（找到的列：{'、'.join(headers)}）")
        project_column = _header(headers, PROJECT_COLUMN)
        operator, unit, original = (_header(headers, h) for h in (OPERATOR_COLUMN, UNIT_COLUMN, ORIGINAL_COLUMN))
        for number, row in enumerate(self.sheets[name][header_index + 1:], header_index + 2):
            project = str(_at(row, project_column)).strip()
            if not project or not any(str(_at(row, c)).strip() for c in columns.values()):
                continue
            where = f"工作表“{name}”第 {number} 行"
            form = forms.get(project)
            if form is None:
                form = forms[project] = FormRead()
                form.values["项目名称"] = project
            values = {c.key: str(_at(row, columns[c.key])).strip() if c.key in columns else "" for c in spec.columns}
            written = str(_at(row, original)).strip() if original is not None else ""
            if written:
                values[spec.value_column] = written
            elif operator is not None:
                values[spec.value_column] = self.joined(str(_at(row, operator)).strip(), values[spec.value_column],
                                                        str(_at(row, unit)).strip() if unit is not None else "", where)
            form.rows.append(values)
            form.row_where.append(where)

    def joined(self, symbol: str, value: str, unit: str, where: str) -> str:
        """计算符号 + 指标值 + 计量单位 in perfdoc's spelling: ≥90.00(%); 定性: the value as is."""
        if not symbol or symbol in QUALITATIVE:
            if symbol not in ("", "定性"):
                self.doubt(where, "指标值", f"计算符号“{symbol}”：指标值按原样导入")
            return value
        operator = OPERATORS.get(symbol.replace(" ", ""))
        if operator is None:
            self.doubt(where, "指标值", f"计算符号“{symbol}”不认识，照原样写在指标值前")
            operator = symbol
        if not value:
            self.doubt(where, "指标值", "定量指标没有指标值")
        return f"{operator}{value}" + (f"({unit})" if unit else "")


def _header(headers: dict, label: str) -> int | None:
    """The column of a header, however it is spaced; 一级 stands for 一级指标."""
    wanted = norm(label)
    for header, column in headers.items():
        if header == wanted or (wanted.endswith(("指标", "目标")) and header == wanted[:-2]):
            return column
    return None


def _at(row: list, column: int | None):
    return row[column] if column is not None and column < len(row) and row[column] is not None else ""


def indicator_columns(spec: FieldSpec, headers: dict) -> dict[str, int]:
    """Each indicator column of the kind and the sheet's column holding it. The three levels are
    found by position as well as by name: 一级指标, 一级目标 and 一级 name one column."""
    found = {}
    levels = ("一级", "二级", "三级")
    for index, column in enumerate(spec.columns):
        names = [column.key, column.label]
        if index < 3:
            names += [levels[index] + "指标", levels[index] + "目标", levels[index]]
        if column.key == spec.value_column:
            names += ["指标值", "年度指标值", "指标目标值"]
        for name in names:
            at = _header(headers, name)
            if at is not None:
                found[column.key] = at
                break
    return found


def field_for_header(kind: FormKind, header: str) -> str | None:
    """The field a 项目一览 column holds: by dotted path (项目资金总额明细.其他资金), key or label;
    then without a note in parentheses, which picks between fields of one name (其他资金(年度));
    then by the path's words run together (年度资金总额年初预算数). Of several, the required one:
    `其他资金` alone is the annual one, as the form's own 其他资金 row."""
    wanted = header.replace("·", ".").replace("-", ".")
    leaves = kind.plain_fields

    def named(name: str) -> list[tuple[str, FieldSpec]]:
        return [(p, s) for p, s in leaves
                if name in (p, norm(p)) or p.endswith("." + name) or name in (norm(s.key), norm(s.label))]

    candidates, note = named(wanted), ""
    if not candidates:
        match = re.fullmatch(r"(.+?)\((.+)\)", wanted)
        if match:
            candidates, note = named(match.group(1)), match.group(2)
    if not candidates:
        candidates = [(p, s) for p, s in leaves if p.replace(".", "").endswith(wanted)]
    if not candidates:
        return None
    exact = [p for p, _ in candidates if p == wanted or p.endswith("." + wanted)]
    if len(exact) == 1:
        return exact[0]
    noted = [p for p, s in candidates if note and (note in p or note in s.label)]
    if len(noted) == 1:
        return noted[0]
    required = [p for p, s in candidates if s.required]
    return (required or [p for p, _ in candidates])[0]
