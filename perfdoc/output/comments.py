"""Problems as Word comments (`perfdoc build --comments`): each at the cell it concerns.

A reviewer reads Word or WPS, not a terminal: the warning about “≥ 90.00 (百分比)” belongs in the
margin beside that very cell. The document is rendered with traced values (anchors.py), which
say in which cell each field landed; python-docx (1.2 added comments) anchors one comment per
problem on that cell's runs, authored "perfdoc". Without comments nothing here runs, and a
build's bytes are those of a plain render.

A comment is dated when the newest of the files it comes from was saved, not when the build ran
(python-docx's default): the same spec files give the same bytes, as every perfdoc document does,
and the package is zipped by package.py. (Without a date, LibreOffice titles the comment
“01/03/-1”.)
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile

from lxml import etree

from ..input.model import Project, Unit
from ..input.problems import Problem
from .anchors import MARK, collect_anchors, place_problems, remove_keeping_tail, render_traced
from .package import deflate, zip_bytes
from .render import Renderer

AUTHOR = "perfdoc"
INITIALS = "pd"
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
_w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def comment_text(problem: Problem) -> str:
    """What the reviewer reads in the margin: the severity, the message, and where to fix it."""
    return (f"{SEVERITY_LABELS.get(problem.severity, problem.severity)}[{problem.rule}]："
            f"{problem.message}（{problem.path.name}:{problem.line}）")


def render_with_comments(renderer: Renderer, unit: Unit, projects: list[Project], problems: list[Problem], *,
                         summary: bool) -> bytes:
    """Render a document as a build does, each problem a comment on the cell it concerns (the
    unit file's on the 汇总表's title)."""
    import docx  # only a build with comments needs python-docx
    traced = render_traced(renderer, unit, projects, summary=summary)
    document = docx.Document(io.BytesIO(traced.docx))
    anchors = collect_anchors(document.element, traced.fields)
    for part in document.part.package.iter_parts():  # headers and footers carry marks too
        if part is not document.part and hasattr(part, "_element"):
            _strip_marks(part._element)
    saved_at = _saved_at([unit.path, *(p.path for p in projects)])
    for element, problem in place_problems(anchors, projects, problems, unit if summary else None):
        if element is None:
            continue
        comment = document.add_comment(_runs(element, document), text=comment_text(problem),
                                       author=AUTHOR, initials=INITIALS)
        comment._comment_elm.date = saved_at  # see the module's docstring
    saved = io.BytesIO()
    document.save(saved)
    return _repack(saved.getvalue())


def _saved_at(paths) -> dt.datetime | None:
    """When the newest of these files was saved (UTC, to the second)."""
    try:
        newest = max(path.stat().st_mtime for path in paths)
    except (OSError, ValueError):
        return None
    return dt.datetime.fromtimestamp(int(newest), dt.timezone.utc)


def _runs(element, document) -> list:
    """The runs of a cell (or paragraph) to anchor a comment on; an empty one gets an empty run."""
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run
    paragraphs = element.findall(f"{_w}p") if element.tag == f"{_w}tc" else [element]
    runs = [Run(r, Paragraph(p, document)) for p in paragraphs for r in p.findall(f"{_w}r")]
    if not runs:
        runs = [Paragraph(paragraphs[0], document).add_run()]
    return runs


def _strip_marks(root) -> None:
    for mark in list(root.iter(etree.ProcessingInstruction)):
        if mark.target == MARK:
            remove_keeping_tail(mark)


def _repack(data: bytes) -> bytes:
    """python-docx's package, zipped as perfdoc zips every document (fixed dates, same bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return zip_bytes([deflate(info.filename, package.read(info)) for info in package.infolist()])
