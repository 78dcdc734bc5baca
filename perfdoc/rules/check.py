"""Checking: every registered rule applied to a unit's projects.

Importing the rule modules registers their rules, in this order (problems at one place keep it):
the rules of every form, the 自评表's scoring rules, then its written figures against the computed.
Each 自评表 rule acts only on a kind that asks for it: fields with `computed:`, or
options.scoring in the kind's YAML.
"""
from __future__ import annotations

from ..input.model import Project, Unit
from ..input.problems import Problem
from . import figures, form_rules, scoring, years  # noqa: F401  (registering their rules)
from .registry import PROJECT_RULES, UNIT_RULES, project_rule

project_rule(figures.written_figures_agree)


def check_unit(unit: Unit, projects: list[Project]) -> list[Problem]:
    """Apply every rule to every project, then the rules that look across the unit."""
    problems: list[Problem] = []
    for project in projects:
        for rule in PROJECT_RULES:
            problems.extend(rule(project))
    for rule in UNIT_RULES:
        problems.extend(rule(unit, projects))
    return problems
