"""From forms read to the unit's spec files: 单位.yaml and one 01_<项目名称>.yaml per project.

Values are written as printed: texts exactly, amounts with the digits the form shows (written
unquoted, as in the examples), dates as YYYY-MM-DD. What every project shares (主管部门,
实施单位) goes into 单位.yaml once, as in the example specs; a field the form prints as the
unit's name when blank (the 2020 申报单位名称) is left out where it is the unit's name.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...input.kinds import FieldSpec, FormKind
from ...input.specwriter import comment, mapping, schema_line, unit_file
from ...output.files import safe_file_name
from .forms import Doubt, FormRead, Reading
from .layout import layout_of

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass
class SpecFiles:
    texts: dict[Path, str] = field(default_factory=dict)
    kind: FormKind | None = None
    doubts: list[Doubt] = field(default_factory=list)
    refusal: str = ""


def make_specs(readings: list[tuple[Reading, FormKind]], output: Path) -> SpecFiles:
    """The spec files of every form read, as one unit in one folder."""
    files = SpecFiles()
    kinds = {kind.name for _, kind in readings}
    if len(kinds) > 1:
        files.refusal = f"这些文件的表式不同（{'、'.join(sorted(kinds))}）：一个单位一年的规格只用一种表式，请分别导入"
        return files
    kind = files.kind = readings[0][1]
    layout = layout_of(kind)
    forms = [(reading, form) for reading, _ in readings for form in reading.forms]
    unit, year = unit_and_year(forms, kind, layout, files, output)
    if year is None:
        files.refusal = "无法确定年度：表中没有“(2025年度)”这样的标题，也没有计划开始日期（可输出到以年度命名的文件夹，如 -o specs/2025）"
        return files
    defaults = shared_defaults(forms, kind, layout, unit)
    unit_values = {"单位": unit, "年度": str(year), "表式": kind.name, **defaults}
    files.texts[output / "单位.yaml"] = schema_line("单位") + unit_file(unit_values)
    names: set[str] = set()
    for number, (reading, form) in enumerate(forms, 1):
        missing: list[str] = []
        values = project_values(kind, layout, form, reading.source, unit, defaults, files.doubts, missing)
        if missing:
            files.doubts.append(Doubt(reading.source, "", "、".join(missing),
                                      f"“{values.get('项目名称', '')}”的表中没有这些栏目，规格中留空"))
        name = str(values.get("项目名称") or f"项目{number}")
        stem = f"{number:02d}_" + re.sub(r"\s", "_", safe_file_name(name))
        while stem in names:
            stem += "_"
        names.add(stem)
        raw = _raw_keys(kind.fields)
        source = f"由 perfdoc import 导入自 {reading.source}" + (f"（{form.title}）" if form.title else "")
        files.texts[output / f"{stem}.yaml"] = schema_line(kind.name) + comment(source) + mapping(values, raw_keys=raw)
    return files


def unit_and_year(forms: list[tuple[Reading, FormRead]], kind: FormKind, layout, files: SpecFiles, output: Path):
    """单位 and 年度: from the 汇总表's title, else from the forms themselves (and said so)."""
    units = [r.unit for r, _ in forms if r.unit]
    years = [r.year for r, _ in forms if r.year] + [f.year for _, f in forms if f.year]
    unit = units[0] if units else ""
    if not unit:
        for path in [*sorted(layout.unit_fallback), "实施单位"]:
            found = [f.values.get(path) for _, f in forms if f.values.get(path)]
            if found:
                unit = found[0]
                files.doubts.append(Doubt(forms[0][0].source, "", "单位",
                                          f"没有汇总表标题，取表中的“{path}”：{unit}"))
                break
    if not unit:   # left blank, never invented: validate lists it as 待填写
        files.doubts.append(Doubt(forms[0][0].source, "", "单位", "表中找不到单位名称，单位.yaml 中留空，请填写"))
    year = years[0] if years else None
    if year is None:
        dates = [_date(f.values.get("计划开始日期") or "") for _, f in forms]
        dates = [d for d in dates if d]
        if dates:
            year = int(dates[0][:4])
            files.doubts.append(Doubt(forms[0][0].source, "", "年度", f"表中没有年度标题，按计划开始日期取 {year}"))
    if year is None and re.fullmatch(r"\d{4}", output.name):
        year = int(output.name)
        files.doubts.append(Doubt(forms[0][0].source, "", "年度", f"表中没有年度，按输出文件夹名取 {year}"))
    if len(set(years)) > 1:
        files.doubts.append(Doubt(forms[0][0].source, "", "年度",
                                  f"各表的年度不同（{'、'.join(map(str, sorted(set(years))))}），取 {year}"))
    return unit, year


def shared_defaults(forms, kind: FormKind, layout, unit: str) -> dict[str, str]:
    """The unit-default fields every project shares, said once in 单位.yaml."""
    defaults = {}
    for spec in kind.fields:
        if not spec.unit_default or spec.key in layout.unit_fallback:
            continue
        values = {f.values.get(spec.key, "") for _, f in forms}
        if len(values) == 1 and next(iter(values)):
            defaults[spec.key] = next(iter(values))
    return defaults


def project_values(kind: FormKind, layout, form: FormRead, source: str, unit: str,
                   defaults: dict[str, str], doubts: list[Doubt], missing: list[str]) -> dict[str, Any]:
    """One project's spec values in the kind's field order; the labels of fields not found go
    to `missing`."""
    # the heading field (表名) is read from the title line, never from a cell
    values = _group(kind.fields, "", form, source, doubts, missing, layout.title_field)
    for key in list(values):
        spec = kind.field(key)
        if spec.unit_default and (values[key] == defaults.get(key) or
                                  (key in layout.unit_fallback and values[key] in (unit, ""))):
            del values[key]
    if layout.title_field and layout.title_field in values:
        title = values[layout.title_field] or form.title
        if not title or title == kind.title:
            del values[layout.title_field]
        else:
            values[layout.title_field] = title
    return values


def _group(specs: tuple[FieldSpec, ...], prefix: str, form: FormRead, source: str,
           doubts: list[Doubt], missing: list[str], title_field: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in specs:
        path = prefix + spec.key
        if spec.type == "group":
            group = _group(spec.fields, path + ".", form, source, doubts, missing, title_field)
            if spec.required or any(_filled(v) for v in group.values()):
                values[spec.key] = group
        elif spec.type == "indicators":
            values[spec.key] = [{c.key: row.get(c.key, "") for c in spec.columns} for row in form.rows]
            if not form.rows:
                missing.append(spec.label)
        else:
            value = form.values.get(path)
            if value is None and not spec.unit_default and path != title_field:
                missing.append(spec.label)
            if spec.type == "date" and value:
                value = _date_as_iso(value, form, path, source, doubts)
            if value or spec.type != "amount" or spec.required or spec.warn_empty or \
                    not any(s.required for s in specs):
                values[spec.key] = value or ""   # blank optional amounts beside required ones: left out
    return values


def _filled(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return bool(value)


def _date(text: str) -> str | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def _date_as_iso(value: str, form: FormRead, path: str, source: str, doubts: list[Doubt]) -> str:
    iso = _date(value)
    if iso and iso != value:
        doubts.append(Doubt(source, form.where.get(path, ""), path, f"日期“{value}”写作 {iso}"))
    return iso or value


def _raw_keys(specs: tuple[FieldSpec, ...]) -> tuple[str, ...]:
    """Keys written unquoted as in the examples: amounts, numbers, dates."""
    keys = set()
    for spec in specs:
        if spec.type in ("amount", "number", "percent", "date") or spec.format == "amount":
            keys.add(spec.key)
        keys |= set(_raw_keys(spec.fields + spec.columns))
    return tuple(sorted(keys))
