"""Start a year's self-evaluation (自评表) specs from the year's target (申报表) specs.

    perfdoc selfeval init specs/2025            → specs/2025-自评/单位.yaml, 01_….yaml …

Each new spec carries the targets beside the blanks for the results, so one file shows a project
from plan to outcome: the fields the kind's `options.scaffold.copy` names (项目名称, the budget
as 年初预算数, 年度总体目标 as 预期目标), every indicator row with its 年度指标值, and 分值
proposed from the standard weights. The results — 全年预算数, 全年执行数, 实际完成情况, each 实际
完成值 and 得分 — are left for the author. Nothing existing is overwritten unless asked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..make.pipeline import Specs, read_specs
from ..output.files import write_atomic
from ..rules.figures import set_path
from ..rules.scoring import POINTS, Scoring, split_points
from ..input import kinds as kinds_module
from ..input.folder import UsageError
from ..input.kinds import FieldSpec, FormKind
from ..input.model import Project
from ..input.problems import Problem
from ..input.specwriter import mapping, unit_file


@dataclass
class ScaffoldResult:
    specs: Specs                                          # the 申报表 specs read, with their problems
    folder: Path | None = None
    written: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)    # not overwritten: --force was not given
    notes: list[str] = field(default_factory=list)        # 分值 that could not be proposed

    @property
    def problems(self) -> list[Problem]:
        return self.specs.problems


def scaffold_selfeval(source: Path, *, output: Path | None = None, force: bool = False,
                      templates: list[Path] = ()) -> ScaffoldResult:
    """Write a self-evaluation spec for each project of a year's 申报表 specs, and its 单位.yaml."""
    specs = read_specs(source, templates=list(templates))
    result = ScaffoldResult(specs)
    if specs.unit is None or specs.has_errors:
        return result
    kind = selfeval_kind(kinds_module.load_kinds(list(templates)), specs.unit.kind)
    source_folder = source if source.is_dir() else source.parent
    result.folder = Path(output) if output else source_folder.parent / f"{source_folder.name}-自评"
    if result.folder.resolve() == source_folder.resolve():
        raise UsageError(f"自评表规格不能写进申报表规格所在的文件夹 {source_folder}：请用 -o 另选文件夹")

    files = {result.folder / "单位.yaml": unit_text(specs, kind)}
    for project in specs.projects:
        spec, notes = selfeval_spec(project, kind)
        files[result.folder / project.path.name] = header(project, kind) + mapping(spec, raw_keys=_RAW)
        result.notes += [f"{project.path}: {note}" for note in notes]

    result.existing = [path for path in files if path.exists()] if not force else []
    if not result.existing:
        result.written = [write_atomic(path, text.encode("utf-8")) for path, text in files.items()]
    return result


def selfeval_kind(kinds: dict[str, FormKind], source_kind: FormKind) -> FormKind:
    """The kind that scaffolds from `source_kind` (options.scaffold.source_kind names it)."""
    for kind in kinds.values():
        if (kind.options.get("scaffold") or {}).get("source_kind") == source_kind.name:
            return kind
    raise UsageError(f"这些规格的表式是“{source_kind.name}”：没有由它生成自评表的表式"
                     f"（自评表由申报表规格生成）")


# Written unquoted, so the file reads like the form: 1,515,000.00 and 10, not '10'.
_RAW = ("年初预算数", POINTS)


def unit_text(specs: Specs, kind: FormKind) -> str:
    unit = specs.unit
    return unit_file({"单位": unit.name, "年度": str(unit.year), "表式": kind.name, **unit.defaults})


def header(project: Project, kind: FormKind) -> str:
    scoring = Scoring.of(kind)
    weights = "、".join(f"{'与'.join(names)} {points}" for names, points in scoring.weights)
    return (f"# {kind.title}（{project.unit.year} 年度），由 {project.path} 生成。\n"
            f"# 待填写：项目资金的全年预算数、全年执行数；实际完成情况；每个指标的实际完成值和得分\n"
            f"#   （得分低于分值时，填写偏差原因分析及改进措施）。\n"
            f"# 分值按{scoring.basis}的标准权重拟定（预算执行率 {scoring.budget_points}、{weights}），"
            f"可以调整，合计须为 {scoring.full_marks}。\n"
            f"# 执行率、预算执行率的得分、总分留空时由 perfdoc 计算并打印；填写了则核对。\n")


def selfeval_spec(project: Project, kind: FormKind) -> tuple[dict[str, Any], list[str]]:
    """The new spec's values in the kind's field order, and notes on 分值 left unproposed."""
    copy = kind.options["scaffold"]["copy"]
    scoring = Scoring.of(kind)
    spec = _fields(kind.fields, "", project, copy)
    set_path(spec, f"{scoring.budget_row}.{POINTS}", scoring.budget_points)
    for unit_default in ("主管部门", "实施单位"):
        if spec.get(unit_default) == project.unit.defaults.get(unit_default):
            del spec[unit_default]  # the unit file says it once for every project
    rows, notes = indicator_rows(project, kind, scoring)
    spec[kind.indicator_field.key] = rows
    return spec, notes


def _fields(specs: tuple[FieldSpec, ...], prefix: str, project: Project, copy: dict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in specs:
        dotted = prefix + spec.key
        if spec.type == "group":
            values[spec.key] = _fields(spec.fields, dotted + ".", project, copy)
        elif spec.type == "indicators":
            values[spec.key] = []  # filled by indicator_rows, in its place in the form's order
        else:
            values[spec.key] = _as_text(project.get(copy[dotted])) if dotted in copy else ""
    return values


def _as_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"  # an amount, as the form prints it
    return "" if value is None else str(value)


def indicator_rows(project: Project, kind: FormKind, scoring: Scoring) -> tuple[list[dict], list[str]]:
    """Every indicator row of the 申报表, its target as 年度指标值, and a proposed 分值."""
    source, target = project.kind.indicator_field, kind.indicator_field
    rows = project.values.get(source.key) or []
    points = proposed_points([row.get("一级指标", "") for row in rows], scoring)
    new_rows = []
    for row, share in zip(rows, points):
        new_row = {}
        for column in target.columns:
            if column.key == target.value_column:
                new_row[column.key] = row.get(source.value_column) or ""
            elif column.key == POINTS:
                new_row[column.key] = "" if share is None else share
            else:
                new_row[column.key] = row.get(column.key) or ""
        new_rows.append(new_row)
    return new_rows, _weight_notes(rows, points, scoring)


def proposed_points(first_levels: list[str], scoring: Scoring) -> list[Decimal | None]:
    """分值 for each row: each weight shared over its 一级's rows in order (None: no weight)."""
    points: list[Decimal | None] = [None] * len(first_levels)
    for names, weight in scoring.weights:
        members = [i for i, level in enumerate(first_levels) if level in names]
        for i, share in zip(members, split_points(weight, len(members))):
            points[i] = share
    return points


def _weight_notes(rows: list[dict], points: list[Decimal | None], scoring: Scoring) -> list[str]:
    notes = []
    unweighted = sorted({row.get("一级指标", "") for row, share in zip(rows, points) if share is None})
    for level in unweighted:
        notes.append(f"一级指标“{level}”没有标准权重，其各行分值留空，请填写")
    levels = {row.get("一级指标") for row in rows}
    for names, weight in scoring.weights:
        if not levels & set(names):
            notes.append(f"没有“{'或'.join(names)}”的指标，其 {weight} 分未分配，请调整各行分值使合计为 {scoring.full_marks}")
    return notes
