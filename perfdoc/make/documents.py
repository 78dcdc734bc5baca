"""The documents a build writes, their file names, and the writing of one (here or in a -j worker)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from ..output.files import safe_file_name, same_name_key, write_atomic
from ..input.kinds import TemplateError, format_plain
from ..input.model import Project, Unit
from ..input.problems import Problem


@dataclass(frozen=True)
class Document:
    """One .docx a build writes: a project's form, or the 汇总表 of all the unit's projects."""
    path: Path
    unit: Unit
    projects: list[Project]
    summary: bool
    key: str = ""  # the digest of what it is built from (incremental.Inputs.document_key)
    comments: tuple[Problem, ...] = ()  # printed as Word comments at their cells (build --comments)


def write_unit_documents(documents: list[Document], *, jobs: int = 1, done=lambda n: None) -> None:
    """Write a unit's documents in one pass over its projects: each form rendered once serves
    its own document and the 汇总表 (Renderer.write); in up to `jobs` processes when the work
    pays for them (parallel.processes)."""
    if not documents:
        return
    from ..output.render import Renderer  # Jinja and lxml are needed only when rendering
    from .parallel import processes, write_in_processes
    unit, renderer = documents[0].unit, Renderer()
    for workbook in [d for d in documents if d.path.suffix == ".xlsx"]:  # build --xlsx
        write_document(workbook, renderer)
        done(1)
    documents = [d for d in documents if d.path.suffix != ".xlsx"]
    if not documents:
        return
    summary = next((d for d in documents if d.summary), None)
    forms = {d.projects[0]: d.path for d in documents if not d.summary}
    projects = summary.projects if summary else list(forms)
    jobs = processes(jobs, len(projects))
    if any(d.comments for d in documents):  # --comments: each document traced and annotated alone
        for document in documents:
            write_document(document, renderer)
            done(1)
    elif jobs > 1 and renderer.template(unit.kind).layout is not None:
        write_in_processes(unit, projects, forms, summary.path if summary else None, jobs=jobs, done=done)
    else:
        renderer.write(unit, projects, forms, summary.path if summary else None, done)


def write_document(document: Document, renderer) -> None:
    """Render one document whole and write it (the unit's workbook, a build with --comments)."""
    if document.path.suffix == ".xlsx":  # build --xlsx: the unit's workbook
        from .workbook import unit_workbook
        write_atomic(document.path, unit_workbook(document.unit, document.projects))
        return
    try:
        if document.comments:
            from ..output.comments import render_with_comments
            data = render_with_comments(renderer, document.unit, document.projects, list(document.comments),
                                        summary=document.summary)
        else:
            data = renderer.render(document.unit, document.projects, summary=document.summary)
    except TemplateError as exc:
        raise TemplateError(f"{exc}（{describe(document)}）") from None
    write_atomic(document.path, data)


def describe(document: Document) -> str:
    """Which document, for which project, a message is about."""
    if document.summary:
        return f"生成汇总表 {document.path.name} 时"
    return f"生成项目“{document.projects[0].name}”的 {document.path.name} 时"


def with_comments(document: Document, problems: list[Problem], severities: tuple[str, ...]) -> Document:
    """The document with its projects' problems of these severities as comments (the 汇总表 also
    the unit file's); they are part of what it is built from, so they are part of its key."""
    paths = {p.path for p in document.projects} | ({document.unit.path} if document.summary else set())
    chosen = tuple(p for p in problems if p.path in paths and p.severity in severities)
    digest = hashlib.blake2b(digest_size=16)
    for problem in chosen:
        digest.update(f"{problem.path.name}:{problem.line}:{problem.col}:{problem.severity}:"
                      f"{problem.rule}:{problem.field}:{problem.message}\n".encode("utf-8"))
    return replace(document, comments=chosen, key=f"{document.key}+{digest.hexdigest()}" if document.key else "")


def unique_file_names(unit: Unit, projects: list[Project]) -> list[str]:
    """One file name per project, never shared: not by two projects whose names differ only in
    characters a file name cannot hold (A_B, A:B), nor by a numbered name and a real one (A_B_2),
    nor by names one file on Windows or macOS (case, Unicode normalization), nor by the 汇总表."""
    bases = [_base_name(unit, project) for project in projects]
    taken = {same_name_key(safe_file_name(unit.summary_title) + ".docx")}
    wanted = {same_name_key(base + ".docx") for base in bases}  # a real name outranks a number
    names = []
    for base in bases:
        name, number = base + ".docx", 1
        while same_name_key(name) in taken or (number > 1 and same_name_key(name) in wanted):
            number += 1
            name = f"{base}_{number}.docx"
        taken.add(same_name_key(name))
        names.append(name)
    return names


def _base_name(unit: Unit, project: Project) -> str:
    values = {k: v for k, v in project.values.items() if isinstance(v, str)}
    try:
        return safe_file_name(format_plain(unit.kind.file_name, {**values, "年度": str(unit.year)}))
    except (KeyError, ValueError):
        return safe_file_name(project.name)
