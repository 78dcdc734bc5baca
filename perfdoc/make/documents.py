"""The documents a build writes, their file names, and the writing of one (here or in a -j worker)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..output.files import safe_file_name, same_name_key, write_atomic
from ..input.kinds import TemplateError, format_plain
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
