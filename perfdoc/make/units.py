"""Many units at once: `perfdoc validate/build DIR` where DIR holds unit folders.

    specs/2025/一中/单位.yaml …   specs/2025/二中/单位.yaml …   (nested as deep as they like)
        each unit ─validate/build (pipeline.py), one at a time or -j across units→ output/2025/一中/ …
        each unit's small facts ─checks across units (rules/across.py)→ problems
        each unit's rows ─streamed (--xlsx)→ output/2025/<主管部门>2025年度项目绩效目标汇总表.xlsx

A unit is held only while it is built: what outlives it is its outcome (problems, files) and its
facts for the checks across units; with --xlsx its rows go into the workbook across units as
it arrives, in unit order whatever -j is, so the bytes do not depend on -j.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..input.folder import UNIT_FILE_NAMES, UsageError, find_unit_file, project_files
from ..input.problems import Problem
from ..output.files import safe_file_name
from . import incremental
from .pipeline import Specs, build, default_output, read_specs, read_unit

if TYPE_CHECKING:
    from ..rules.across import UnitFacts

# The kinds and the checks across units are imported where used: every build and validate asks
# is_units_folder first, and a unit's build that finds nothing changed loads neither.

UNITS_MANIFEST = ".perfdoc-units.json"


def find_units(folder: Path) -> list[Path]:
    """Every folder below `folder` that holds a 单位.yaml, in natural path order (hidden folders
    and symbolic links are not followed)."""
    return [path for path, kind in _walk(folder) if kind == "unit"]


def stray_spec_folders(folder: Path) -> list[Path]:
    """Folders below `folder` with .yaml files but no 单位.yaml (and no .docx: not a 模板 folder):
    their projects would be left out of every unit without a word."""
    return [path for path, kind in _walk(folder) if kind == "stray"]


def _walk(folder: Path) -> list[tuple[Path, str]]:
    import os
    found = []
    for root, dirs, files in os.walk(folder):   # symbolic links to folders are not followed
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        here = Path(root)
        if any(name in files for name in UNIT_FILE_NAMES):
            found.append((here, "unit"))
        elif any(Path(f).suffix in (".yaml", ".yml") and not f.startswith(".") for f in files) \
                and not any(f.endswith(".docx") for f in files):
            found.append((here, "stray"))
    return sorted(found, key=lambda item: [int(t) if t.isdigit() else t for t in
                                           re.split(r"(\d+)", item[0].relative_to(folder).as_posix())])


def is_units_folder(target: Path) -> bool:
    """A folder with no unit file of its own but unit folders below it."""
    target = Path(target)
    return target.is_dir() and not any((target / n).is_file() for n in UNIT_FILE_NAMES) and bool(find_units(target))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


@dataclass
class UnitOutcome:
    """What a unit's validation or build left: printed by the CLI, then dropped."""
    folder: Path
    out: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: int = 0
    failure: str = ""            # the unit could not be read or built at all (its message)
    refusal: str = ""            # why its rows cannot go into the workbook across units
    pdf_failed: bool = False     # build --pdf: a PDF could not be made
    facts: UnitFacts | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.failure) or any(p.is_error for p in self.problems)


@dataclass
class UnitsResult:
    """The whole run: counts, the problems across units, and the workbook across units."""
    units: int = 0
    failed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    across: list[Problem] = field(default_factory=list)
    workbook: Path | None = None
    workbook_unchanged: bool = False
    workbook_skipped: str = ""

    @property
    def has_errors(self) -> bool:
        return self.failed > 0 or self.counts["error"] > 0


OnUnit = Callable[[UnitOutcome], None]


def validate_units(folder: Path, *, templates: list[Path] = (), jobs: int = 1,
                   on_unit: OnUnit = lambda outcome: None) -> UnitsResult:
    """Check every unit below `folder`, then the units against each other."""
    units = find_units(folder)
    jobs_args = [(unit, None, list(templates), False, False, False, "", False, False) for unit in units]
    return _with_strays(_run(jobs_args, jobs, on_unit, workbook=None), folder)


def build_units(folder: Path, *, output: Path | None = None, templates: list[Path] = (), jobs: int = 1,
                force: bool = False, xlsx: bool = False, comments: str = "", pdf: bool = False,
                replace_other: bool = False, on_unit: OnUnit = lambda outcome: None) -> UnitsResult:
    """Build every unit below `folder` into its own output folder (OUT/<its path below folder>),
    and with `xlsx` the workbook across units into OUT."""
    folder = Path(folder)
    units = find_units(folder)
    base = Path(output) if output else default_output(folder)
    outs = [base / unit.relative_to(folder) for unit in units]
    plan = _plan_workbook(folder, units, base, list(templates), force) if xlsx else None
    rows_wanted = bool(plan and plan.target)
    jobs_args = [(unit, out, list(templates), force, xlsx, rows_wanted, comments, pdf, replace_other)
                 for unit, out in zip(units, outs)]
    return _with_strays(_run(jobs_args, jobs, on_unit, workbook=plan), folder)


def _with_strays(result: "UnitsResult", folder: Path) -> "UnitsResult":
    """Add an error for each folder of specs that no unit file claims."""
    from ..input.folder import project_files as spec_files
    for stray in stray_spec_folders(folder):
        first = spec_files(stray)[0]
        result.across.insert(0, Problem(first, 1, 1, "error", "no-unit-file",
                                        f"{stray} 中有规格文件，却没有单位文件 单位.yaml：其中的项目既不检查也不生成，"
                                        f"也不在跨单位的汇总中（请补上 单位.yaml，或移出这个文件夹）"))
        result.counts["error"] += 1
    return result


# -- one unit (in this process or a -j worker) ---------------------------------------------
def _one_unit(unit: Path, out: Path | None, templates: list[Path], force: bool, xlsx: bool, rows_wanted: bool,
              comments: str, pdf: bool, replace_other: bool):
    """Validate (out is None) or build one unit: its outcome, and its workbook rows if wanted."""
    # imported here, not at the top: cli imports this module for every build and validate, and
    # xlsxwriter costs one-file commands a tenth of their start-up
    from ..input.kinds import KindError
    from ..output.xlsx import CellTooLong
    from ..rules.across import facts_of
    from .workbook import too_long_for_excel, unit_rows_for_summary
    outcome = UnitOutcome(unit, out)
    try:
        if out is None:
            specs = read_specs(unit, templates=templates)
        else:
            result = build(unit, output=out, templates=templates, force=force, xlsx=xlsx, comments=comments,
                           pdf=pdf, replace_other=replace_other)
            specs = result.specs
            outcome.written, outcome.skipped, outcome.removed = result.written, result.skipped, result.removed
            if pdf:  # build --pdf: the PDFs made beside the documents, and what could not be
                outcome.written = [*outcome.written, *(result.pdfs.converted if result.pdfs else [])]
                outcome.skipped = [*outcome.skipped, *((path, f"未转换为 PDF：{why}")
                                                       for path, why in (result.pdfs.failed if result.pdfs else []))]
                if result.pdf_error:
                    outcome.skipped.append((out, f"未生成 PDF：{result.pdf_error}"))
                outcome.pdf_failed = bool(result.pdf_error or (result.pdfs and result.pdfs.failed))
            outcome.unchanged = len(result.unchanged)
            if specs.unit is None:  # nothing changed, so the build only replayed its problems
                outcome.facts = None if rows_wanted else _remembered_facts(unit, out)
                if outcome.facts is None:  # read again for the facts (and rows)
                    specs = read_specs(unit, templates=templates)
        outcome.problems = specs.problems
        if specs.unit is not None:
            outcome.facts = facts_of(specs.unit, specs.projects)
            if out is not None:
                _remember_facts(unit, out, outcome.facts)
        rows = None
        if rows_wanted and specs.unit is not None and not specs.has_errors:
            outcome.refusal = too_long_for_excel(specs.projects) or ""
            if not outcome.refusal:
                rows = unit_rows_for_summary(specs.unit, specs.projects, unit.as_posix())
        return outcome, rows
    except (UsageError, KindError, CellTooLong, OSError) as exc:
        outcome.failure = str(exc) if not isinstance(exc, OSError) else f"无法写入：{exc.filename or ''} {exc.strerror or exc}"
        return outcome, None


# A unit's facts for the checks across units, kept beside its manifest: a build in which nothing
# changed replays the unit's problems without reading its specs, and takes the facts from here.
FACTS_NAME = ".perfdoc-facts.json"


def _remember_facts(unit: Path, out: Path, facts: UnitFacts) -> None:
    """Store the facts under the inputs digest of the unit's last build (its manifest's)."""
    import json
    from ..output.files import write_atomic
    manifest = incremental.Manifest.load(out, unit)
    if manifest is None:
        return
    def place(where):
        return None if where is None else [where[0].name, where[1], where[2]]
    data = {"inputs": manifest.inputs, "unit": [facts.path.name, facts.name, facts.year, facts.kind,
                                                 place(facts.year_at), place(facts.kind_at)],
            "projects": [[p.name, p.implementer, p.department, place(p.name_at), place(p.department_at)]
                         for p in facts.projects]}
    write_atomic(out / FACTS_NAME, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _remembered_facts(unit: Path, out: Path) -> UnitFacts | None:
    """The stored facts, if they were made from exactly the inputs of the build just replayed."""
    import json
    from ..rules.across import ProjectFacts, UnitFacts
    manifest = incremental.Manifest.load(out, unit)
    try:
        data = json.loads((out / FACTS_NAME).read_text(encoding="utf-8"))
        if manifest is None or data["inputs"] != manifest.inputs:
            return None
        def place(where):
            return None if where is None else (unit / where[0], where[1], where[2])
        file, name, year, kind, year_at, kind_at = data["unit"]
        projects = tuple(ProjectFacts(n, i, d, place(at), place(d_at)) for n, i, d, at, d_at in data["projects"])
        return UnitFacts(unit / file, name, year, kind, place(year_at), place(kind_at), projects)
    except (OSError, ValueError, KeyError, TypeError):
        return None   # absent or damaged: read the specs instead


# -- the run ---------------------------------------------------------------------------------
def _run(jobs_args: list[tuple], jobs: int, on_unit: OnUnit, workbook: "_WorkbookPlan | None") -> UnitsResult:
    from ..rules.across import check_units
    result = UnitsResult()
    facts: list[UnitFacts] = []
    writer, complete, refusal = None, bool(workbook and workbook.target), ""
    try:
        for outcome, rows in _in_order(jobs_args, jobs):
            result.units += 1
            result.failed += bool(outcome.failure) or outcome.pdf_failed
            for problem in outcome.problems:
                result.counts[problem.severity] += 1
            if outcome.facts:
                facts.append(outcome.facts)
            if complete:
                if rows is None:
                    complete = False   # a unit with errors: the workbook would lack its projects
                    refusal = outcome.refusal
                else:
                    writer = writer or workbook.open()
                    writer.add(rows)
            on_unit(outcome)
        result.across = check_units(facts)
        for problem in result.across:
            result.counts[problem.severity] += 1
        if workbook is not None:
            _finish_workbook(workbook, writer, complete, result, refusal)
    finally:
        if workbook is not None:
            workbook.discard()
    return result


def _in_order(jobs_args: list[tuple], jobs: int):
    """Each unit's (outcome, rows), in unit order; with jobs > 1 from that many processes, never
    more than 2 × jobs units ahead of the one being written (memory stays flat)."""
    if jobs <= 1 or len(jobs_args) <= 1:
        for args in jobs_args:
            yield _one_unit(*args)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from .parallel import START_METHOD
    context = multiprocessing.get_context(START_METHOD)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending, queue = deque(), iter(jobs_args)
        for args in queue:
            pending.append(pool.submit(_one_unit, *args))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            yield pending.popleft().result()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.submit(_one_unit, *following))


# -- the workbook across units -------------------------------------------------------------
@dataclass
class _WorkbookPlan:
    """Where the workbook across units goes and whether it must be written (target set)."""
    path: Path | None = None
    key: str = ""
    target: Path | None = None           # the temporary file being written
    title: str = ""
    kind: object = None
    skipped: str = ""
    writer: object = None

    def open(self):
        from .workbook import UnitsWorkbook
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.writer = UnitsWorkbook(str(self.target), self.kind, self.title)
        return self.writer

    def discard(self) -> None:
        if self.target is not None and self.target.exists():
            self.target.unlink()


def _plan_workbook(folder: Path, units: list[Path], base: Path, templates: list[Path], force: bool) -> _WorkbookPlan:
    """Read the unit files (not the projects): one year and kind? Then the workbook's name and
    title, and whether the one already there was made from exactly these inputs."""
    from ..input.kinds import KindError
    plan, found, digests = _WorkbookPlan(), [], []
    for unit_folder in units:
        try:
            unit_path = find_unit_file(unit_folder)
            unit, kind_folders = read_unit(unit_path, templates, Specs(unit_folder))
            digests.append(incremental.read_inputs(unit_path, project_files(unit_folder), kind_folders).digest)
        except (UsageError, KindError):
            unit = None
        if unit is None:
            plan.skipped = f"单位文件有错误（{unit_folder}），跨单位工作簿未生成"
            return plan
        found.append(unit)
    if not found:
        return plan
    years, kinds = {u.year for u in found}, {u.kind.name for u in found}
    if len(years) > 1 or len(kinds) > 1:
        plan.skipped = f"各单位的年度或表式不一致（{'、'.join(map(str, sorted(years)))}；{'、'.join(sorted(kinds))}），跨单位工作簿未生成"
        return plan
    departments = {u.defaults.get("主管部门") for u in found}
    name = departments.pop() if len(departments) == 1 and None not in departments else _folder_name(folder)
    kind, year = found[0].kind, found[0].year
    plan.title = kind.summary_title.format(单位=name, 年度=year)
    plan.kind = kind
    plan.path = base / (safe_file_name(plan.title) + ".xlsx")
    plan.key = _digest(plan.path.name, *[u.as_posix() for u in units], *digests)
    recorded = _recorded(base)
    if not force and recorded.get("key") == plan.key and _matches(plan.path, recorded):
        return plan   # up to date: no target, nothing written
    plan.target = plan.path.with_name(f".{plan.path.name}.units.tmp")
    return plan


def _digest(*parts: str) -> str:
    import hashlib
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8")
        hasher.update(len(data).to_bytes(8, "little") + data)
    return hasher.hexdigest()


def _folder_name(folder: Path) -> str:
    name = Path(folder).resolve().name
    return "各单位" if not name or name.isdigit() else name


def _recorded(base: Path) -> dict:
    import json
    try:
        data = json.loads((base / UNITS_MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _matches(path: Path, recorded: dict) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return recorded.get("workbook") == path.name and recorded.get("size") == stat.st_size \
        and recorded.get("mtime_ns") == stat.st_mtime_ns


def _finish_workbook(plan: _WorkbookPlan, writer, complete: bool, result: UnitsResult, refusal: str = "") -> None:
    """Rename the finished workbook into place, or say why there is none (and remove a stale one)."""
    import json
    import os
    from ..output.files import write_atomic
    if plan.skipped or (plan.target and not complete):
        result.workbook_skipped = plan.skipped or (f"跨单位工作簿未生成：{refusal}" if refusal
                                                   else "有单位存在错误，跨单位工作簿未生成")
        if plan.path is not None and plan.path.exists():
            plan.path.unlink()   # stale: it no longer matches the specs
        return
    if plan.path is None:
        return
    if plan.target is None or writer is None:
        result.workbook, result.workbook_unchanged = plan.path, True
        return
    writer.close()
    os.replace(plan.target, plan.path)
    stat = plan.path.stat()
    record = {"workbook": plan.path.name, "key": plan.key, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    write_atomic(plan.path.parent / UNITS_MANIFEST, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    result.workbook = plan.path
