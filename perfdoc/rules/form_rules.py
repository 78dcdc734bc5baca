"""The rules of the forms, applied to the model. Each rule has an id, a severity and a message
that names the field as the form prints it; RULES.md lists them all.

The rules here read the kind's data (its sum rules, framework, known values), so one rule serves
every form kind; the 自评表's arithmetic and scoring have their own modules (figures, scoring).
"""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Iterable

from ..input.model import Project, Unit
from ..input.parse import digit_hint, parse_amount
from ..input.problems import Problem
from ..input.values import OPERATORS, parse_value, spelling_problem
from .registry import ROW_CHECKS, label_of, problem, project_rule, row_check, unit_rule, yuan

# -- funding -------------------------------------------------------------------------------
@project_rule
def sums_add_up(project: Project) -> Iterable[Problem]:
    """年度资金申请总额 = 当年财政拨款 + 上年结转资金 + 其他资金 (and any other sum the kind names)."""
    for rule in project.kind.sums:
        total = project.get(rule.total)
        parts = [project.get(p) for p in rule.parts]
        if rule.blank_is_zero:
            parts = [Decimal(0) if part is None else part for part in parts]
        if total is None or not all(isinstance(p, Decimal) for p in parts):
            continue
        added = sum(parts, Decimal(0))
        if added != total:
            names = " + ".join(label_of(project, p).removeprefix("其中：") for p in rule.parts)
            yield problem(project, rule.total, rule.severity, "funding-sum",
                          f"“{label_of(project, rule.total)}”为 {yuan(total)}，"
                          f"但 {names} = {yuan(added)}，相差 {yuan(total - added)}")


# -- indicators ----------------------------------------------------------------------------
def _is_blank(value) -> bool:
    return value is None or not str(value).strip()  # a score of 0 is not blank


def row_name(row: dict, index: int) -> str:
    return row.get("三级指标") or row.get("三级目标") or f"第 {index + 1} 行"


# -- dates ---------------------------------------------------------------------------------
@project_rule
def dates_in_budget_year(project: Project) -> Iterable[Problem]:
    """计划开始日期 and 计划完成日期 lie in the budget year of the unit file."""
    year = project.unit.year
    for spec in project.kind.fields:
        value = project.values.get(spec.key)
        if spec.in_year and value is not None and value.year != year:
            yield problem(project, spec.key, "error", "date-in-year",
                          f"“{spec.label}”{value.isoformat()} 不在预算年度 {year} 年内：{_multi_year_hint(project, year)}")


def _multi_year_hint(project: Project, year: int) -> str:
    """What a multi-year project writes instead: this year's dates; the whole project elsewhere."""
    hint = f"表中只写本年度的起止日期，多年项目也写 {year}-01-01 至 {year}-12-31 之间的日期"
    whole = [label_of(project, f) for f in ("项目资金.项目资金总额", "项目总目标") if _has_field(project, f)]
    return hint + (f"；整个项目的情况写在“{'”和“'.join(whole)}”中" if whole else "")


def _has_field(project: Project, dotted: str) -> bool:
    spec = None
    for part in dotted.split("."):
        spec = project.kind.field(part) if spec is None else spec.child(part)
        if spec is None:
            return False
    return True


@project_rule
def dates_in_order(project: Project) -> Iterable[Problem]:
    pair = project.kind.checks.get("date_range")
    if not pair:
        return
    start, end = (project.get(k) for k in pair)
    if start is not None and end is not None and start > end:
        yield problem(project, pair[1], "error", "date-order",
                      f"“{label_of(project, pair[1])}”{end.isoformat()} 早于"
                      f"“{label_of(project, pair[0])}”{start.isoformat()}")


# -- funding, continued --------------------------------------------------------------------
@project_rule
def totals_not_below(project: Project) -> Iterable[Problem]:
    """项目资金总额 is cumulative over a multi-year project: never below the year's request."""
    for total_key, annual_key in project.kind.checks.get("not_below", ()):
        total, annual = project.get(total_key), project.get(annual_key)
        if isinstance(total, Decimal) and isinstance(annual, Decimal) and total < annual:
            yield problem(project, total_key, "error", "funding-total",
                          f"“{label_of(project, total_key)}”{yuan(total)} 小于"
                          f"“{label_of(project, annual_key)}”{yuan(annual)}（前者是项目全周期的累计数，不应更小）")


# -- known values --------------------------------------------------------------------------
@project_rule
def known_values(project: Project) -> Iterable[Problem]:
    for spec in project.kind.fields:
        value = project.values.get(spec.key)
        if spec.known and value and value not in spec.known:
            yield problem(project, spec.key, "warning", "known-value",
                          f"“{spec.label}”为“{value}”，不是常见取值（{'、'.join(spec.known)}）")


# -- the indicator framework ---------------------------------------------------------------
# -- across the unit -----------------------------------------------------------------------
@unit_rule
def project_names_unique(unit: Unit, projects: list[Project]) -> Iterable[Problem]:
    first_seen: dict[str, Project] = {}
    for project in projects:
        name = project.values.get("项目名称")
        if not name:
            continue
        if name in first_seen:
            yield problem(project, "项目名称", "error", "duplicate-project",
                          f"项目名称“{name}”与 {first_seen[name].path.name} 重复：汇总表中会出现两个同名项目")
        else:
            first_seen[name] = project


@unit_rule
def implementing_unit_matches(unit: Unit, projects: list[Project]) -> Iterable[Problem]:
    """A unit's 汇总表 lists its own projects: 实施单位 is normally the unit itself."""
    for project in projects:
        doer = project.values.get("实施单位")
        if doer and doer != unit.name:
            yield problem(project, "实施单位", "warning", "unit-mismatch",
                          f"“实施单位”为“{doer}”，与单位文件中的单位“{unit.name}”不同")


@unit_rule
def year_matches_folder(unit: Unit, projects: list[Project]) -> Iterable[Problem]:
    """specs/2025/ holding 年度: 2024 is almost always last year's file copied and not updated."""
    folder = unit.path.parent.name
    if folder.isdigit() and len(folder) == 4 and int(folder) != unit.year:
        line, col = unit.lines.get("年度", (1, 1))
        yield Problem(unit.path, line, col, "warning", "year-folder",
                      f"“年度”为 {unit.year}，但所在文件夹是 {folder}：是否忘了改年度？")


# -- blanks, amounts kept as text, text typed twice ----------------------------------------
def is_bare_row(spec, row: dict) -> bool:
    """A row with only its merged levels filled (投入与管理 | 投入管理 | | ): the 2020 form prints
    a 二级 without indicators this way, so it is published data, not a forgotten value."""
    rest = [c.key for c in spec.columns if c.key not in spec.merge]
    return any(row.get(c) for c in spec.merge) and not any(str(row.get(c) or "").strip() for c in rest)


@project_rule
def fields_filled(project: Project) -> Iterable[Problem]:
    """A field the form prints but the spec leaves blank: allowed, but a blank in a public form."""
    for dotted, spec in project.kind.plain_fields:
        if spec.warn_empty and not spec.required and _is_blank(project.get(dotted)):
            yield problem(project, dotted, "warning", "empty-field", f"“{spec.label}”为空，表中将留白")


@project_rule
def amounts_as_text(project: Project) -> Iterable[Problem]:
    """Amounts the form prints exactly as typed (2020 目标表: 3,230,000.00 beside 266,980)."""
    for dotted, spec in project.kind.plain_fields:
        if spec.format != "amount":
            continue
        text = str(project.get(dotted) or "").strip()
        if text and parse_amount(text) is None:
            yield problem(project, dotted, "warning", "amount-text",
                          f"“{spec.label}”应为金额（元），如 3,230,000.00，实际是“{text}”；将按原样打印")


@project_rule
def text_typed_twice(project: Project) -> Iterable[Problem]:
    """A value that is one phrase twice over (审价结算流程规范，结论合理审价结算流程规范，结论合理)
    is a paste slip the published tables show; it prints as written."""
    for dotted, value in _texts(project):
        half = len(value) // 2
        if _typed_twice(value):
            yield problem(project, dotted, "warning", "typed-twice",
                          f"“{value[:half]}”似乎重复输入了两遍：“{value}”")


def _texts(project: Project):
    """(dotted key, text) of every text field the form prints (indicator cells: row_typed_twice)."""
    for dotted, spec in project.kind.plain_fields:
        if spec.type == "text" and isinstance(project.get(dotted), str):
            yield dotted, project.get(dotted).strip()


def _typed_twice(value: str) -> bool:
    half = len(value) // 2
    return len(value) >= 8 and len(value) % 2 == 0 and value[:half] == value[half:]


# -- indicator rows: every row rule in one walk ---------------------------------------------
# A 1000-project unit has 30,000 indicator rows; eight rules each walking them (and building
# each row's dotted path whether or not it reports) were two thirds of the checking time. One
# registered rule walks the rows once and applies each row check (@row_check, here and in
# years.py) in turn; a row's path is built only for a problem. Problems are sorted by place
# afterwards, so the order of checks is free.
class Rows:
    """What the row checks need of one project, looked up once."""

    def __init__(self, project: Project):
        self.project = project
        self.spec = spec = project.kind.indicator_field
        self.key, self.column = spec.key, spec.value_column
        columns = [c.key for c in spec.columns]
        self.level1, self.level2 = (columns[0], columns[1]) if len(columns) >= 2 else ("一级指标", "二级指标")
        self.framework = project.kind.framework_for(project.unit.year)
        self.owner = self.framework.owner if self.framework else {}
        self.warn_empty = [c for c in spec.columns if c.warn_empty]
        self.bare_allowed = not any(c.required for c in spec.columns if c.key not in spec.merge)
        budget_key = project.kind.checks.get("budget")
        self.budget_key, self.budget = budget_key, (project.get(budget_key) if budget_key else None)
        self.system_spelling = project.kind.system_spelling
        self.seen: set[str] = set()
        self.previous = None
        self.found: list[Problem] = []

    def report(self, index: int, column: str | None, severity: str, rule: str, message: str) -> None:
        """A problem at row `index` (its `column`, if given). The checks are plain calls that
        report here, not generators: 30,000 rows × 7 checks make generator set-up count."""
        where = f"{self.key}.{index}" if column is None else f"{self.key}.{index}.{column}"
        self.found.append(problem(self.project, where, severity, rule, message))


@project_rule
def indicator_row_rules(project: Project) -> Iterable[Problem]:
    """Every rule on indicator rows, in one walk of them; then the framework's required 一级."""
    spec = project.kind.indicator_field
    if spec is None:
        return
    rows, values = Rows(project), project.values.get(spec.key)
    for index, row in enumerate(values or ()):
        for check in ROW_CHECKS:
            check(rows, index, row)
    yield from rows.found
    if values is not None:
        yield from required_levels_present(rows, values)


@row_check
def row_value_filled(rows: Rows, index: int, row: dict) -> None:
    """An indicator row without its target value prints an empty cell in a public document."""
    for column in rows.warn_empty:
        if _is_blank(row.get(column.key)) and not is_bare_row(rows.spec, row):  # see row_bare
            rows.report(index, column.key, "warning", "empty-value",
                               f"指标“{row_name(row, index)}”的“{column.label}”为空，表中将留白")


@row_check
def row_in_framework(rows: Rows, index: int, row: dict) -> None:
    """Every 一级 and 二级 belongs to the kind's framework for the year, each 二级 under its own 一级."""
    framework, level1, level2 = rows.framework, rows.level1, rows.level2
    if framework is None:
        return
    first, second = row.get(level1, ""), row.get(level2, "")
    if not first:
        return  # reported by parse as a missing field
    year = rows.project.unit.year
    if first not in framework.levels:
        rows.report(index, level1, framework.cap("error"), "framework-level1",
                           f"“{level1}”为“{first}”，不属于 {year} 年度的指标体系（{'、'.join(framework.levels)}）")
    elif not second:
        rows.report(index, level1, "warning", "framework-level2",
                           f"指标“{row_name(row, index)}”的“{level2}”为空")
    elif second in rows.owner and rows.owner[second] != first:
        rows.report(index, level2, framework.cap("error"), "framework-misplaced",
                           f"“{second}”属于“{rows.owner[second]}”，不应放在“{first}”下")
    elif second not in framework.levels[first]:
        rows.report(index, level2, "warning", "framework-level2",
                           f"“{level2}”为“{second}”，不在“{first}”的常见{level2}中"
                           f"（{'、'.join(framework.levels[first])}）")


def required_levels_present(rows: Rows, values: list[dict]) -> Iterable[Problem]:
    framework, project = rows.framework, rows.project
    if framework is None:
        return
    present = {row.get(rows.level1) for row in values}
    for name in framework.required:
        if name not in present:
            yield problem(project, rows.key, framework.cap("error"), "framework-required",
                          f"缺少{rows.level1}“{name}”：{project.unit.year} 年度的{project.kind.name}必须包含"
                          f"{'、'.join(framework.required)}")


@row_check
def row_grouped(rows: Rows, index: int, row: dict) -> None:
    """Rows of one 一级 stand together; a group split in two prints as two merged cells."""
    first = row.get(rows.level1, "")
    if first != rows.previous and first in rows.seen:
        rows.report(index, rows.level1, "warning", "framework-order",
                           f"{rows.level1}“{first}”的各行没有排在一起（第 {index + 1} 行又出现），表中会分成两格")
    rows.seen.add(first)
    rows.previous = first


@row_check
def row_value_well_formed(rows: Rows, index: int, row: dict) -> None:
    """Quantitative values follow operator + number + (unit); percentages stay within 100."""
    column = rows.column
    if not column:
        return
    text = str(row.get(column) or "")
    quantity = parse_value(text)
    if quantity is None:
        # the operator first: the digit hint reads every character, and most texts are qualitative
        if text.strip()[:1] in OPERATOR_STARTS and digit_hint(text):
            rows.report(index, column, "warning", "value-format",
                        f"指标“{row_name(row, index)}”的值“{text}”不会被读作数值{digit_hint(text)}")
        return
    severity = spelling_problem(quantity) if rows.system_spelling else None
    over_100 = quantity.is_percent and quantity.low > 100 and not quantity.is_upper_bound
    if severity is None and not over_100:  # most values: nothing to say, no name to look up
        return
    name = row_name(row, index)
    if severity == "warning" and not quantity.unit:
        rows.report(index, column, "warning", "value-format",
                           f"指标“{name}”的值“{quantity.text}”缺少计量单位，如 {quantity.canonical()}(次)")
    elif severity == "warning":
        rows.report(index, column, "warning", "value-format",
                           f"指标“{name}”的值“{quantity.text}”写法不规范，应写作“{quantity.canonical()}”"
                           f"（perfdoc fmt 可自动改正）")
    elif severity == "info":
        rows.report(index, column, "info", "value-style",
                           f"指标“{name}”的值“{quantity.text}”，系统格式为“{quantity.canonical()}”")
    if over_100:
        rows.report(index, column, "warning", "percent-over-100",
                           f"指标“{name}”的值“{quantity.text}”超过 100%")


@row_check
def row_satisfaction_and_cost(rows: Rows, index: int, row: dict) -> None:
    """满意度 is a floor in percent (≥90.00(%)); 成本 is a ceiling, no higher than the budget."""
    column, project, budget = rows.column, rows.project, rows.budget
    if not column:
        return
    levels = row.get(rows.level1, "") + row.get(rows.level2, "")
    satisfaction, cost = "满意度" in levels, "成本" in levels
    if not satisfaction and not cost:  # most rows: nothing to read
        return
    text = str(row.get(column) or "").strip()
    quantity = parse_value(text)
    name = row_name(row, index)
    floor = quantity is not None and quantity.operator == "≥" and quantity.is_percent
    if satisfaction and text and rows.system_spelling and not floor:
        rows.report(index, column, "warning", "satisfaction-form",
                           f"满意度指标“{name}”的值“{text}”应为“≥x(%)”的形式，如 ≥90.00(%)")
    if not cost or quantity is None:
        return
    if not quantity.is_upper_bound:
        # round down: a suggested ceiling must never exceed the budget it stands for
        example = (f"≤{(budget / 10000).quantize(Decimal('0.01'), ROUND_DOWN)}(万元)"
                   if isinstance(budget, Decimal) else "≤130.00(万元)")
        rows.report(index, column, "warning", "cost-form",
                           f"成本指标“{name}”的值“{text}”应为上限（≤），如 {example}")
    ceiling = quantity.in_yuan()
    if ceiling is None or not isinstance(budget, Decimal):
        return
    budget_label = label_of(project, rows.budget_key)
    if ceiling > budget:
        rows.report(index, column, "error", "cost-over-budget",
                           f"成本指标“{name}”的上限 {text} = {yuan(ceiling)} 元，超过“{budget_label}”{yuan(budget)} 元")
    elif ceiling != budget:
        rows.report(index, column, "info", "cost-differs",
                           f"成本指标“{name}”的上限 {text} = {yuan(ceiling)} 元，与“{budget_label}”{yuan(budget)} 元不同")


@row_check
def row_bare(rows: Rows, index: int, row: dict) -> None:
    if not rows.bare_allowed:
        return  # where the form requires them, parse reports the blanks as errors
    spec = rows.spec
    if is_bare_row(spec, row):
        levels = " / ".join(row[c] for c in spec.merge if row.get(c))
        blank = "、".join(c.label for c in spec.columns if c.key not in spec.merge)
        rows.report(index, None, "info", "bare-row",
                           f"第 {index + 1} 行“{levels}”的{blank}为空：按发布的表式原样打印，这几格留白")


@row_check
def row_typed_twice(rows: Rows, index: int, row: dict) -> None:
    """text_typed_twice for the row's cells."""
    for key, value in row.items():
        if type(value) is str and len(value) >= 8:
            value = value.strip()
            half = len(value) // 2
            if value[:half] == value[half:] and _typed_twice(value):  # most halves differ: one compare
                rows.report(index, key, "warning", "typed-twice",
                                   f"“{value[:half]}”似乎重复输入了两遍：“{value}”")


OPERATOR_STARTS = {op[0] for op in OPERATORS}
