"""Render projects into .docx bytes: the model becomes the data a kind's template sees.

The data uses the form's labels as names (项目.项目名称, 行.指标值 …) so that an organisation
restyling a template reads it without a programmer; TEMPLATES.md lists them.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from pathlib import Path

from . import pagination
from .docxjinja import BODY_PART, DocxTemplate
from .files import open_atomic, write_atomic
from .package import Piece, PackageStream, assembled_part, zip_bytes
from ..rules.figures import show, with_computed
from ..input.kinds import FieldSpec, FormKind, TemplateError
from ..input.model import Project, Unit


def format_amount(value: Decimal | None) -> str:
    """Print an amount as the forms do: thousands separators and two decimals (1,515,000.00)."""
    return "" if value is None else f"{value:,.2f}"


def print_value(spec: FieldSpec, value: Any, layout: pagination.Geometry | None = None) -> Any:
    """The printed form of one field's value; an indicator table's rows are cut into blocks that
    never cross a page (pagination.py) when the template's `layout` is given."""
    if value is None:
        return {"group": None, "indicators": []}.get(spec.type, "")
    if spec.type == "amount":
        return format_amount(value)
    if spec.type == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if spec.type in ("number", "percent"):
        return show(spec, value)  # as written: 9.8 stays 9.8, 94.23 prints 94.23%
    if spec.type == "group":
        return {child.key: print_value(child, value.get(child.key)) for child in spec.fields}
    if spec.type == "indicators":
        rows = _printed_rows(spec.columns, value)
        if layout:
            block_of, pages = pagination.paginate(rows, spec.merge, layout, bool(spec.followed_by))
        else:
            block_of, pages = [0] * len(rows), [{"整行": True, "连下": False}] * len(rows)
        for row, merges, page in zip(rows, vertical_merges(rows, spec.merge, block_of), pages):
            row["合并"], row["分页"] = merges, page
        return rows
    return value


# The types print_value turns into text; a column of any other type prints as written.
_CONVERTED = frozenset(("amount", "date", "number", "percent", "group", "indicators"))


def _printed_rows(columns: list[FieldSpec], rows: list[dict]) -> list[dict]:
    """Each indicator row as print_value prints it, a text cell without a call (27,000 rows
    of four cells per 1000 forms), the columns in the kind's order."""
    plan = [(c.key, c if c.type in _CONVERTED else None) for c in columns]
    printed = []
    for row in rows:
        cells = {}
        for key, converted in plan:
            value = row.get(key)
            if converted is not None:
                cells[key] = print_value(converted, value)
            else:
                cells[key] = "" if value is None else value
        printed.append(cells)
    return printed


def vertical_merges(rows: list[dict], columns: Iterable[str],
                    block_of: list[int] | None = None) -> list[dict[str, str | None]]:
    """For each row and merged column: "restart", "continue" or None.

    A cell continues the one above when it and every merged column to its left repeat the
    previous row (so a 二级 never merges across two 一级 groups). Empty cells never merge, nor
    cells of two blocks (`block_of`: each row's block, pagination.blocks): every block that
    starts a page prints its labels.
    """
    columns = list(columns)
    same_as_above = []
    for i, row in enumerate(rows):
        flags, chain = {}, i > 0 and (block_of is None or block_of[i] == block_of[i - 1])
        for column in columns:
            chain = chain and row[column] != "" and row[column] == rows[i - 1][column]
            flags[column] = chain
        same_as_above.append(flags)
    merges = []
    for i, flags in enumerate(same_as_above):
        below = same_as_above[i + 1] if i + 1 < len(rows) else {}
        merges.append({c: "continue" if flags[c] else ("restart" if below.get(c) else None)
                       for c in columns})
    return merges


def project_data(project: Project) -> dict[str, Any]:
    """What the template sees of one project: every field as printed, plus 表名 and 年度.

    A computed field the author left blank (the 自评表's 执行率, 得分, 总分) shows its figure."""
    values = with_computed(project)
    layout = pagination.geometry(project.kind.template)
    data = {spec.key: print_value(spec, values.get(spec.key), layout) for spec in project.kind.fields}
    if not data.get("表名"):  # a spec may name its own heading (2020: …目标申报表 beside …目标表)
        data["表名"] = project.kind.title
    data["年度"] = project.unit.year
    return data


def document_data(unit: Unit, projects: list[Project], summary: bool,
                  printed: Callable[[Project], dict[str, Any]] = project_data) -> dict[str, Any]:
    """The whole context of one document: a single project's form, or the unit's 汇总表."""
    return {
        "单位": unit.name,
        "年度": unit.year,
        "表名": unit.kind.title,
        "栏目": unit.kind.labels_for(unit.year),
        "汇总表标题": unit.summary_title if summary else "",
        "项目列表": [printed(p) for p in projects],
    }


class Renderer:
    """Compile each kind's template once; render any number of documents from it."""

    def __init__(self):
        self._compiled: dict[str, DocxTemplate] = {}

    def template(self, kind: FormKind) -> DocxTemplate:
        key = str(kind.template)
        if key not in self._compiled:
            self._compiled[key] = DocxTemplate(kind.template)
        return self._compiled[key]

    def printed(self, project: Project) -> dict[str, Any]:
        """A project's data as its template sees it (output/anchors.py traces it)."""
        return project_data(project)

    def render(self, unit: Unit, projects: list[Project], *, summary: bool) -> bytes:
        """The bytes of one document: a project's form, or the 汇总表 of `projects`."""
        template = self.template(unit.kind)
        if template.layout is None:
            return template.render(document_data(unit, projects, summary))
        context = _context(unit, projects, summary)
        pieces = ((data, template.project_pieces(data, context)) for data in map(project_data, projects))
        return self._form_bytes(template, context, pieces)

    def write(self, unit: Unit, projects: list[Project], forms: dict[Project, Path], summary: Path | None,
              done: Callable[[int], None] = lambda n: None) -> None:
        """Write the forms of `forms` and, if `summary` is given, the 汇总表 of `projects`.

        Each project is printed and rendered once, its form written, and its pieces appended to
        the 汇总表 as it goes: memory stays that of one form, however many projects."""
        template = self.template(unit.kind)
        if template.layout is None:  # a template that keeps state: each document rendered whole
            for project, path in forms.items():
                write_atomic(path, self.render(unit, [project], summary=False))
                done(1)
            if summary:
                write_atomic(summary, self.render(unit, projects, summary=True))
                done(1)
            return
        order = projects if summary else list(forms)
        items = (self.project(unit, project, forms.get(project), done) for project in order)
        if summary is None:
            for _ in items:
                pass
        else:
            self.write_summary(unit, projects, summary, items)
            done(1)

    def project(self, unit: Unit, project: Project, form: Path | None,
                done: Callable[[int], None] = lambda n: None) -> tuple[dict[str, Any], list[Piece]]:
        """Print and render one project once; write its form to `form` if given. Returns its
        data and pieces for the 汇总表."""
        template = self.template(unit.kind)
        data, context = project_data(project), _context(unit, [project], False)
        try:
            pieces = template.project_pieces(data, context)
            form_bytes = self._form_bytes(template, context, [(data, pieces)]) if form is not None else None
        except TemplateError as exc:  # which project, as make.documents.describe says it
            where = f"的 {form.name} " if form is not None else ""
            raise TemplateError(f"{exc}（生成项目“{project.name}”{where}时）") from None
        if form is not None:
            write_atomic(form, form_bytes)
            done(1)
        return data, pieces

    def write_summary(self, unit: Unit, projects: list[Project], path: Path,
                      items: Iterable[tuple[dict[str, Any] | None, list[Piece]]]) -> None:
        """Stream the 汇总表 of `projects` to `path` from each project's (data, pieces), in order."""
        template = self.template(unit.kind)
        context = _context(unit, projects, True)
        try:
            with open_atomic(path) as file:
                stream = PackageStream(file, template.package(context, BODY_PART))
                for piece in template.checked(template.body_pieces(context, items)):
                    stream.add(piece)
                stream.close()
        except TemplateError as exc:
            if "（生成项目" in str(exc):  # a project's own form said so already
                raise
            raise TemplateError(f"{exc}（生成汇总表 {path.name} 时）") from None

    def needs_data(self, unit: Unit) -> bool:
        """Whether the 汇总表's own segments read a project's data (else pieces suffice)."""
        return self.template(unit.kind).layout.needs_project

    @staticmethod
    def _form_bytes(template: DocxTemplate, context: dict[str, Any], pieces) -> bytes:
        body = assembled_part(BODY_PART, list(template.checked(template.body_pieces(context, pieces))))
        return zip_bytes(template.package(context, body))


class _Printed:
    """项目列表 of a document, each project printed when a template reaches it (a 汇总表 holds
    no list of a thousand printed projects)."""

    def __init__(self, projects: list[Project]):
        self._projects = projects

    def __len__(self) -> int:
        return len(self._projects)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [project_data(p) for p in self._projects[index]]
        return project_data(self._projects[index])

    def __iter__(self):
        return map(project_data, self._projects)

    def __bool__(self) -> bool:
        return bool(self._projects)


def _context(unit: Unit, projects: list[Project], summary: bool) -> dict[str, Any]:
    """document_data with 项目列表 printed on demand."""
    return {"单位": unit.name, "年度": unit.year, "表名": unit.kind.title, "栏目": unit.kind.labels_for(unit.year),
            "汇总表标题": unit.summary_title if summary else "", "项目列表": _Printed(projects)}
