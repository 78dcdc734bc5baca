"""The story of an import: read each file, find its kind and forms, write the specs, validate them.

Nothing is written unless every file was read: a refused file (a scan, a password, no form in
it) stops the import with one line saying why, and existing specs are only replaced with force.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...input import kinds as kinds_module
from ...input.folder import SPEC_SUFFIXES, UsageError
from ...input.kinds import FormKind
from ...input.problems import Problem
from ...make.pipeline import read_specs
from ...output.files import write_atomic
from .forms import Doubt, Reading, read_forms, score
from .grid import Document, Refused
from .layout import layout_of
from .specs import SpecFiles, make_specs

READERS = (".docx", ".pdf", ".xlsx")
OLD_FORMATS = {".doc": ".docx", ".wps": ".docx", ".xls": ".xlsx", ".et": ".xlsx"}


@dataclass
class ImportResult:
    refused: list[tuple[Path, str]] = field(default_factory=list)     # files not read, and why
    doubts: list[Doubt] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)                # not overwritten (no --force)
    problems: list[Problem] = field(default_factory=list)             # validate's, on what was written
    kind: FormKind | None = None


def import_files(paths: list[Path], *, output: Path, kind: str | None = None, force: bool = False,
                 templates: list[Path] = ()) -> ImportResult:
    """Read the files as one unit's forms and write its spec folder (see the module docstring)."""
    known = kinds_module.load_kinds(list(templates))
    if kind is not None and kind not in known:
        raise UsageError(f"没有名为“{kind}”的表式（可用：{'、'.join(known)}）")
    result = ImportResult()
    readings: list[tuple[Reading, FormKind]] = []
    # 1. Read every file; a file that cannot be read stops the import before anything is written.
    for path in paths:
        try:
            readings.append(read_file(Path(path), known, kind))
        except Refused as exc:
            result.refused.append((Path(path), str(exc)))
    if result.refused:
        return result
    # 2. The unit's spec files from every form read, in the order read.
    files: SpecFiles = make_specs(readings, output)
    result.kind, result.doubts = files.kind, [d for r, _ in readings for d in r.doubts] + files.doubts
    if files.refusal:
        result.refused.append((Path(paths[0]), files.refusal))
        return result
    # 3. Write them, never over existing specs unless told to; then validate what was written.
    result.existing = [p for p in files.texts if p.exists()] if not force else []
    if not force:
        result.existing += [p for p in sorted(output.glob("*")) if p.suffix in SPEC_SUFFIXES
                            and p not in files.texts]
    if result.existing:
        return result
    result.written = [write_atomic(p, text.encode("utf-8")) for p, text in files.texts.items()]
    result.problems = read_specs(output, templates=list(templates)).problems
    return result


def read_file(path: Path, known: dict[str, FormKind], kind_name: str | None) -> tuple[Reading, FormKind]:
    """One file's forms, and the kind they are."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise Refused("文件不存在" if not path.exists() else "不是文件")
    if suffix in OLD_FORMATS:
        raise Refused(f"{suffix} 是旧的文件格式：请在 Word/WPS/Excel 中另存为 {OLD_FORMATS[suffix]} 后再导入")
    if suffix == ".xlsx":
        from .xlsx import read_xlsx
        return read_xlsx(path, known, kind_name)
    if suffix == ".docx":
        from .docx import read_docx
        document = read_docx(path)
    elif suffix == ".pdf":
        from .pdf import read_pdf
        document = read_pdf(path)
    else:
        raise Refused(f"不能导入 {suffix or '无扩展名'} 文件：可导入 Word（.docx）、PDF（.pdf）和 Excel（.xlsx）")
    kind = pick_kind(document, known, kind_name)
    reading = read_forms(layout_of(kind), document)
    reading.doubts[:0] = [Doubt(document.path, "", "", d) for d in document.doubts]
    if not reading.forms:
        raise Refused(f"没有找到{kind.title}：文件中没有“项目名称”等栏目的表格")
    return reading, kind


def pick_kind(document: Document, known: dict[str, FormKind], kind_name: str | None) -> FormKind:
    """The kind named, or the kind whose labels the document holds most of."""
    if kind_name:
        return known[kind_name]
    scores = sorted(((score(layout_of(k), document), k.name) for k in known.values()), reverse=True)
    best, name = scores[0]
    if best < 4:
        raise Refused("不像绩效表：没有找到“项目名称”“绩效指标”等栏目（如确是绩效表，请用 --kind 指定表式）")
    return known[name]
