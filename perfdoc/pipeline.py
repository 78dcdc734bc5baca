"""The story of a build: read a unit's specs, check them, render each form and the 汇总表.

    specs/<年度>/单位.yaml + 01_….yaml …
        ─load→ nodes with lines ─parse→ Unit, Projects ─check→ problems
        ─render→ .docx bytes ─write (temp file, rename)→ output/<年度>/

Read this module first; every step is a named call into the module that does it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import check, kinds as kinds_module
from .load import LoadError, load_file
from .model import Project, Unit
from .parse import parse_project, parse_unit, unit_templates
from .problems import Problem, sort_problems

UNIT_FILE_NAMES = ("单位.yaml", "单位.yml")
SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass
class Specs:
    """A unit's specs as read and checked: the model where it could be built, and every problem."""
    folder: Path
    unit: Unit | None = None
    projects: list[Project] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def errors_in(self, path: Path) -> list[Problem]:
        return [p for p in self.problems if p.is_error and p.path == path]

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


@dataclass
class BuildResult:
    specs: Specs
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


class UsageError(Exception):
    """The command was pointed at something that is not a spec folder."""


def read_specs(target: Path, *, templates: list[Path] = ()) -> Specs:
    """Load, parse and check a unit's specs (a folder, or one project file in it)."""
    target = Path(target)
    folder, only = (target.parent, target) if target.is_file() else (target, None)
    unit_path = find_unit_file(folder)
    specs = Specs(folder)

    # 1. The unit file, and the 模板 folder it may name: needed before the kinds are known.
    node = _load(unit_path, specs)
    folders, problems = unit_templates(unit_path, node or None)
    specs.problems += problems

    # 2. The form kinds: built-in ones, then the 模板 folder, then any --templates (later ones
    #    restyle a kind with a same-named .docx, or add kinds with their own .yaml).
    known_kinds = kinds_module.load_kinds([*folders, *templates])

    # 3. The unit file read against them: whose projects these are, the year, the form kind.
    if node is not False:
        specs.unit, problems = parse_unit(unit_path, node, known_kinds)
        specs.problems += problems

    # 4. Each project file, in file-name order: that order is the 汇总表's.
    for path in [only] if only else project_files(folder):
        node = _load(path, specs)
        if node is False or specs.unit is None:
            continue
        project, problems = parse_project(path, node, specs.unit)
        specs.problems += problems
        if project is not None:
            specs.projects.append(project)

    # 5. The form's rules, on each project and across the unit.
    if specs.unit is not None:
        specs.problems += check.check_unit(specs.unit, specs.projects)
    specs.problems = sort_problems(specs.problems)
    return specs


def build(target: Path, *, output: Path | None = None, templates: list[Path] = ()) -> BuildResult:
    """Read and check the specs, then write each valid project's form and the unit's 汇总表."""
    from .render import Renderer  # Jinja and lxml are needed only when rendering

    specs = read_specs(target, templates=templates)
    result = BuildResult(specs)
    unit = specs.unit
    if unit is None:
        return result
    out = Path(output) if output else Path("output") / str(unit.year)
    renderer = Renderer()
    good = []
    for project in specs.projects:
        if specs.errors_in(project.path):
            result.skipped.append((project.path, "规格有错误，未生成"))
            continue
        good.append(project)
    names = unique_file_names(unit, good)

    # One document per project …
    for project, name in zip(good, names):
        result.written.append(write_atomic(out / name, renderer.render(unit, [project], summary=False)))

    # … and the 汇总表 of them all, but only when every project made it in.
    summary_name = safe_file_name(unit.summary_title) + ".docx"
    if specs.has_errors:
        result.skipped.append((out / summary_name, "有项目存在错误，汇总表未生成"))
    elif good:
        result.written.append(write_atomic(out / summary_name, renderer.render(unit, good, summary=True)))
    return result


@dataclass
class Respelt:
    """One file as `perfdoc fmt` would leave it."""
    path: Path
    before: str
    after: str
    changes: list


def normalize(target: Path, *, templates: list[Path] = ()) -> tuple[list[Respelt], list[Problem]]:
    """Respell the indicator values of a unit's specs canonically (for `perfdoc fmt`)."""
    from .load import decode
    from .normalize import normalize_text
    target = Path(target)
    folder, only = (target.parent, target) if target.is_file() else (target, None)
    specs = read_specs(folder, templates=templates)
    if specs.unit is None:
        return [], specs.problems
    results, problems = [], []
    for path in [only] if only else project_files(folder):
        if any(p.path == path and p.rule.startswith(("yaml", "file", "encoding", "duplicate-key"))
               for p in specs.problems if p.is_error):
            problems += [p for p in specs.problems if p.path == path and p.is_error]
            continue
        text, _ = decode(path, path.read_bytes())
        after, changes = normalize_text(path, text, specs.unit.kind)
        results.append(Respelt(path, text, after, changes))
    return results, problems


def find_unit_file(folder: Path) -> Path:
    if not folder.is_dir():
        raise UsageError(f"找不到规格文件夹：{folder}")
    for name in UNIT_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise UsageError(f"{folder} 中没有单位文件 单位.yaml（写明 单位、年度 与各项目共用的 主管部门、实施单位）")


def project_files(folder: Path) -> list[Path]:
    """Every project spec in the folder, in natural file-name order (2_… before 10_…)."""
    files = [p for p in folder.iterdir()
             if p.suffix in SPEC_SUFFIXES and p.name not in UNIT_FILE_NAMES and not p.name.startswith(".")]
    return sorted(files, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)])


def _load(path: Path, specs: Specs):
    """Load one file's nodes; on failure record why and return False."""
    try:
        node, warnings = load_file(path)
    except LoadError as exc:
        specs.problems += exc.problems
        return False
    specs.problems += warnings
    return node


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_file_name(name: str) -> str:
    """A file name that is safe on Windows and POSIX and cannot leave the output folder."""
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    return name[:120] or "未命名项目"


def unique_file_names(unit: Unit, projects: list[Project]) -> list[str]:
    names, seen = [], {}
    for project in projects:
        values = {k: v for k, v in project.values.items() if isinstance(v, str)}
        try:
            base = safe_file_name(unit.kind.file_name.format(**{**values, "年度": unit.year}))
        except (KeyError, IndexError, ValueError):
            base = safe_file_name(project.name)
        seen[base] = seen.get(base, 0) + 1
        names.append(f"{base}.docx" if seen[base] == 1 else f"{base}_{seen[base]}.docx")
    return names


def write_atomic(path: Path, data: bytes) -> Path:
    """Write to a temporary name in the same folder, then rename: never a half-written document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path
