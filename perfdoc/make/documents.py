"""The documents a build writes, their file names, and the writing of one (here or in a -j worker)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from ..output.files import safe_file_name, write_atomic
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


def write_document(document: Document, renderer) -> None:
    """Render one document and write it (in this process or a -j worker)."""
    if document.comments:
        from ..output.comments import render_with_comments
        data = render_with_comments(renderer, document.unit, document.projects, list(document.comments),
                                    summary=document.summary)
    else:
        data = renderer.render(document.unit, document.projects, summary=document.summary)
    write_atomic(document.path, data)


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
