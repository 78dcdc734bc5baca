"""The register of rules, and the helpers every rule uses to report in the form's own words.

A rule is a function `(project) -> problems` registered with @project_rule, or
`(unit, projects) -> problems` registered with @unit_rule. Rules read the kind's data (its sum
rules, framework, known values), so one rule serves every form kind.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Iterable

from ..input.model import Project, Unit
from ..input.problems import Problem

ProjectRule = Callable[[Project], Iterable[Problem]]
UnitRule = Callable[[Unit, list[Project]], Iterable[Problem]]
# A check of one indicator row, `(rows, index, row) -> None`, reporting through `rows`
# (form_rules.Rows): every such check is applied in one walk of a project's rows.
RowCheck = Callable[[Any, int, dict], None]
PROJECT_RULES: list[ProjectRule] = []
UNIT_RULES: list[UnitRule] = []
ROW_CHECKS: list[RowCheck] = []


def project_rule(fn: ProjectRule) -> ProjectRule:
    PROJECT_RULES.append(fn)
    return fn


def unit_rule(fn: UnitRule) -> UnitRule:
    UNIT_RULES.append(fn)
    return fn


def row_check(fn: RowCheck) -> RowCheck:
    ROW_CHECKS.append(fn)
    return fn


def problem(project: Project, dotted: str, severity: str, rule: str, message: str) -> Problem:
    line, col = project.where(dotted)
    return Problem(project.path, line, col, severity, rule, message, field=dotted)


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
