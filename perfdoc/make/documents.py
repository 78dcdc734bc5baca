"""The documents a build writes, their file names, and the writing of one (here or in a -j worker)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..output.files import safe_file_name
from ..input.model import Project, Unit


@dataclass(frozen=True)
class Document:
    """One .docx a build writes: a project's form, or the 汇总表 of all the unit's projects."""
    path: Path
    unit: Unit
    projects: list[Project]
    summary: bool
    key: str = ""  # the digest of what it is built from (incremental.Inputs.document_key)


def write_unit_documents(documents: list[Document], *, jobs: int = 1, done=lambda n: None) -> None:
    """Write a unit's documents in one pass over its projects: each form rendered once serves
    its own document and the 汇总表 (Renderer.write); in up to `jobs` processes when the work
    pays for them (parallel.processes)."""
    if not documents:
        return
    from ..output.render import Renderer  # Jinja and lxml are needed only when rendering
    from .parallel import processes, write_in_processes
    unit, renderer = documents[0].unit, Renderer()
    summary = next((d for d in documents if d.summary), None)
    forms = {d.projects[0]: d.path for d in documents if not d.summary}
    projects = summary.projects if summary else list(forms)
    jobs = processes(jobs, len(projects))
    if jobs > 1 and renderer.template(unit.kind).layout is not None:
        write_in_processes(unit, projects, forms, summary.path if summary else None, jobs=jobs, done=done)
    else:
        renderer.write(unit, projects, forms, summary.path if summary else None, done)


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
