"""Checks across the units of a folder (`perfdoc validate/build DIR` over many unit folders).

A 主管部门 or 财政局 collects many units' specs; what no single unit can see:

- the same project (项目名称 and 实施单位) declared by two units — counted twice in the totals;
- one 主管部门 spelled two ways (上海市科委 / 上海市科学技术委员会, a stray space, full-width
  brackets) — the published tables disagree and a sum by 主管部门 splits;
- units of different years or form kinds in one folder — one workbook across them is meaningless.

A build holds one unit at a time, so each unit is reduced to its small `UnitFacts` (names and
where they were written) and only those are kept for these checks.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..input.model import Project, Unit
from ..input.problems import Problem

Place = tuple[Path, int, int]


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    implementer: str        # 实施单位 (or the unit's name where the form has none)
    department: str | None  # 主管部门 as written, or the unit file's
    name_at: Place
    department_at: Place | None


@dataclass(frozen=True)
class UnitFacts:
    path: Path               # the unit file
    name: str
    year: int
    kind: str
    year_at: Place
    kind_at: Place
    projects: tuple[ProjectFacts, ...]


def facts_of(unit: Unit, projects: list[Project]) -> UnitFacts:
    """What the checks across units need of one unit."""
    def unit_place(key: str) -> Place:
        return (unit.path, *unit.lines.get(key, (1, 1)))

    facts = []
    for project in projects:
        department = project.get("主管部门")
        if "主管部门" in project.lines:
            department_at = (project.path, *project.where("主管部门"))
        elif department is not None:
            department_at = unit_place("主管部门")
        else:
            department_at = None
        implementer = project.get("实施单位") or project.get("申报单位名称") or unit.name
        facts.append(ProjectFacts(project.name, str(implementer), department,
                                  (project.path, *project.where("项目名称")), department_at))
    return UnitFacts(unit.path, unit.name, unit.year, unit.kind.name, unit_place("年度"),
                     unit_place("表式") if "表式" in unit.lines else (unit.path, 1, 1), tuple(facts))


def check_units(units: list[UnitFacts]) -> list[Problem]:
    """Every problem across the units, in the order of the units."""
    return [*_mixed(units, "units-year", "年度", "year"), *_mixed(units, "units-kind", "表式", "kind"),
            *_projects_in_two_units(units), *_department_spellings(units)]


def _mixed(units: list[UnitFacts], rule: str, label: str, attribute: str) -> list[Problem]:
    """A unit whose 年度 (or 表式) differs from most units' in the folder."""
    counts = Counter(getattr(u, attribute) for u in units)
    if len(counts) < 2:
        return []
    common, how_many = counts.most_common(1)[0]
    problems = []
    for unit in units:
        value = getattr(unit, attribute)
        if value != common:
            path, line, col = getattr(unit, f"{attribute}_at")
            problems.append(Problem(path, line, col, "warning", rule,
                                    f"单位“{unit.name}”的{label}是“{value}”，而同一文件夹中 {how_many} 个单位是“{common}”："
                                    f"不同{label}的单位不宜合在一起汇总（跨单位工作簿不会生成）"))
    return problems


def _projects_in_two_units(units: list[UnitFacts]) -> list[Problem]:
    """The same 项目名称 with the same 实施单位 in two units: a project declared twice."""
    first: dict[tuple[str, str], tuple[UnitFacts, ProjectFacts]] = {}
    problems = []
    for unit in units:
        for project in unit.projects:
            key = (_normal(project.name), _normal(project.implementer))
            if key not in first:
                first[key] = (unit, project)
                continue
            other_unit, other = first[key]
            if other_unit is unit:
                continue  # within one unit: duplicate-project says so already
            path, line, col = other.name_at
            problems.append(Problem(*project.name_at, "warning", "project-in-two-units",
                                    f"项目“{project.name}”（实施单位 {project.implementer}）也由单位“{other_unit.name}”申报"
                                    f"（{path}:{line}）：主管部门汇总时会重复计算"))
    return problems


def _department_spellings(units: list[UnitFacts]) -> list[Problem]:
    """A 主管部门 written two ways: equal once spaces and full-width forms are set aside, or one
    an abbreviation of the other (上海市科委 in 上海市科学技术委员会)."""
    counts: Counter[str] = Counter()
    places: dict[str, dict[Place, None]] = {}   # an ordered set: each place once, in order
    for unit in units:
        for project in unit.projects:
            if project.department and project.department_at:
                counts[project.department] += 1
                places.setdefault(project.department, {})[project.department_at] = None
    names = sorted(counts, key=lambda n: (-counts[n], n))   # the most used spelling first
    problems, reported = [], set()
    for i, usual in enumerate(names):
        for other in names[i + 1:]:
            if other in reported or not _same_department(usual, other):
                continue
            reported.add(other)
            for path, line, col in places[other]:
                problems.append(Problem(path, line, col, "warning", "department-spelling",
                                        f"主管部门写作“{other}”，其他 {counts[usual]} 个项目写作“{usual}”："
                                        f"同一主管部门应写法一致"))
    return problems


def _normal(text: str) -> str:
    """Set aside what does not change a name: spaces, full-width forms (（） → ())."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _same_department(a: str, b: str) -> bool:
    a, b = _normal(a), _normal(b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and short[:2] == long[:2] and _is_subsequence(short, long)


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(c in letters for c in short)
