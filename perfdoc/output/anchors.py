"""Which cell of a rendered form prints which field: for the preview's marks and Word comments.

The template decides where each value goes, so the answer is read from a render, not guessed
from row numbers (a restyled or re-laid-out template moves cells): every printed value is
traced — a `str` that leaves a processing instruction `<?perfdoc N?>` beside its text — and the
rendered XML says in which cell or paragraph field N landed. Only traced renders carry marks;
a plain build never does.

    (project 0, 绩效指标.3.指标值) ─trace→ <w:t>≥90.00(%)<?perfdoc 17?></w:t> ─locate→ that w:tc
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any, Iterable

from lxml import etree

from ..input.model import Project, Unit
from ..input.problems import Problem
from .render import Renderer, document_data

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MARK = "perfdoc"
UNIT = -1                      # the "project" index of the document's own fields (汇总表标题 …)
Field = tuple[int, str]        # (project index in the document, or UNIT; dotted path)


class Traced(str):
    """A printed value that says which field it is (docxjinja writes its `xml_mark` after it)."""
    xml_mark: str


@dataclass
class TracedRender:
    """A document rendered with marks: its bytes, and the field each mark number stands for."""
    docx: bytes
    fields: list[Field]


def render_traced(renderer: Renderer, unit: Unit, projects: list[Project], *, summary: bool) -> TracedRender:
    """Render a document as a build would, every printed value marked with its field."""
    fields: list[Field] = []
    data = document_data(unit, projects, summary, renderer.printed)
    for key in ("汇总表标题", "单位", "表名"):
        data[key] = _trace(data[key], UNIT, key, fields)
    data["项目列表"] = [_trace(printed, index, "", fields) for index, printed in enumerate(data["项目列表"])]
    return TracedRender(renderer.template(unit.kind).render(data), fields)


def _trace(value: Any, index: int, dotted: str, fields: list[Field]) -> Any:
    if isinstance(value, str):
        traced = Traced(value)
        traced.xml_mark = f"<?{MARK} {len(fields)}?>"
        fields.append((index, dotted))
        return traced
    if isinstance(value, dict):
        return {key: item if key == "合并" else _trace(item, index, _join(dotted, key), fields)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_trace(item, index, _join(dotted, str(i)), fields) for i, item in enumerate(value)]
    return value


def _join(dotted: str, key: str) -> str:
    return f"{dotted}.{key}" if dotted else key


def document_xml(docx: bytes) -> etree._Element:
    """The main part of a rendered .docx, parsed."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return etree.fromstring(package.read("word/document.xml"))


def collect_anchors(root: etree._Element, fields: list[Field]) -> dict[Field, etree._Element]:
    """Map each printed field to the table cell (or, outside tables, the paragraph) that holds it,
    in document order, and remove the marks: the tree is then as a plain build writes it."""
    anchors: dict[Field, etree._Element] = {}
    for mark in list(root.iter(etree.ProcessingInstruction)):
        if mark.target != MARK:
            continue
        holder = _holder(mark)
        if holder is not None:
            anchors.setdefault(fields[int(mark.text)], holder)
        remove_keeping_tail(mark)
    return anchors


def _holder(mark: etree._Element) -> etree._Element | None:
    paragraph = None
    for ancestor in mark.iterancestors():
        if ancestor.tag == f"{{{W}}}tc":
            return ancestor
        if ancestor.tag == f"{{{W}}}p" and paragraph is None:
            paragraph = ancestor
    return paragraph


def remove_keeping_tail(node: etree._Element) -> None:
    """Remove a node from the tree, keeping the text that followed it."""
    parent, tail = node.getparent(), node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


# -- from a problem to its cell ---------------------------------------------------------------
def problem_field(problem: Problem, project: Project) -> str:
    """The dotted field a problem concerns: the rule's own word where it gave one, else the field
    written at the problem's line and column (the deepest one: a row's cell, not the row), else
    one written on its line, else "" (the project as a whole)."""
    if problem.field:
        return problem.field
    exact = [d for d, place in project.lines.items() if place == (problem.line, problem.col) and d]
    same_line = [d for d, (line, _) in project.lines.items() if line == problem.line and d]
    for candidates in (exact, same_line):
        if candidates:
            return max(candidates, key=lambda d: d.count("."))
    return ""


def find_anchor(anchors: dict[Field, etree._Element], index: int, dotted: str) -> etree._Element | None:
    """The cell printing a field; failing that, where it would be read: the merged cell above (a
    一级指标 continued from the row before), the first printed part of a group or row, its parent,
    and at last the project's first printed cell."""
    while True:
        if (index, dotted) in anchors:
            return anchors[(index, dotted)]
        above = _merged_above(anchors, index, dotted)
        if above is not None:
            return above
        prefix = dotted + "." if dotted else ""
        inside = next((cell for (i, d), cell in anchors.items() if i == index and d.startswith(prefix)), None)
        if inside is not None:
            return inside
        if not dotted:
            return None
        dotted = dotted.rpartition(".")[0]


def _merged_above(anchors: dict[Field, etree._Element], index: int, dotted: str) -> etree._Element | None:
    """A column of row N not printed because its cell continues row N-1's: that cell."""
    parts = dotted.split(".")
    if len(parts) < 3 or not parts[-2].isdigit():
        return None
    table, row, column = ".".join(parts[:-2]), int(parts[-2]), parts[-1]
    for above in range(row - 1, -1, -1):
        cell = anchors.get((index, f"{table}.{above}.{column}"))
        if cell is not None:
            return cell
    return None


def place_problems(anchors: dict[Field, etree._Element], projects: list[Project], problems: Iterable[Problem],
                   unit: Unit | None = None) -> list[tuple[etree._Element | None, Problem]]:
    """Each problem with the element it belongs at: a project's at its field's cell, the unit
    file's at the 汇总表's title (None where the document prints no such place)."""
    index_of = {project.path: i for i, project in enumerate(projects)}
    placed = []
    for problem in problems:
        if problem.path in index_of:
            i = index_of[problem.path]
            placed.append((find_anchor(anchors, i, problem_field(problem, projects[i])), problem))
        elif unit is not None and problem.path == unit.path:
            placed.append((find_anchor(anchors, UNIT, "汇总表标题"), problem))
    return placed
