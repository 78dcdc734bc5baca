"""What `build --xlsx` puts in a workbook: the model turned into plain rows (README: "Excel 工作簿").

A unit's workbook `<单位><年度>年度项目绩效目标汇总表.xlsx` has the sheets 单位, 项目一览 (one row
per project and a 合计 of formulas), 绩效指标 (one row per indicator in the budget system's
import columns 计算符号 | 指标值 | 计量单位, and the value as written in 原文) and, for a kind
that names one (the 自评表), 自评结果 with each project's 等级. The 主管部门's workbook across
units (make/units.py) uses the same rows with a 单位 column, streamed one unit at a time.

Values are the author's as written (a blank 执行率 stays blank in 项目一览); what the form
computes is shown where the sheet is about results (自评结果).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from ..input.kinds import FieldSpec, FormKind
from ..input.model import Project, Unit
from ..input.values import QUALITATIVE, split_value
from ..output.xlsx import Column, Formula, Workbook, cell
from ..rules.figures import Figures

# The budget system's indicator grid: the levels, then the value split three ways, then as written.
LEVEL_HEADERS = ("一级指标", "二级指标", "三级指标")
SPLIT_HEADERS = ("计算符号", "指标值", "计量单位", "原文")
COLUMN_TYPES = {"text": "text", "date": "date", "amount": "amount", "number": "number", "percent": "percent"}


@dataclass(frozen=True)
class Leaf:
    """One 项目一览 column: a field that is not a group, by its dotted path."""
    dotted: str
    spec: FieldSpec
    header: str


def project_leaves(kind: FormKind) -> list[Leaf]:
    """Every non-indicator field in form order except 项目名称 (the row's own name), headed by
    the shortest end of its path that is unique: 项目资金总额, 项目资金总额明细.其他资金, 其他资金 → see
    README (two fields named 其他资金 are told apart by their group)."""
    found = list(kind.plain_fields)
    parts = [dotted.split(".") for dotted, _ in found]
    leaves = []
    for (dotted, spec), path in zip(found, parts):
        for size in range(1, len(path) + 1):
            tail = path[-size:]
            if sum(1 for other in parts if other[-size:] == tail) == 1:
                break
        leaves.append(Leaf(dotted, spec, ".".join(tail)))
    return [leaf for leaf in leaves if leaf.dotted != "项目名称"]


def too_long_for_excel(projects: list[Project]) -> str | None:
    """Why a workbook of these projects cannot be written whole, or None: a text longer than an
    Excel cell holds (32,767 UTF-16 units) would be cut, and nothing is ever cut silently."""
    for project in projects:
        for dotted, value in _texts(project.values, ""):
            if len(value) > CELL_LIMIT // 2 and len(value.encode("utf-16-le")) // 2 > CELL_LIMIT:
                line, _ = project.where(dotted)
                return (f"{project.path}:{line} 的“{dotted.rpartition('.')[2]}”有 {len(value)} 字，"
                        f"超过 Excel 单元格的上限 {CELL_LIMIT} 字，工作簿未生成")
    return None


CELL_LIMIT = 32767


def _texts(value, dotted: str):
    if isinstance(value, str):
        yield dotted, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _texts(child, f"{dotted}.{key}" if dotted else key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _texts(child, f"{dotted}.{index}")


def overview_columns(kind: FormKind, *, by_unit: bool = False) -> list[Column]:
    """序号 | (单位) | 项目名称 | every field | 指标数; amounts and 指标数 totalled."""
    columns = [Column("序号", "count")] + ([Column("单位")] if by_unit else []) + [Column("项目名称")]
    for leaf in project_leaves(kind):
        kind_of = "text" if leaf.spec.format else COLUMN_TYPES[leaf.spec.type]
        columns.append(Column(leaf.header, kind_of, total=kind_of == "amount"))
    return columns + [Column("指标数", "count", total=True)]


def overview_row(project: Project, number: int, leaves: list[Leaf], unit_name: str | None = None) -> list:
    """A project's 项目一览 row, values as written."""
    indicators = project.get(project.kind.indicator_field.key) if project.kind.indicator_field else None
    return [number, *([unit_name] if unit_name is not None else []), project.name,
            *(project.get(leaf.dotted) for leaf in leaves), len(indicators or [])]


def indicator_columns(kind: FormKind, *, by_unit: bool = False) -> list[Column]:
    field = kind.indicator_field
    keys = [c.key for c in field.columns]
    value_at = keys.index(field.value_column) if field.value_column in keys else len(keys)
    levels = field.columns[:value_at]
    level_headers = LEVEL_HEADERS if len(levels) == len(LEVEL_HEADERS) else tuple(c.key for c in levels)
    rest = [c for c in field.columns[value_at + 1:]]
    return ([Column("单位")] if by_unit else []) + [Column("项目名称")] \
        + [Column(h) for h in level_headers] \
        + [Column("计算符号"), Column("指标值", "figure"), Column("计量单位"), Column("原文")] \
        + [Column(c.key, COLUMN_TYPES.get(c.type, "text")) for c in rest]


def indicator_rows(project: Project, unit_name: str | None = None) -> list[list]:
    """One row per indicator, in printed order; the value split by the grammar, kept whole as 原文."""
    field = project.kind.indicator_field
    if field is None:
        return []
    keys = [c.key for c in field.columns]
    value_at = keys.index(field.value_column) if field.value_column in keys else len(keys)
    rows = []
    for row in project.get(field.key) or []:
        written = row.get(field.value_column) or ""
        split = split_value(written)
        parts = ["", "", ""] if split is None else [split.sign, split.value, split.unit]
        rows.append([*([unit_name] if unit_name is not None else []), project.name,
                     *(row.get(k) for k in keys[:value_at]), *parts, written,
                     *(row.get(k) for k in keys[value_at + 1:])])
    return rows


# -- 自评结果 (a kind's options.workbook.results) ---------------------------------------------
def results_spec(kind: FormKind) -> dict | None:
    return (kind.options.get("workbook") or {}).get("results")


def results_columns(kind: FormKind, spec: dict) -> list[Column]:
    """The configured columns, each typed as its field (amounts totalled), then 等级."""
    columns = []
    for header, dotted in spec["columns"].items():
        field = field_at(kind, dotted)
        kind_of = COLUMN_TYPES.get(field.type, "text") if field else "text"
        columns.append(Column(header, kind_of, total=kind_of == "amount"))
    return columns + [Column("等级")]


def field_at(kind: FormKind, dotted: str) -> FieldSpec | None:
    spec = None
    for part in dotted.split("."):
        spec = kind.field(part) if spec is None else spec.child(part)
        if spec is None:
            return None
    return spec


def results_row(project: Project, spec: dict, row_number: int) -> list:
    """A project's results: what its form shows (computed where left blank), and its 等级 as a
    formula on its 总分, so a 总分 edited in Excel regrades."""
    figures = Figures(project)
    values = []
    for dotted in spec["columns"].values():
        values.append(project.name if dotted == "项目名称" else figures.effective(dotted))
    score = values[list(spec["columns"]).index(spec["grade_of"])]
    score_cell = cell(row_number, list(spec["columns"]).index(spec["grade_of"]))
    return values + [Formula(grade_formula(score_cell, spec["grades"]), grade(score, spec["grades"]))
                     if score is not None else None]


def grade(score: Decimal | None, bands: list[dict]) -> str:
    """The 等级 of a 总分: the first band whose lower bound it reaches (优 ≥ 90, 良 ≥ 80 …)."""
    if score is None:
        return ""
    for band in bands:
        if score >= Decimal(str(band["不低于"])):
            return band["等级"]
    return ""


def grade_formula(score_cell: str, bands: list[dict]) -> str:
    formula = '""'
    for band in reversed(bands):
        formula = f'IF({score_cell}>={band["不低于"]},"{band["等级"]}",{formula})'
    return f'=IF({score_cell}="","",{formula})'


# -- a unit's workbook ---------------------------------------------------------------------
def unit_workbook(unit: Unit, projects: list[Project]) -> bytes:
    """The unit's workbook as bytes: 单位, 项目一览, 绩效指标 (and 自评结果)."""
    buffer = io.BytesIO()
    book = Workbook(buffer)
    title, kind = unit.summary_title, unit.kind

    sheet = book.sheet("单位", title, [Column("栏目"), Column("内容")])
    for label, value in unit_rows(unit):
        sheet.append([label, value])
    sheet.finish()

    leaves = project_leaves(kind)
    sheet = book.sheet("项目一览", title, overview_columns(kind))
    for number, project in enumerate(projects, 1):
        sheet.append(overview_row(project, number, leaves))
    sheet.total(label_column=1)
    sheet.finish()

    if kind.indicator_field is not None:
        sheet = book.sheet("绩效指标", title, indicator_columns(kind))
        for project in projects:
            for row in indicator_rows(project):
                sheet.append(row)
        sheet.finish()

    spec = results_spec(kind)
    if spec:
        sheet = book.sheet(spec.get("sheet") or "自评结果", title, results_columns(kind, spec))
        for project in projects:
            sheet.append(results_row(project, spec, sheet.row))
        sheet.total(label_column=0)
        sheet.finish()
    book.close()
    return buffer.getvalue()


def unit_rows(unit: Unit) -> list[tuple[str, object]]:
    """The 单位 sheet: 单位, 年度, 表式, then the defaults the unit file gives its projects."""
    return [("单位", unit.name), ("年度", unit.year), ("表式", unit.kind.name), *unit.defaults.items()]


# -- the 主管部门's workbook across units (make/units.py) ---------------------------------------
@dataclass
class UnitRows:
    """One unit's share of the workbook across units: plain rows, made where the unit was read
    (a -j worker) and written as they arrive, so only one unit's rows are ever held."""
    name: str
    folder: str
    year: int
    kind: str
    department: str
    overview: list[list]
    indicators: list[list]
    stats: list[tuple[str, int, int, Decimal]]   # per project: 项目类别, 指标数, 定量指标数, 金额


def unit_rows_for_summary(unit: Unit, projects: list[Project], folder: str) -> UnitRows:
    """A unit's rows for the workbook across units, numbered from 1 (renumbered when written)."""
    leaves = project_leaves(unit.kind)
    budget = unit.kind.checks.get("budget")
    overview, indicators, stats = [], [], []
    for number, project in enumerate(projects, 1):
        overview.append(overview_row(project, number, leaves, unit.name))
        rows = indicator_rows(project, unit.name)
        indicators += rows
        quantitative = sum(1 for r in rows if r[5] not in (None, "", QUALITATIVE))  # 计算符号
        amount = project.get(budget) if budget else None
        stats.append((str(project.get("项目类别") or ""), len(rows), quantitative,
                      amount if isinstance(amount, Decimal) else Decimal(0)))
    return UnitRows(unit.name, folder, unit.year, unit.kind.name, unit.defaults.get("主管部门", ""),
                    overview, indicators, stats)


@dataclass
class Tally:
    """Counts for one line of the 统计 sheet."""
    units: set
    projects: int = 0
    indicators: int = 0
    quantitative: int = 0
    amount: Decimal = Decimal(0)

    def add(self, unit: str, indicators: int, quantitative: int, amount: Decimal) -> None:
        self.units.add(unit)
        self.projects += 1
        self.indicators += indicators
        self.quantitative += quantitative
        self.amount += amount

    def row(self, group: str, name: str) -> list:
        per_project = (Decimal(self.indicators) / self.projects).quantize(Decimal("0.01")) if self.projects else None
        share = (Decimal(self.quantitative) * 100 / self.indicators).quantize(Decimal("0.01")) \
            if self.indicators else None
        return [group, name, len(self.units), self.projects, self.indicators, self.amount, per_project,
                self.quantitative, share]


class UnitsWorkbook:
    """The workbook across units, written as the units arrive (XlsxWriter's constant_memory:
    each sheet's finished rows go to a temporary file); only the 统计 tallies are kept."""

    def __init__(self, target, kind: FormKind, title: str):
        self.kind = kind
        self.book = Workbook(target, streaming=True)
        self.units = self.book.sheet("单位列表", title, [
            Column("序号", "count"), Column("单位"), Column("规格文件夹"), Column("年度", "count"),
            Column("表式"), Column("主管部门"), Column("项目数", "count", total=True),
            Column("指标数", "count", total=True)])
        self.overview = self.book.sheet("项目一览", title, overview_columns(kind, by_unit=True))
        self.indicators = self.book.sheet("绩效指标", title, indicator_columns(kind, by_unit=True)) \
            if kind.indicator_field else None
        budget = kind.checks.get("budget")
        money = field_at(kind, budget).label if budget and field_at(kind, budget) else "金额"
        self.stats = self.book.sheet("统计", title, [
            Column("分类"), Column("名称"), Column("单位数", "count"), Column("项目数", "count"),
            Column("指标数", "count"), Column(f"{money}（元）", "amount"), Column("每个项目的指标数", "number"),
            Column("定量指标数", "count"), Column("定量指标占比", "percent")])
        self.total = Tally(set())
        self.by_category: dict[str, Tally] = {}
        self.by_unit: list[list] = []
        self.number = 0
        self.has_category = kind.field("项目类别") is not None

    def add(self, rows: UnitRows) -> None:
        """Write one unit's rows, then its 小计."""
        self.units.append([len(self.by_unit) + 1, rows.name, rows.folder, rows.year, rows.kind,
                           rows.department, len(rows.overview), len(rows.indicators)])
        for row in rows.overview:
            self.number += 1
            self.overview.append([self.number, *row[1:]])
        if rows.overview:
            self.overview.subtotal(label_column=1, label=f"{rows.name} 小计")
        for row in rows.indicators:
            self.indicators.append(row)
        unit_tally = Tally(set())
        for category, indicators, quantitative, amount in rows.stats:
            for tally in (self.total, unit_tally, self.by_category.setdefault(category or "（未填）", Tally(set()))):
                tally.add(rows.folder, indicators, quantitative, amount)
        self.by_unit.append(unit_tally.row("单位", rows.name))

    def close(self) -> None:
        """The 合计 rows and the 统计 sheet; then the file is complete."""
        self.units.total(label_column=1)
        self.overview.total(label_column=1)
        for sheet in (self.units, self.overview, self.indicators):
            if sheet is not None:
                sheet.finish()
        self.stats.append(self.total.row("全部", "全部单位"))
        if self.has_category:
            for category in sorted(self.by_category):
                self.stats.append(self.by_category[category].row("项目类别", category))
        for row in self.by_unit:
            self.stats.append(row)
        self.stats.finish()
        self.book.close()
