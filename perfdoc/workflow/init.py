"""Start a unit's year from nothing: a 单位.yaml and one commented project skeleton.

    perfdoc init specs/2027 --单位 某某中学      → specs/2027/单位.yaml, specs/2027/01_项目.yaml

The skeleton is written from the form kind, so every kind gets one: every required field as an
empty key (validate lists each as a `to-fill` error, and build prints nothing until it is
filled), the accepted values of fields like 项目性质/项目类别 in comments, the year's indicator
framework as rows, and the optional fields commented out. Nothing is invented: only what the
form fixes for the year (年度, 表式, the framework's 一级/二级, the year's first and last day as
the dates of an annual project) is filled in. An existing file is never overwritten.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..input import kinds as kinds_module
from ..input.folder import UNIT_FILE_NAMES, UsageError, project_files
from ..input.kinds import FieldSpec, FormKind
from ..input.specwriter import scalar
from ..output.files import write_atomic

PROJECT_FILE = "01_项目.yaml"
COMMENT_AT = 30  # display column where a line's comment starts


@dataclass
class InitResult:
    folder: Path
    kind: FormKind
    year: int
    written: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)   # already there: never overwritten


def init_unit(folder: Path, *, unit_name: str | None = None, year: int | None = None,
              kind_name: str | None = None, templates: list[Path] = ()) -> InitResult:
    """Write a unit file and a project skeleton into `folder`, leaving any existing file alone."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} 已存在且不是文件夹")
    year = year or year_from_name(folder.name) or dt.date.today().year
    kinds = kinds_module.load_kinds(list(templates))
    kind = _choose_kind(kinds, kind_name, year)
    result = InitResult(folder, kind, year)
    files = {folder / UNIT_FILE_NAMES[0]: unit_skeleton(kind, year, unit_name, explicit_kind=bool(kind_name))}
    if not (folder.is_dir() and project_files(folder)):  # a unit that has projects needs no example
        files[folder / PROJECT_FILE] = project_skeleton(kind, year)
    for path, text in files.items():
        if path.exists() or (path.name in UNIT_FILE_NAMES and _has_unit_file(folder)):
            result.existing.append(path)
        else:
            result.written.append(write_atomic(path, text.encode("utf-8")))
    return result


def year_from_name(name: str) -> int | None:
    """The year a spec folder is named after: specs/2027, specs/2027-一中."""
    found = re.match(r"(\d{4})(?!\d)", name)
    return int(found.group(1)) if found else None


def _choose_kind(kinds: dict[str, FormKind], name: str | None, year: int) -> FormKind:
    if name:
        if name not in kinds:
            raise UsageError(f"没有名为“{name}”的表式（可用：{'、'.join(kinds)}）")
        return kinds[name]
    kind = kinds_module.default_kind(kinds, year)
    if kind is None:
        raise UsageError(f"{year} 年度没有默认表式：请用 --表式 指定（可用：{'、'.join(kinds)}）")
    return kind


def _has_unit_file(folder: Path) -> bool:
    return any((folder / name).exists() for name in UNIT_FILE_NAMES)


# -- the unit file -------------------------------------------------------------------------
def unit_skeleton(kind: FormKind, year: int, unit_name: str | None, *, explicit_kind: bool) -> str:
    """单位.yaml: whose projects, the year, the form, and the fields every project shares."""
    default = "" if explicit_kind else f"{year} 年度的默认表式"
    lines = ["# 单位文件：本单位本年度各项目共用的信息（perfdoc init 生成）。",
             "# 空着的栏目都要填写；perfdoc validate 会逐条列出（to-fill）。",
             _line("单位: " + scalar(unit_name or ""), "单位全称，印在汇总表的标题中"),
             f"年度: {year}",
             _line(f"表式: {kind.name}", "；".join(filter(None, [default, "可用的表式见 perfdoc forms"])))]
    for spec in kind.fields:
        if spec.unit_default:
            lines.append(_line(f"{spec.key}:", "各项目共用；项目文件中写了的以项目文件为准"))
    return "\n".join(lines) + "\n"


# -- a project file ------------------------------------------------------------------------
def project_skeleton(kind: FormKind, year: int) -> str:
    """One project's spec with every field of the form, commented, to fill in."""
    head = ["# 一个项目的规格（perfdoc init 生成）：键是表上印的栏目名称。",
            "# 空着的栏目都要填写，perfdoc validate 逐条列出（to-fill）；没填完的项目不生成表格。",
            "# 写多行文字（分段）用“键: |-”，下一行起缩进两格，一段一行；值以 > ! * & | - % @ 开头",
            "# 或含“ #”“: ”时加引号，如 指标值: \">90%\"。",
            "# 每个项目一个文件：复制本文件为 02_….yaml 写下一个项目；文件名的顺序就是汇总表中的顺序。"]
    dates = kind.checks.get("date_range") or []
    body = []
    for spec in kind.fields:
        body += _field(spec, "", kind, year, dates)
    return "\n".join(head + body) + "\n"


def _field(spec: FieldSpec, indent: str, kind: FormKind, year: int, dates: list[str],
           commented: bool = False) -> list[str]:
    """The lines of one field; an optional one that is not text is commented out (once)."""
    if spec.unit_default:
        return [_line(f"{indent}# {spec.key}:", "不写时用单位文件中的值")]
    if spec.type == "indicators":
        return _indicator_rows(spec, indent, kind, year)
    comment_out = not commented and not spec.required and spec.type != "text"
    if spec.type == "group":
        lines = [_line(f"{indent}{spec.key}:", _describe(spec))]
        for child in spec.fields or spec.columns:
            lines += _field(child, indent + "  ", kind, year, [], commented or comment_out)
    else:
        value = ""
        if spec.type == "date" and spec.key in dates:
            value = f"{year}-01-01" if spec.key == dates[0] else f"{year}-12-31"
        lines = [_line(f"{indent}{spec.key}: {value}".rstrip(), _describe(spec, year if value else None))]
    return [_commented(line) for line in lines] if comment_out else lines


def _describe(spec: FieldSpec, year: int | None = None) -> str:
    """The comment beside a field: the label the form prints, the accepted values, the format."""
    notes = []
    if spec.label != spec.key:
        notes.append(f"表中印作“{spec.label}”")
    if spec.known:
        notes.append("可填：" + "、".join(spec.known))
    if spec.type == "amount" or spec.format == "amount":
        notes.append("金额（元），如 1,515,000.00")
    if spec.type == "date":
        notes.append("YYYY-MM-DD" + (f"；只写 {year} 年度的日期，多年项目的全貌写在项目资金总额和项目总目标"
                                     if year else ""))
    if spec.type in ("number", "percent"):
        notes.append("数字" if spec.type == "number" else "百分数，如 99.70%")
    if spec.computed:
        notes.append("可留空，由 perfdoc 计算")
    if spec.warn_empty:
        notes.append("为空时表中留白")
    elif not spec.required and spec.type != "group":
        notes.append("可不写")
    return "；".join(notes)


def _indicator_rows(spec: FieldSpec, indent: str, kind: FormKind, year: int) -> list[str]:
    """The year's indicator framework, one row per 二级 (or per 一级 where it has none)."""
    framework = kind.framework_for(year)
    first, second = (spec.merge + ("", ""))[:2]
    lines = [_line(f"{indent}{spec.key}:", f"{year} 年度的指标体系：每个二级一行；不需要的行整行删除，"
                                          "同一二级有几个三级就复制几行")]
    groups = [(one, twos or ("",)) for one, twos in framework.levels.items()] if framework else [("", ("",))]
    for one, twos in groups:
        for two in twos:
            prefix = f"{indent}  - "
            for column in spec.columns:
                value = one if column.key == first else two if column.key == second else ""
                lines.append(_line(f"{prefix}{column.key}: {scalar(value)}".rstrip(),
                                   _describe(column) if column.key not in (first, second) else ""))
                prefix = f"{indent}    "
    return lines


def _commented(line: str) -> str:
    stripped = line.lstrip(" ")
    return line[: len(line) - len(stripped)] + "# " + stripped


def _line(code: str, comment: str) -> str:
    """`code`, and the comment after it at COMMENT_AT display columns (CJK counts two)."""
    if not comment:
        return code
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in code)
    return f"{code}{' ' * max(2, COMMENT_AT - width)}# {comment}"
