"""Scoring a self-evaluation (自评表) the way 财预〔2020〕10号 sets it out.

    执行率      = 全年执行数 / 全年预算数, a percentage
    预算执行率得分 = 分值 (10) × 执行率, at most 分值
    总分        = 预算执行率得分 + Σ 指标得分;  Σ 分值 = 100 (10 + 90 over the indicators)

The formulas serve every kind whose fields name them (`computed: 执行率` …); the rules serve
every kind whose YAML has `options.scoring` — for any other kind they do nothing. The column
names are the form's own: 分值, 得分, 年度指标值, 实际完成值, 偏差原因分析及改进措施.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

from .registry import label_of, problem, project_rule, yuan
from .figures import Figure, Figures, Rounding, formula, plain
from ..input.kinds import KindError
from ..input.model import Project
from ..input.problems import Problem
from ..input.values import parse_value

POINTS, SCORE, TARGET, ACTUAL, REASON = "分值", "得分", "年度指标值", "实际完成值", "偏差原因分析及改进措施"
HUNDRED = Decimal(100)
NATIONAL_RULES = "财预〔2020〕10号"  # 《项目支出绩效评价管理办法》: the weights and scoring rules


@dataclass(frozen=True)
class Scoring:
    """A kind's scoring settings (options.scoring in its YAML)."""
    basis: str
    full_marks: Decimal
    budget_row: str                               # e.g. 项目资金.年度资金总额
    budget_points: Decimal
    weights: tuple[tuple[tuple[str, ...], Decimal], ...]   # (一级指标 names, 分值) of each share

    @classmethod
    def of(cls, kind) -> "Scoring | None":
        data = kind.options.get("scoring")
        if not data:
            return None
        try:
            return cls(data.get("basis") or NATIONAL_RULES, Decimal(str(data["full_marks"])),
                       data["budget"]["row"], Decimal(str(data["budget"]["分值"])),
                       tuple((tuple(w["一级指标"]), Decimal(str(w["分值"]))) for w in data.get("weights", ())))
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise KindError(f"表式“{kind.name}”的 options.scoring 有误：{exc!r}") from None


def _row_of(dotted: str) -> str:
    return dotted.rpartition(".")[0]


def _indicator_rows(project: Project) -> list[dict]:
    spec = project.kind.indicator_field
    return (project.values.get(spec.key) or []) if spec else []


def _total_of(rows: list[dict], column: str) -> Decimal | None:
    """Σ of a column over the indicator rows; None when any row leaves it blank."""
    values = [row.get(column) for row in rows]
    if not values or any(v is None for v in values):
        return None
    return sum(values, Decimal(0))


# -- formulas (the fields of a kind name them with `computed:`) --------------------------------
@formula("执行率")
def execution_rate(figures: Figures, dotted: str) -> Figure | None:
    row = _row_of(dotted)
    budget, spent = figures.project.get(f"{row}.全年预算数"), figures.project.get(f"{row}.全年执行数")
    if budget is None or spent is None or budget == 0:
        return None
    return Figure(spent / budget * HUNDRED, f"{yuan(spent)} ÷ {yuan(budget)}")


@project_rule
def rate_needs_a_budget(project: Project) -> Iterable[Problem]:
    """A 执行率 over a 全年预算数 of 0 cannot be computed: say so rather than print a blank."""
    figures = Figures(project)
    for dotted, (name, _) in figures.paths.items():
        row = _row_of(dotted)
        if name != "执行率" or project.get(f"{row}.全年预算数") != 0:
            continue
        written = project.get(dotted)
        shown = "留空" if written is None else f"印作所填的 {written}%"
        yield problem(project, f"{row}.全年预算数", "warning", "rate-without-budget",
                      f"“{label_of(project, row + '.全年预算数')}”为 0，执行率（全年执行数 ÷ 全年预算数）无法计算，"
                      f"表中{shown}")


@formula("预算分值")
def budget_points(figures: Figures, dotted: str) -> Figure | None:
    scoring = Scoring.of(figures.project.kind)
    if scoring is None:
        return None
    return Figure(scoring.budget_points, f"{scoring.basis}规定的预算执行率分值", rounded=False)


@formula("预算得分")
def budget_score(figures: Figures, dotted: str) -> Figure | None:
    row = _row_of(dotted)
    points, rate = figures.effective(f"{row}.{POINTS}"), figures.effective(f"{row}.执行率")
    if points is None or rate is None:
        return None
    score = points * rate / HUNDRED
    how = f"分值 {points} × 执行率 {rate}%"
    if score > points:
        return Figure(points, how + f"，超过分值按 {points} 计")
    return Figure(score, how)


@formula("总分值")
def total_points(figures: Figures, dotted: str) -> Figure | None:
    return _total(figures, "预算分值", POINTS, rounded=False)


@formula("总得分")
def total_score(figures: Figures, dotted: str) -> Figure | None:
    return _total(figures, "预算得分", SCORE, rounded=True)


def _total(figures: Figures, budget_formula: str, column: str, rounded: bool) -> Figure | None:
    budget_path = figures.path_of(budget_formula)
    budget = figures.effective(budget_path) if budget_path else Decimal(0)
    indicators = _total_of(_indicator_rows(figures.project), column)
    if budget is None or indicators is None:
        return None
    return Figure(budget + indicators, f"预算执行率 {budget} + 各指标 {indicators}", rounded=rounded)


# -- rules ---------------------------------------------------------------------------------------
def scoring_rule(check):
    """Register `check(project, scoring)` as a rule of every kind with options.scoring; for any
    other kind (the 申报表) it is a no-op."""
    def rule(project: Project) -> Iterable[Problem]:
        scoring = Scoring.of(project.kind)
        return check(project, scoring) if scoring is not None else ()
    rule.__name__, rule.__doc__ = check.__name__, check.__doc__
    return project_rule(rule)


def _in_range(row: dict) -> bool:
    """Both 分值 and 得分 written, and 0 ≤ 得分 ≤ 分值 (else score-range says so, alone)."""
    points, score = row.get(POINTS), row.get(SCORE)
    return points is not None and score is not None and 0 <= score <= points


def _scored_rows(project: Project, scoring: Scoring):
    """(dotted path of the row, the row, its name) for the budget row and every indicator row."""
    budget = {POINTS: Figures(project).effective(f"{scoring.budget_row}.{POINTS}"),
              SCORE: project.get(f"{scoring.budget_row}.{SCORE}")}
    yield scoring.budget_row, budget, label_of(project, scoring.budget_row) + "（预算执行率）"
    key = project.kind.indicator_field.key
    for index, row in enumerate(_indicator_rows(project)):
        yield f"{key}.{index}", row, f"指标“{row.get('三级指标') or index + 1}”"


@scoring_rule
def scores_within_points(project: Project, scoring: Scoring) -> Iterable[Problem]:
    """0 ≤ 得分 ≤ 分值: a score outside it cannot be true."""
    for path, row, name in _scored_rows(project, scoring):
        points, score = row.get(POINTS), row.get(SCORE)
        if points is not None and points < 0:
            yield problem(project, f"{path}.{POINTS}", "error", "score-range", f"{name}的分值不能为负数，实际是 {points}")
        elif score is not None and score < 0:
            yield problem(project, f"{path}.{SCORE}", "error", "score-range", f"{name}的得分不能为负数，实际是 {score}")
        elif score is not None and points is not None and score > points:
            yield problem(project, f"{path}.{SCORE}", "error", "score-range",
                          f"{name}的得分 {score} 超过了分值 {points}")


@scoring_rule
def deductions_have_reasons(project: Project, scoring: Scoring) -> Iterable[Problem]:
    """A row scored below its 分值 says why: 偏差原因分析及改进措施 (财预〔2020〕10号)."""
    for path, row, name in _scored_rows(project, scoring):
        points, score = row.get(POINTS), row.get(SCORE)
        if REASON in row and _in_range(row) and score < points and not str(row.get(REASON) or "").strip():
            yield problem(project, f"{path}.{SCORE}", "warning", "deduction-reason",
                          f"{name}得分 {score} 低于分值 {points}，应填写“{REASON}”")


@scoring_rule
def points_add_up(project: Project, scoring: Scoring) -> Iterable[Problem]:
    """Σ 分值 = 100: 10 for the budget's execution rate and 90 over the indicators."""
    budget = Figures(project).effective(f"{scoring.budget_row}.{POINTS}")
    indicators = _total_of(_indicator_rows(project), POINTS)
    if budget is None or indicators is None or budget + indicators == scoring.full_marks:
        return
    expected = scoring.full_marks - scoring.budget_points
    yield problem(project, project.kind.indicator_field.key, "warning", "score-points-sum",
                  f"分值合计应为 {scoring.full_marks}（预算执行率 {scoring.budget_points} + 各指标 {expected}），"
                  f"实为 {budget + indicators}（预算执行率 {budget} + 各指标 {indicators}）")


@scoring_rule
def scores_follow_the_rules(project: Project, scoring: Scoring) -> Iterable[Problem]:
    """Where 财预〔2020〕10号's scoring gives another score than the author's, say so (a note)."""
    rounding = Rounding.of(project.kind)
    for path, row, name in list(_scored_rows(project, scoring))[1:]:
        if not _in_range(row):
            continue
        points, score = row[POINTS], row[SCORE]
        advice = suggest_score(str(row.get(TARGET) or ""), str(row.get(ACTUAL) or ""), points, rounding)
        if advice is not None and not advice.low <= score <= advice.high:
            yield problem(project, f"{path}.{SCORE}", "info", "suggested-score",
                          f"{name}按{scoring.basis}{advice.text}，所填得分为 {score}（仅供参考，以评价结论为准）")


# -- the suggested score --------------------------------------------------------------------------
@dataclass(frozen=True)
class Advice:
    low: Decimal
    high: Decimal
    text: str


# An actual value that says the target was met, whatever the target's wording.
MET = {"完成", "已完成", "全部完成", "按时完成", "100%完成", "完成100%", "达标", "已达标", "达到", "已达到", "符合", "合格"}


def suggest_score(target: str, actual: str, points: Decimal, rounding: Rounding) -> Advice | None:
    """The score 财预〔2020〕10号 suggests, or None where the texts do not tell.

    Quantitative: min(实际/目标, 1) × 分值; an upper bound (≤) full when met, else reduced in
    proportion to the overrun (0 from 100 % over). Qualitative: when the actual value says the
    target was met, the top band, 80–100 % of 分值. Anything else is the evaluator's judgement.
    """
    goal, done = parse_value(target), parse_value(actual, bare=True)
    met = re.sub(r"\s+", "", actual) in MET or (bool(actual.strip()) and actual.strip() == target.strip())
    if goal is None:
        if not met:
            return None
        low = rounding.apply(points * Decimal("0.8"))
        return Advice(low, points, f"定性指标已达成（实际完成值“{actual.strip()}”），得分宜在 {plain(low)}–{points} 之间")
    if met:
        return Advice(points, points, f"已完成目标（实际完成值“{actual.strip()}”），建议得分 {points}")
    aim, unit = goal.low, goal.unit
    if done is None or aim == 0 or (done.unit and unit and done.unit != unit):
        return None
    reached = done.low
    if goal.is_upper_bound:
        overrun = max(reached - aim, Decimal(0)) / aim
        share = max(Decimal(1) - overrun, Decimal(0))
        how = (f"实际 {reached}{unit} 未超过上限 {aim}{unit}" if not overrun else
               f"实际 {reached}{unit} 超出上限 {aim}{unit} 的 {rounding.apply(overrun * HUNDRED)}%，按比例扣减")
    else:
        share = min(reached / aim, Decimal(1))
        how = f"实际 {reached}{unit} ÷ 目标 {aim}{unit} × 分值 {points}"
    score = rounding.apply(share * points)
    return Advice(score, score, f"建议得分 {plain(score)}（{how}）")



# -- proposing 分值 for a new self-evaluation ------------------------------------------------------
def split_points(total: Decimal, count: int) -> list[Decimal]:
    """Share `total` points over `count` rows: whole points where they go round, else hundredths.

    The remainder goes one unit at a time to the first rows, so the shares always add up to
    `total` exactly and the same rows always get the same shares.
    """
    if count <= 0:
        return []
    unit = Decimal(1) if total >= count and total == total.to_integral_value() else Decimal("0.01")
    units = int(total / unit)
    base, extra = divmod(units, count)
    return [(base + (1 if i < extra else 0)) * unit for i in range(count)]
