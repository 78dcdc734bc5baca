"""The rules of the forms, applied to the model. Each rule has an id, a severity and a message
that names the field as the form prints it; RULES.md lists them all.

A rule is a function `(project) -> problems` registered with @project_rule, or
`(unit, projects) -> problems` registered with @unit_rule. Rules read the kind's data (its sum
rules, framework, known values), so one rule serves every form kind.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable

from .model import Project, Unit
from .problems import Problem

ProjectRule = Callable[[Project], Iterable[Problem]]
UnitRule = Callable[[Unit, list[Project]], Iterable[Problem]]
PROJECT_RULES: list[ProjectRule] = []
UNIT_RULES: list[UnitRule] = []


def project_rule(fn: ProjectRule) -> ProjectRule:
    PROJECT_RULES.append(fn)
    return fn


def unit_rule(fn: UnitRule) -> UnitRule:
    UNIT_RULES.append(fn)
    return fn


def check_unit(unit: Unit, projects: list[Project]) -> list[Problem]:
    """Apply every rule to every project, then the rules that look across the unit."""
    problems: list[Problem] = []
    for project in projects:
        for rule in PROJECT_RULES:
            problems.extend(rule(project))
    for rule in UNIT_RULES:
        problems.extend(rule(unit, projects))
    return problems


def problem(project: Project, dotted: str, severity: str, rule: str, message: str) -> Problem:
    line, col = project.where(dotted)
    return Problem(project.path, line, col, severity, rule, message)


def label_of(project: Project, dotted: str) -> str:
    """The label the form prints for a dotted field path."""
    spec = None
    for part in dotted.split("."):
        spec = project.kind.field(part) if spec is None else spec.child(part)
        if spec is None:
            return dotted.rpartition(".")[2]
    return spec.label


def yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


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
@project_rule
def indicator_values_filled(project: Project) -> Iterable[Problem]:
    """An indicator row without its target value prints an empty cell in a public document."""
    spec = project.kind.indicator_field
    if spec is None:
        return
    for index, row in enumerate(project.values.get(spec.key) or ()):
        for column in spec.columns:
            if column.warn_empty and _is_blank(row.get(column.key)):
                yield problem(project, f"{spec.key}.{index}.{column.key}", "warning", "empty-value",
                              f"指标“{row.get('三级指标') or row.get('三级目标') or index + 1}”的"
                              f"“{column.label}”为空，表中将留白")


def _is_blank(value) -> bool:
    return value is None or not str(value).strip()  # a score of 0 is not blank


@project_rule
def fields_filled(project: Project) -> Iterable[Problem]:
    """A field the kind marks warn_empty (e.g. the 自评表's 实际完成情况) prints an empty cell."""
    for dotted, spec in _fields(project.kind.fields):
        if spec.warn_empty and _is_blank(project.get(dotted)):
            yield problem(project, dotted, "warning", "empty-value", f"“{spec.label}”为空，表中将留白")


def _fields(specs, prefix: str = ""):
    """Every (dotted path, spec) of a kind's fields and groups, indicator columns excepted."""
    for spec in specs:
        yield prefix + spec.key, spec
        if spec.type == "group":
            yield from _fields(spec.fields, f"{prefix}{spec.key}.")


# The 自评表's arithmetic (figures.py) and scoring (scoring.py, which registers its own rules with
# @project_rule). Each acts only on a kind that asks for it: fields with `computed:`, or
# options.scoring in the kind's YAML.
from . import figures, scoring  # noqa: E402,F401  (imported last: they use this module)

project_rule(figures.written_figures_agree)
