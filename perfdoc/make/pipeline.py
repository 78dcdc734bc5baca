"""The story of a build: read a unit's specs, check them, render each form and the 汇总表.

    specs/<年度>/单位.yaml + 01_….yaml …
        ─load→ nodes with lines ─parse→ Unit, Projects ─check→ problems
        ─render→ .docx bytes ─write (temp file, rename)→ output/<spec folder>/

Read this module first; every step is a named call into the module that does it.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..output.files import remove_temporary_litter, safe_file_name, write_atomic
from ..input.folder import UsageError, builtin_dir, find_unit_file, project_file_names, project_files
from ..input.problems import Problem, sort_problems
from . import incremental
from .lock import OutputLock

if TYPE_CHECKING:
    from ..input.model import Project, Unit
    from ..output.pdf import Conversion
    from .documents import Document

# Reading (YAML, the kinds, the parser) and writing (documents) are imported where they are
# used: a build that finds nothing changed (step 0 of `build`) reads no spec and writes nothing.


@dataclass
class Specs:
    """A unit's specs as read and checked: the model where it could be built, and every problem."""
    folder: Path
    unit: Unit | None = None
    projects: list[Project] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unit_templates: list[str] | None = None  # read_unit's: the unit file's 模板 folder, as recorded

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
    unchanged: list[Path] = field(default_factory=list)   # up to date since the last build: not rewritten
    removed: list[Path] = field(default_factory=list)     # the last build's, outdated now
    pdfs: Conversion | None = None                        # with pdf=True: the PDFs made, the failures
    pdf_error: str = ""                                   # LibreOffice missing, failed or timed out


Progress = Callable[[int, int], None]  # (documents written so far, documents to write)
ReadProject = Callable[[Path, "Unit | None"], "tuple[Project | None, list[Problem]]"]


def read_specs(target: Path, *, templates: list[Path] = (), read_project: ReadProject | None = None,
               check: bool = True, unit_read: Specs | None = None) -> Specs:
    """Load, parse and check a unit's specs (a folder, or one project file in it); without
    `check`, only what reading finds (`perfdoc diff` compares, it does not judge).

    `read_project` reads one project file (default: `read_project_file`); `perfdoc serve` passes
    one that keeps the files it read and reads again only those that changed. `unit_read` is
    the unit file as read_unit just read it into a Specs (its unit and problems), not read again."""
    target = Path(target)
    folder, only = (target.parent, target) if target.is_file() else (target, None)
    specs = Specs(folder)

    # 1.–3. The unit file, the form kinds it may restyle, and the unit read against them.
    unit_path = find_unit_file(folder)
    if unit_read is None:
        specs.unit, _ = read_unit(unit_path, templates, specs)
    else:
        specs.unit, specs.problems = unit_read.unit, list(unit_read.problems)

    # 4. Each project file, in file-name order: that order is the 汇总表's.
    paths = [only] if only else project_files(folder)
    if not paths:
        specs.problems.append(Problem(unit_path, 1, 1, "warning", "no-projects",
                                      f"{folder} 中除单位文件外没有项目文件（*.yaml），不会生成任何表格"))
    if not only:
        specs.problems += hidden_specs(folder)
    for path in paths:
        project, problems = (read_project or read_project_file)(path, specs.unit)
        specs.problems += problems
        if project is not None:
            specs.projects.append(project)

    # 5. The form's rules, on each project and across the unit (imported here: a rebuild that
    #    finds nothing changed checks nothing, and need not load every rule).
    if specs.unit is not None and check:
        from ..rules.check import check_unit
        specs.problems += check_unit(specs.unit, specs.projects)
    specs.problems = sort_problems(specs.problems)
    return specs


def validate_specs(target: Path, *, templates: list[Path] = ()) -> Specs:
    """What `perfdoc validate` reports: the specs' problems, and those of the template a build
    would render them with (compiled, and tried on the first project that has no errors)."""
    specs = read_specs(target, templates=templates)
    template_problems = check_template(specs) if specs.unit is not None else []
    if template_problems:
        specs.problems = sort_problems(specs.problems + template_problems)
    return specs


def check_template(specs: Specs) -> list[Problem]:
    """The template's problems as a build would meet them, as problems of the template file.

    A built-in kind is perfdoc's own (its .yaml and .docx ship in the package, and the test
    suite renders every example with them): it is not compiled again on every validate. Any
    other template — restyled by an office, or a kind from a --templates folder — is checked."""
    kind = specs.unit.kind
    if is_builtin_template(kind.template):
        return []
    from ..input.kinds import TemplateError
    from ..output.render import Renderer
    erroneous = {p.path for p in specs.problems if p.is_error}
    renderer = Renderer()
    try:
        renderer.template(kind)
        for project in [p for p in specs.projects if p.path not in erroneous][:1]:
            renderer.render(specs.unit, [project], summary=False)
    except TemplateError as exc:
        message = str(exc).removeprefix(f"{kind.template}").lstrip(": ")
        if message.startswith("(") and "): " in message:  # "(part，place): why" → "part，place：why"
            message = message[1:].replace("): ", "：", 1)
        return [Problem(kind.template, 1, 1, "error", "template", message)]
    return []


def is_builtin_template(template: Path) -> bool:
    """Whether a kind's template is the one shipped with perfdoc (a template always sits in
    its kind definition's folder, so the kind is the built-in one too)."""
    try:
        return template.parent.resolve() == builtin_dir().resolve()
    except OSError:
        return False


def hidden_specs(folder: Path) -> list[Problem]:
    """A warning for each hidden .yaml file (`.YAML`, `.草稿.yaml`): never read, never silently."""
    return [Problem(path, 1, 1, "warning", "hidden-file",
                    f"文件名以“.”开头，视为隐藏文件，未作为项目读取；是项目规格就去掉开头的“.”")
            for path in sorted(folder.iterdir())
            if path.name.startswith(".") and path.suffix.lower() in (".yaml", ".yml") or path.name.lower() in (".yaml", ".yml")]


def read_project_file(path: Path, unit: Unit | None) -> tuple[Project | None, list[Problem]]:
    """Load one project file and read it against its unit (without one, only load it: its
    problems are still worth saying)."""
    from ..input.parse import parse_project
    specs = Specs(path.parent)
    node = _load(path, specs)
    if node is False or unit is None:
        return None, specs.problems
    project, problems = parse_project(path, node, unit)
    return project, specs.problems + problems


def read_unit(unit_path: Path, templates: list[Path], specs: Specs) -> tuple[Unit | None, list[Path]]:
    """Read the unit file: the unit (None if it has errors, which go to `specs.problems`) and
    the folders its form kinds were read from. `specs.unit_templates` is its 模板 folder as the
    manifest records it, if read without a problem."""
    from ..input import kinds as kinds_module
    from ..input.parse import parse_unit, unit_templates
    # 1. The unit file, and the 模板 folder it may name: needed before the kinds are known.
    node = _load(unit_path, specs)
    folders, problems = unit_templates(unit_path, node or None)
    specs.problems += problems
    if node is not False and not problems:
        specs.unit_templates = [str(_relative(folder, unit_path.parent)) for folder in folders]

    # 2. The form kinds: built-in ones, then the 模板 folder, then any --templates (later ones
    #    restyle a kind with a same-named .docx, or add kinds with their own .yaml).
    folders = [*folders, *templates]
    try:
        known_kinds = kinds_module.load_kinds(folders)
    except kinds_module.KindError as exc:
        if not exc.problems:
            raise
        specs.problems += exc.problems  # a kind file's own mistakes, file:line like a spec's
        return None, folders

    # 3. The unit file read against them: whose projects these are, the year, the form kind.
    unit = None
    if node is not False:
        unit, problems = parse_unit(unit_path, node, known_kinds)
        specs.problems += problems
    return unit, folders


COMMENTS = {"warnings": ("error", "warning"), "all": ("error", "warning", "info")}


def build(target: Path, *, output: Path | None = None, templates: list[Path] = (), jobs: int = 1,
          force: bool = False, progress: Progress | None = None, comments: str = "", pdf: bool = False,
          pdf_timeout: float | None = None, replace_other: bool = False, xlsx: bool = False) -> BuildResult:
    """Read and check the specs, then write each valid project's form and the unit's 汇总表.

    A whole folder built again rewrites only the documents whose inputs changed since its last
    build into the same output folder (incremental.py); `force` rewrites them all. `jobs` > 1
    renders in that many processes, writing the same bytes. `comments` ("warnings" or "all",
    a key of COMMENTS) writes the problems into the documents as Word comments at their cells.
    A document rewritten or removed loses its PDF (never a PDF out of step with its document);
    `pdf` then prints every document whose PDF is missing or older, beside it, in one
    LibreOffice run. An output folder another spec folder was built into is refused
    (UsageError, nothing written) unless `replace_other`: then that folder's documents are
    removed first.
    `xlsx` adds the unit's workbook beside the 汇总表 (make/workbook.py), under the same rules.
    """
    target = Path(target)
    folder = target if target.is_dir() else target.parent
    unit_path = find_unit_file(folder)
    # 0. A whole unit in which nothing changed, told without reading a spec: the last build replayed.
    if target.is_dir() and not force:
        result = _unchanged(folder, Path(output) if output else default_output(folder), unit_path,
                            list(templates), comments, xlsx)
        if result:
            return _with_pdfs(result, pdf_timeout) if pdf else result
    read = Specs(folder)  # the unit's problems: read_specs reports them
    unit_before = (_unit_stat(unit_path), time.time_ns())  # for _unit_templates_record
    read.unit, kind_folders = read_unit(unit_path, templates, read)
    unit = read.unit
    out = Path(output) if output else (default_output(folder) if unit else None)
    options = dict(templates=templates, jobs=jobs, force=force, progress=progress, comments=comments,
                   pdf=pdf, pdf_timeout=pdf_timeout, replace_other=replace_other, xlsx=xlsx, unit=unit)
    # One project file is built alone, outside the manifest: it is not the whole unit.
    if not (target.is_dir() and out):
        return _build(target, out, None, unit_read=read, **options)
    # A whole unit: one build at a time in its output folder, from reading to recording.
    with OutputLock(out):
        remove_temporary_litter(out)  # a killed build's; no build is writing now
        return _build(target, out, (unit_path, kind_folders, (read.unit_templates, unit_before)), **options)


def _unchanged(folder: Path, out: Path, unit_path: Path, templates: list[Path], comments: str,
               xlsx: bool) -> BuildResult | None:
    """The last build's result if nothing it read has changed and its documents are as written
    (incremental.unchanged: sizes and mtimes, no YAML read, no kind loaded); None otherwise, and
    then the build reads the unit and decides again. Under the output folder's lock, like a build."""
    if not os.path.lexists(out / incremental.MANIFEST_NAME):
        return None  # a first build
    with OutputLock(out):
        remove_temporary_litter(out)  # as the build below would
        recorded = incremental.unchanged(out, folder, unit_path, templates, _option(comments))
        if recorded is None or (xlsx and not any(name.endswith(".xlsx") for name in recorded.document_names)):
            return None  # (the unit's workbook is the one .xlsx a build writes)
        return _replay(recorded, folder, out)


def _build(target: Path, out: Path | None, whole: tuple[Path, list[Path], tuple] | None, *, templates: list[Path],
           jobs: int, force: bool, progress: Progress | None, comments: str, pdf: bool,
           pdf_timeout: float | None, replace_other: bool, xlsx: bool, unit: Unit | None,
           unit_read: Specs | None = None) -> BuildResult:
    folder = target if target.is_dir() else target.parent
    manifest_json = incremental.Manifest.read_json(out) if out else None  # read once: whose, then what
    replaced = _claim_output(out, folder, replace_other, manifest_json) if out else []
    previous = incremental.Manifest.load(out, folder, manifest_json) if whole else None
    inputs = _read_inputs(whole, folder, comments, previous) if whole else None

    # 1. Nothing changed since the last build: its problems still stand, and no file is touched.
    if previous and not force and previous.is_up_to_date(inputs, out) \
            and (not xlsx or workbook_name(unit) in previous.documents):
        result = _replay(previous, folder, out)
        return _with_pdfs(result, pdf_timeout) if pdf else result

    # 2. Read and check every spec — and make sure the digests name the bytes that were read. (A
    #    build outside the manifest takes the unit as build() read it; a whole unit's is read again,
    #    after its digest, so that the digest names the bytes read.)
    specs = read_specs(target, templates=templates, unit_read=unit_read)
    if whole:
        specs, inputs = _settled(target, templates, specs, inputs, whole, comments)
    result = BuildResult(specs)
    documents = []
    if specs.unit is not None:
        # 3. The documents: each valid project's form, and the 汇总表 if every project made it in.
        documents = plan_documents(specs, out=out, inputs=inputs, result=result, whole_unit=target.is_dir(),
                                   xlsx=xlsx)
        if comments:  # Word comments: the workbook has none
            from .documents import with_comments
            documents = [with_comments(d, specs.problems, COMMENTS[comments]) if d.path.suffix == ".docx" else d
                         for d in documents]
        # 4. Write those whose inputs changed since the last build.
        changed, current = [], []
        for document in documents:
            up_to_date = previous and not force and previous.is_current(document.path.name, document.key, out)
            (current if up_to_date else changed).append(document)
        started = time.time_ns()
        try:
            write_documents(changed, jobs=jobs, progress=progress)
        except BaseException:
            # one document failed (a full disk, a template error, a killed worker): record what
            # was written, so the next build neither trusts nor forgets any document
            if inputs:
                partial = _interrupted_manifest(folder, result, documents, changed, previous, started, out)
                if previous or partial.documents:
                    write_atomic(out / incremental.MANIFEST_NAME, partial.to_bytes())
            raise
        result.written, result.unchanged = [d.path for d in changed], [d.path for d in current]
    # 5. Remove what the last build wrote and this one does not, and remember this one. (A unit
    #    that cannot be read builds nothing and leaves the folder as it was.)
    if inputs and specs.unit is not None:
        result.removed = _remove_outdated(previous, documents, out)
        manifest = _manifest(folder, inputs, result, documents)
        manifest.unit_templates = _unit_templates_record(whole[0], whole[2])
        write_atomic(out / incremental.MANIFEST_NAME, manifest.to_bytes())
    result.removed = replaced + result.removed
    if out:  # a rewritten document's PDF is stale: said so, unless it is made again just below
        from ..output.pdf import remove_stale  # subprocess, tempfile …: not for a build that is up to date
        # (only a .docx has a PDF: the unit's .xlsx shares the 汇总表's name, not its PDF)
        result.removed += remove_stale(out, [p.name for p in result.removed if p.suffix == ".docx"])
        stale = remove_stale(out, [p.name for p in result.written if p.suffix == ".docx"])
        result.removed += [] if pdf else stale
    # 6. With pdf: a PDF beside every document whose PDF is missing or older than it.
    return _with_pdfs(result, pdf_timeout) if pdf else result


def _with_pdfs(result: BuildResult, timeout: float | None) -> BuildResult:
    """Convert the build's documents that have no up-to-date PDF; record what failed."""
    from ..output.pdf import PdfError, convert, needs_pdf
    documents = [d for d in result.written + result.unchanged if d.suffix == ".docx" and needs_pdf(d)]
    try:
        result.pdfs = convert(documents, **({"timeout": timeout} if timeout else {}))
    except PdfError as exc:
        result.pdf_error = str(exc)
    return result


def _read_inputs(whole: tuple[Path, list[Path], tuple], folder: Path, comments: str,
                 previous: incremental.Manifest | None = None) -> incremental.Inputs:
    inputs = incremental.read_inputs(whole[0], project_file_names(folder), whole[1], previous)
    # documents with comments are other documents than those without
    return inputs.with_option(_option(comments)) if comments else inputs


def _unit_stat(unit_path: Path) -> tuple[int, int] | None:
    """The unit file's size and mtime (None if it cannot be stat'ed)."""
    try:
        stat = os.stat(unit_path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _unit_templates_record(unit_path: Path, unit_templates: tuple[list[str] | None, tuple | None]) -> list[str] | None:
    """The unit file's 模板 folder for the manifest, if the file is still as it was when read
    and was not new then (as a spec's digest is trusted): an edit during the build could
    otherwise leave the manifest naming another folder than the unit file now does."""
    recorded, (before, read_ns) = unit_templates
    trusted = before is not None and before[1] < read_ns - incremental.RACY_NS
    return recorded if trusted and _unit_stat(unit_path) == before else None


def _option(comments: str) -> str:
    """The option that makes every document another (Inputs.with_option): with comments or not."""
    return f"--comments={comments}" if comments else ""


def _settled(target: Path, templates: list[Path], specs: Specs, inputs: incremental.Inputs,
             whole: tuple[Path, list[Path], tuple], comments: str) -> tuple[Specs, incremental.Inputs]:
    """The specs as read, and digests of exactly those bytes: a spec edited while it was being
    read is read again; if the folder will not hold still, the manifest trusts nothing."""
    folder = target
    for _ in range(3):
        again = _read_inputs(whole, folder, comments)
        if again == inputs:
            return specs, inputs
        inputs = again
        specs = read_specs(target, templates=templates)
    return specs, incremental.Inputs.untrusted()


def _claim_output(out: Path, folder: Path, replace_other: bool, manifest_json) -> list[Path]:
    """Make sure `out` is this spec folder's to write: refuse one another spec folder was built
    into (two units of a year, or a year's 申报表 and 自评表, would overwrite each other's forms);
    told to replace it, remove that build's documents and their PDFs. Returns the files removed."""
    owner = incremental.Manifest.owner(out, manifest_json)
    if owner is None or owner == str(folder.resolve()):
        return []
    if not replace_other:
        raise UsageError(f"输出文件夹 {out} 中是另一个规格文件夹（{owner}）生成的文档，未写入任何文件，"
                         f"以免互相覆盖：请用 -o 另选输出文件夹，或加 --replace-other-specs "
                         f"删除那些文档、改由 {folder} 生成")
    from ..output.pdf import remove_stale
    entries = incremental.Manifest.entries_in(out)
    names = list(entries)
    # only documents still exactly as that build wrote them: a manifest is a file from elsewhere
    removed = [out / name for name, entry in entries.items() if entry.matches(out / name)]
    for path in removed:
        path.unlink()
    removed += remove_stale(out, names)
    (out / incremental.MANIFEST_NAME).unlink()
    return removed


def default_output(folder: Path) -> Path:
    """Where a spec folder is built unless told: output/ in the current folder, mirroring the spec
    folder's path below specs/ — specs/2025 → output/2025, specs/2025-自评 → output/2025-自评,
    specs/2025/一中 → output/2025/一中 — so two spec folders never share one by default. A folder
    outside the current one goes to output/<its name>."""
    folder = Path(folder).resolve()
    try:
        parts = folder.relative_to(Path.cwd().resolve()).parts
    except ValueError:
        parts = (folder.name,)
    if len(parts) > 1 and parts[0] in ("规格", "specs"):
        parts = parts[1:]
    return Path("output", *parts) if parts else Path("output", folder.name or "规格")


def plan_documents(specs: Specs, *, out: Path, inputs: incremental.Inputs | None,
                   result: BuildResult, whole_unit: bool = True, xlsx: bool = False) -> list[Document]:
    """The documents a build of these specs writes; a project with errors is left out (and said so).

    Building one project file writes its form only: a 汇总表 of one project would overwrite
    the unit's.
    """
    from .documents import Document, unique_file_names
    unit, good = specs.unit, []
    erroneous = {p.path for p in specs.problems if p.is_error}  # a set: a thousand specs, as many problems
    for project in specs.projects:
        if project.path in erroneous:
            result.skipped.append((project.path, "规格有错误，未生成"))
        elif unit.path in erroneous:  # e.g. its 主管部门 still to fill in: every form would print it blank
            result.skipped.append((project.path, "单位文件有错误，未生成"))
        else:
            good.append(project)

    def key(projects: list[Project], name: str) -> str:
        return inputs.document_key([p.path.name for p in projects], name) if inputs else ""

    # One document per project …
    documents = [Document(out / name, unit, [project], False, key([project], name))
                 for project, name in zip(good, unique_file_names(unit, good))]
    # … and the 汇总表 of them all, but only when every project made it in.
    summary_name = safe_file_name(unit.summary_title) + ".docx"
    if whole_unit and specs.has_errors:
        result.skipped.append((out / summary_name, "有项目存在错误，汇总表未生成"))
    elif whole_unit and len(good) < len(specs.projects):
        result.skipped.append((out / summary_name, "有项目还有待填写的栏目，汇总表未生成"))
    elif whole_unit and good:
        documents.append(Document(out / summary_name, unit, good, True, key(good, summary_name)))
    # … and, with --xlsx, the unit's workbook, which like the 汇总表 holds every project or none.
    if xlsx and whole_unit and specs.has_errors:
        result.skipped.append((out / workbook_name(unit), "有项目存在错误，工作簿未生成"))
    elif xlsx and whole_unit and good:
        from .workbook import too_long_for_excel
        refusal = too_long_for_excel(good)
        if refusal:
            result.skipped.append((out / workbook_name(unit), refusal))
        else:
            documents.append(Document(out / workbook_name(unit), unit, good, True, key(good, workbook_name(unit))))
    return documents


def workbook_name(unit: Unit | None) -> str | None:
    """The unit's workbook (build --xlsx): the 汇总表's title, e.g. …2025年度项目绩效目标汇总表.xlsx."""
    return safe_file_name(unit.summary_title) + ".xlsx" if unit is not None else None


def write_documents(documents: list[Document], *, jobs: int = 1, progress: Progress | None = None) -> None:
    """Render and write the documents; with jobs > 1 in that many processes (the same bytes)."""
    from .documents import write_unit_documents
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, len(documents))

    write_unit_documents(documents, jobs=jobs, done=advance)


def _replay(manifest: incremental.Manifest | incremental.Recorded, folder: Path, out: Path) -> BuildResult:
    """The result of a build that found nothing changed: the last build's problems, no writes."""
    specs = Specs(folder, problems=[incremental.replayed_problem(p, folder) for p in manifest.problems])
    skipped = [((folder if where == "specs" else out) / name, why) for where, name, why in manifest.skipped]
    return BuildResult(specs, skipped=skipped, unchanged=_Paths(out, list(manifest.document_names)))


class _Paths(Sequence):
    """Paths in a folder, made when read: a no-op rebuild of 10,000 documents reports how many,
    and pathlib would spend a tenth of a second making them."""

    def __init__(self, folder: Path, names: list[str]):
        self._folder, self._names = folder, names

    def __len__(self) -> int:
        return len(self._names)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._folder / name for name in self._names[index]]
        return self._folder / self._names[index]


def _remove_outdated(previous: incremental.Manifest | None, documents: list[Document], out: Path) -> list[Path]:
    """Delete the last build's documents that this build does not write: their spec was removed
    or renamed, or now has errors. A stale 汇总表 must not sit beside fresh forms.

    Only a plain file name in the output folder, whose file is still exactly as this tool wrote
    it (regular, same size and time), is ever removed: a manifest is a file from elsewhere too."""
    if previous is None:
        return []
    current = {d.path.name for d in documents}
    removed = []
    for name in sorted(set(previous.documents) - current):
        if not incremental.is_document_name(name):  # the manifest is read from disk: stay in `out`
            continue
        path = out / name
        if incremental.is_document_name(name) and previous.documents[name].matches(path):
            path.unlink()
            removed.append(path)
    return removed


def _interrupted_manifest(folder: Path, result: BuildResult, documents: list[Document], changed: list[Document],
                          previous: incremental.Manifest | None, started: int, out: Path) -> incremental.Manifest:
    """The manifest of a build that stopped part-way: documents it finished are recorded as
    built; the others keep the last build's entry (so they are rewritten or removed next time)."""
    manifest = incremental.Manifest(str(folder.resolve()), "interrupted")
    manifest.problems = [incremental.problem_record(p, folder) for p in result.specs.problems]
    old = dict(previous.documents) if previous else {}
    pending = {d.path.name for d in changed}
    for document in documents:
        name = document.path.name
        try:
            finished = name not in pending or document.path.lstat().st_mtime_ns >= started
        except OSError:
            finished = False
        if finished:
            manifest.record(document.path, document.key)
            old.pop(name, None)
    for name, entry in old.items():
        manifest.documents.setdefault(name, entry)
    return manifest


def _manifest(folder: Path, inputs: incremental.Inputs, result: BuildResult,
              documents: list[Document]) -> incremental.Manifest:
    manifest = incremental.Manifest(str(folder.resolve()), inputs.digest)
    manifest.remember_specs(inputs)
    manifest.problems = [incremental.problem_record(p, folder) for p in result.specs.problems]
    manifest.skipped = [["specs" if path.parent == folder else "output", path.name, why]
                        for path, why in result.skipped]
    for document in documents:
        manifest.record(document.path, document.key)
    return manifest


def _relative(folder: Path, base: Path) -> Path:
    """`folder` as written relative to `base` (the unit file's 模板 is relative to its folder)."""
    try:
        return folder.relative_to(base)
    except ValueError:
        return folder


def _load(path: Path, specs: Specs):
    """Load one file's nodes; on failure record why and return False."""
    from ..input.load import LoadError, load_file
    try:
        node, warnings = load_file(path)
    except LoadError as exc:
        specs.problems += exc.problems
        return False
    specs.problems += warnings
    return node


