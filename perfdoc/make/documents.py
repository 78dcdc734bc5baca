"""The documents a build writes, their file names, and the writing of one (here or in a -j worker)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..output.files import safe_file_name, write_atomic
from ..input.kinds import TemplateError
from ..input.model import Project, Unit


@dataclass(frozen=True)
class Document:
    """One .docx a build writes: a project's form, or the 汇总表 of all the unit's projects."""
    path: Path
    unit: Unit
    projects: list[Project]
    summary: bool
    key: str = ""  # the digest of what it is built from (incremental.Inputs.document_key)


def write_document(document: Document, renderer) -> None:
    """Render one document and write it (in this process or a -j worker)."""
    try:
        data = renderer.render(document.unit, document.projects, summary=document.summary)
    except TemplateError as exc:
        raise TemplateError(f"{exc}（{describe(document)}）") from None
    write_atomic(document.path, data)


def describe(document: Document) -> str:
    """Which document, for which project, a message is about."""
    if document.summary:
        return f"生成汇总表 {document.path.name} 时"
    return f"生成项目“{document.projects[0].name}”的 {document.path.name} 时"


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
