"""A form as a web page: the .docx a build writes, rendered again and read as HTML.

The page is made from the same model, the same kind and the same .docx template as the printed
form — a render with traced values (anchors.py) — so it has the form's cells, its merges
(gridSpan → colspan; the w:vMerge runs that render.vertical_merges decided → rowspan) and its
labels, for every kind and for a unit's restyled template, with no second template to keep in
step. Problems are marked on the cell they concern, the message and file:line beside it.

The pages are self-contained (inline CSS and script, local fonts only): they work offline, fit a
1366-pixel screen and print on A4. Every value is escaped (Jinja autoescape, markupsafe).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from ..input.model import Project, Unit
from ..input.problems import Problem
from .anchors import collect_anchors, document_xml, place_problems, render_traced
from .render import Renderer, format_amount

_w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
_STYLE_NAME = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class Note:
    """A problem as the page shows it: numbered, and whether it is marked on a cell."""
    number: int
    problem: Problem
    where: str            # file:line, as validate prints it
    cell: str = ""        # the id of the element it is marked on ("" where the form prints no place)


@dataclass
class FormView:
    """One rendered form (or 汇总表) with its problems."""
    html: Markup
    notes: list[Note] = field(default_factory=list)


def render_form(renderer: Renderer, unit: Unit, projects: list[Project], problems: Iterable[Problem], *,
                summary: bool, shown_path=str) -> FormView:
    """The form of `projects` as HTML, each problem marked at its cell (numbered in order)."""
    traced = render_traced(renderer, unit, projects, summary=summary)
    root = document_xml(traced.docx)
    anchors = collect_anchors(root, traced.fields)
    notes, at = [], {}
    placed = place_problems(anchors, projects, problems, unit if summary else None)
    for number, (element, problem) in enumerate(placed, start=1):
        note = Note(number, problem, f"{shown_path(problem.path)}:{problem.line}")
        notes.append(note)
        if element is not None:
            at.setdefault(element, []).append(note)
            note.cell = f"cell-{at[element][0].number}"
    body = root.find(f"{_w}body")
    return FormView(Markup("").join(_block(child, at) for child in body), notes)


# -- WordprocessingML → HTML --------------------------------------------------------------------
def _block(element, at: dict) -> Markup:
    if element.tag == f"{_w}p":
        return _paragraph(element, at)
    if element.tag == f"{_w}tbl":
        return _table(element, at)
    return Markup("")


def _paragraph(p, at: dict) -> Markup:
    style = p.find(f"{_w}pPr/{_w}pStyle")
    align = p.find(f"{_w}pPr/{_w}jc")
    classes = ["s-" + _STYLE_NAME.sub("", style.get(f"{_w}val"))] if style is not None else []
    attributes = ""
    if align is not None and align.get(f"{_w}val") in ("center", "right", "left", "both"):
        attributes += f' style="text-align:{_ALIGN[align.get(_w + "val")]}"'
    parts, page_break = [], False
    for run in p.iter(f"{_w}r"):
        bold = run.find(f"{_w}rPr/{_w}b") is not None
        for child in run:
            if child.tag == f"{_w}t":
                text = escape("".join(child.itertext()))
                parts.append(Markup("<b>%s</b>") % text if bold and text else text)
            elif child.tag == f"{_w}br":
                if child.get(f"{_w}type") == "page":
                    page_break = True
                else:
                    parts.append(Markup("<br>"))
            elif child.tag == f"{_w}tab":
                parts.append(Markup("&emsp;"))
    if page_break and not parts:
        return Markup('<div class="page-break"></div>')
    content = Markup("").join(parts)
    if not content and p.getparent().tag == f"{_w}body":
        return Markup("")  # the template's spacer paragraphs (between tables, around loops)
    notes = at.get(p)
    if notes:
        classes += ["flag", _worst(notes)]
        attributes += f' id="cell-{notes[0].number}"'
    return Markup('<p class="%s"%s>%s%s</p>') % (" ".join(classes), Markup(attributes), content, _badges(notes))


_ALIGN = {"center": "center", "right": "right", "left": "left", "both": "justify"}


def _table(tbl, at: dict) -> Markup:
    """A w:tbl as <table>: grid columns as widths, gridSpan as colspan, vMerge runs as rowspan."""
    widths = [int(c.get(f"{_w}w", "0") or 0) for c in tbl.findall(f"{_w}tblGrid/{_w}gridCol")]
    total = sum(widths) or 1
    columns = Markup("").join(Markup('<col style="width:%.2f%%">') % (100 * w / total) for w in widths)
    grid = [_row_cells(tr) for tr in tbl.findall(f"{_w}tr")]
    rows = []
    for r, cells in enumerate(grid):
        html_cells = []
        for start, tc in cells:
            merge = _vmerge(tc)
            if merge == "continue":
                continue
            span = int(tc.find(f"{_w}tcPr/{_w}gridSpan").get(f"{_w}val")) \
                if tc.find(f"{_w}tcPr/{_w}gridSpan") is not None else 1
            rowspan = _rowspan(grid, r, start) if merge == "restart" else 1
            html_cells.append(_cell(tc, span, rowspan, at))
        rows.append(Markup("<tr>%s</tr>") % Markup("").join(html_cells))
    return Markup('<table class="form"><colgroup>%s</colgroup>%s</table>') % (columns, Markup("").join(rows))


def _row_cells(tr) -> list[tuple[int, Any]]:
    """(first grid column, w:tc) for each cell of a row."""
    before = tr.find(f"{_w}trPr/{_w}gridBefore")
    start = int(before.get(f"{_w}val")) if before is not None else 0
    cells = []
    for tc in tr.findall(f"{_w}tc"):
        cells.append((start, tc))
        span = tc.find(f"{_w}tcPr/{_w}gridSpan")
        start += int(span.get(f"{_w}val")) if span is not None else 1
    return cells


def _vmerge(tc) -> str | None:
    merge = tc.find(f"{_w}tcPr/{_w}vMerge")
    if merge is None:
        return None
    return "restart" if merge.get(f"{_w}val") == "restart" else "continue"


def _rowspan(grid: list, row: int, start: int) -> int:
    span = 1
    for cells in grid[row + 1:]:
        below = next((tc for s, tc in cells if s == start), None)
        if below is None or _vmerge(below) != "continue":
            break
        span += 1
    return span


def _cell(tc, colspan: int, rowspan: int, at: dict) -> Markup:
    notes = at.get(tc)
    attributes = ""
    if colspan > 1:
        attributes += f' colspan="{colspan}"'
    if rowspan > 1:
        attributes += f' rowspan="{rowspan}"'
    if notes:
        attributes += f' class="flag {_worst(notes)}" id="cell-{notes[0].number}"'
    content = Markup("").join(_paragraph(p, {}) for p in tc.findall(f"{_w}p"))
    return Markup("<td%s>%s%s</td>") % (Markup(attributes), _badges(notes), content)  # badges float right


def _worst(notes: list[Note]) -> str:
    return min((n.problem.severity for n in notes), key=("error", "warning", "info").index)


def _badges(notes: list[Note] | None) -> Markup:
    """The numbers of a cell's problems; their messages stand in the margin beside it."""
    if not notes:
        return Markup("")
    return Markup('<span class="badges">%s</span>') % Markup("").join(
        Markup('<a class="badge %s" href="#problem-%d">%d</a>') % (n.problem.severity, n.number, n.number)
        for n in notes)


# -- pages ----------------------------------------------------------------------------------------
_env = SandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.globals["severity_labels"] = SEVERITY_LABELS

STYLE = """
:root { --error:#c62828; --warning:#b26a00; --info:#1565c0; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Serif CJK SC", "Source Han Serif SC", SimSun, "Songti SC", serif;
       color: #111; background: #f3f3f0; font-size: 15px; }
nav { position: sticky; top: 0; z-index: 2; display: flex; gap: 1em; align-items: center; flex-wrap: wrap;
      padding: .5em 1em; background: #263238; color: #eee; font-family: "Noto Sans CJK SC", sans-serif; }
nav a { color: #fff; } nav .live { margin-left: auto; font-size: 90%; opacity: .85; }
nav .downloads a { margin-right: .6em; }
main { max-width: 1180px; margin: 0 auto; padding: 1em; }
.sheet { background: #fff; padding: 1.2em 1.5em; max-width: 860px; margin: 0 auto 1.5em;
         box-shadow: 0 1px 4px rgba(0,0,0,.2); }
table.form { width: 100%; border-collapse: collapse; table-layout: fixed; margin: .3em 0 1em; }
table.form td { border: 1px solid #000; padding: 3px 4px; vertical-align: middle; font-size: 13px;
                overflow-wrap: anywhere; }
table.form td p { margin: 0; }
.s-FormTitle { font-size: 20px; font-weight: bold; text-align: center; margin: .4em 0 .1em; }
.s-FormYear, .s-FormUnit { text-align: center; margin: 0 0 .4em; }
.s-SummaryTitle { font-size: 22px; font-weight: bold; text-align: center; margin: .5em 0 1em; }
.s-TableSection { font-weight: bold; }
.s-TableTextSmall { font-size: 12px; }
.page-break { border-top: 2px dashed #bbb; margin: 1.5em -1.5em; }
.flag { outline: 3px solid var(--warning); outline-offset: -2px; background: #fff8e1; }
.flag.error { outline-color: var(--error); background: #ffebee; }
.flag.info { outline-color: var(--info); background: #e3f2fd; }
.paper { display: grid; grid-template-columns: minmax(0, 860px) 270px; gap: 12px; justify-content: center; }
.paper .sheet { margin: 0 0 1.5em; max-width: none; }
.margin { position: relative; font-family: "Noto Sans CJK SC", sans-serif; }
.note { font-size: 12px; line-height: 1.4; padding: 4px 6px; margin-bottom: 4px; background: #fffdf5;
        border-left: 4px solid var(--warning); box-shadow: 0 1px 3px rgba(0,0,0,.15); width: 100%; }
.note.error { border-color: var(--error); background: #fff5f5; } .note.info { border-color: var(--info); background: #f5f9ff; }
.note.focus { outline: 2px solid #333; }
.badge, .note b { display: inline-block; min-width: 1.5em; text-align: center; color: #fff; background: var(--warning);
                  border-radius: 3px; font: bold 11px/1.5 sans-serif; text-decoration: none; margin: 0 0 0 2px; }
.badge.error, .note.error b { background: var(--error); } .badge.info, .note.info b { background: var(--info); }
.note b { margin: 0 .4em 0 0; }
td > .badges { float: right; }
.note .where { display: block; margin: 2px 0 0; word-break: break-all; }
.where { color: #555; margin-left: .5em; font-family: monospace; font-size: 11px; }
.problems { background: #fff; max-width: 1142px; margin: 0 auto 1em; padding: .6em 1em;
            font-family: "Noto Sans CJK SC", sans-serif; font-size: 13px; }
.problems li { margin: .2em 0; }
.sev-error { color: var(--error); font-weight: bold; } .sev-warning { color: var(--warning); font-weight: bold; }
.sev-info { color: var(--info); }
.load-error { background: #ffebee; border: 2px solid var(--error); padding: 1em; max-width: 860px; margin: 0 auto;
              font-family: "Noto Sans CJK SC", sans-serif; }
table.index { border-collapse: collapse; background: #fff; width: 100%; font-family: "Noto Sans CJK SC", sans-serif; }
table.index th, table.index td { border: 1px solid #ccc; padding: .35em .6em; text-align: left; }
table.index td.n { text-align: right; font-variant-numeric: tabular-nums; }
.stale { color: var(--warning); font-size: 90%; }
@page { size: A4; margin: 15mm; }
@media print {
  body { background: #fff; font-size: 12px; }
  nav, .problems, .margin, .badges, .no-print { display: none !important; }
  .paper { display: block; }
  main { padding: 0; max-width: none; }
  .sheet { box-shadow: none; padding: 0; max-width: none; margin: 0; }
  .flag { outline: none !important; background: none !important; }
  .page-break { border: 0; margin: 0; break-after: page; }
}
"""

# Reload the page's content when the server says a spec changed (server-sent events), keeping
# the scroll position; the form is fetched again whole, it is small.
SCRIPT = """
function placeNotes() {
  // each note beside its cell, in the margin; notes that would overlap move down
  var margin = document.querySelector('.margin');
  if (!margin || getComputedStyle(margin).display === 'none') { return; }
  var base = margin.getBoundingClientRect().top, bottom = 0;
  margin.querySelectorAll('.note').forEach(function (note) {
    var cell = document.getElementById(note.dataset.cell);
    var top = Math.max(cell ? cell.getBoundingClientRect().top - base : bottom, bottom);
    note.style.position = 'absolute';
    note.style.top = top + 'px';
    bottom = top + note.offsetHeight + 4;
  });
  margin.style.minHeight = bottom + 'px';
}
window.addEventListener('load', placeNotes);
window.addEventListener('resize', placeNotes);
(function () {
  var live = document.getElementById('live');
  if (!window.EventSource) { return; }
  var source = new EventSource('/events');
  source.onopen = function () { live.textContent = '● 实时预览'; };
  source.onerror = function () { live.textContent = '○ 连接中断，重试中…'; };
  source.addEventListener('changed', function () {
    fetch(location.href, {cache: 'no-store'}).then(function (r) { return r.text(); }).then(function (text) {
      var page = new DOMParser().parseFromString(text, 'text/html');
      var fresh = page.getElementById('content'), old = document.getElementById('content');
      if (fresh && old) { old.replaceWith(fresh); document.title = page.title; placeNotes(); }
      document.body.dataset.version = page.body.dataset.version;
    });
  });
})();
"""

PAGE = _env.from_string("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><style>{{ style }}</style></head>
<body data-version="{{ version }}">
<nav><a href="/">目录</a>{% if summary_link %}<a href="/summary">{{ summary_link }}</a>{% endif %}
<span class="downloads">{% for name, href in downloads %}<a href="{{ href }}" download>下载 {{ name }}</a>{% endfor %}</span>
<span class="live" id="live">○ 实时预览未连接</span></nav>
<main id="content">{{ content }}</main>
<script>{{ script }}</script></body></html>
""")

INDEX = _env.from_string("""<h1>{{ title }}</h1>
{% if unit_problems %}<div class="problems"><b>单位文件</b><ul>
{% for p in unit_problems %}<li><span class="sev-{{ p.severity }}">{{ severity_labels[p.severity] }}</span> {{ p.message }} <span class="where">{{ p.where }}</span></li>{% endfor %}
</ul></div>{% endif %}
<table class="index"><thead><tr><th>#</th><th>项目名称</th><th>项目资金（元）</th><th>错误</th><th>警告</th><th>文件</th></tr></thead><tbody>
{% for row in rows %}<tr><td class="n">{{ loop.index }}</td><td><a href="{{ row.href }}">{{ row.name }}</a></td>
<td class="n">{{ row.funds }}</td><td class="n{% if row.errors %} sev-error{% endif %}">{{ row.errors }}</td>
<td class="n{% if row.warnings %} sev-warning{% endif %}">{{ row.warnings }}</td><td>{{ row.file }}</td></tr>
{% endfor %}</tbody></table>
{% if not rows %}<p>此文件夹中没有项目文件。</p>{% endif %}
""")

FORM = _env.from_string("""{% if notes %}<div class="problems"><b>{{ counts }}</b><ol>
{% for n in notes %}<li value="{{ n.number }}"><span class="sev-{{ n.problem.severity }}">{{ severity_labels[n.problem.severity] }}</span>
{% if n.cell %}<a href="#{{ n.cell }}">{{ n.problem.message }}</a>{% else %}{{ n.problem.message }}{% endif %}
<span class="where">{{ n.where }}</span></li>{% endfor %}</ol></div>{% endif %}
{% if stale %}<p class="stale no-print">{{ stale }}</p>{% endif %}
<div class="paper"><div class="sheet">{{ form }}</div><aside class="margin">
{% for n in notes if n.cell %}<div class="note {{ n.problem.severity }}" id="problem-{{ n.number }}" data-cell="{{ n.cell }}">
<b>{{ n.number }}</b>{{ n.problem.message }}<span class="where">{{ n.where }}</span></div>
{% endfor %}</aside></div>
""")

LOAD_ERROR = _env.from_string("""<div class="load-error"><h2>{{ name }}：规格有错误，无法显示表格</h2><ul>
{% for p in problems %}<li><span class="sev-{{ p.severity }}">{{ severity_labels[p.severity] }}</span> {{ p.message }} <span class="where">{{ p.where }}</span></li>{% endfor %}
</ul></div>""")


def page(*, title: str, content: Markup, version: int, downloads: list[tuple[str, str]] = (),
         summary_link: str = "") -> str:
    """A whole page: navigation, the content, the live-reload script."""
    return PAGE.render(title=title, content=content, version=version, downloads=downloads,
                       summary_link=summary_link, style=Markup(STYLE), script=Markup(SCRIPT))


def index_content(*, title: str, rows: list[dict], unit_problems: list[dict]) -> Markup:
    return Markup(INDEX.render(title=title, rows=rows, unit_problems=unit_problems))


def form_content(view: FormView, *, stale: str = "") -> Markup:
    counts = {s: sum(1 for n in view.notes if n.problem.severity == s) for s in SEVERITY_LABELS}
    summary = "，".join(f"{counts[s]} 个{SEVERITY_LABELS[s]}" for s in SEVERITY_LABELS if counts[s])
    return Markup(FORM.render(notes=view.notes, counts=summary, form=view.html, stale=stale))


def load_error_content(name: str, problems: list[dict]) -> Markup:
    return Markup(LOAD_ERROR.render(name=name, problems=problems))


def funds_of(project: Project) -> str:
    """The project's 项目资金 as the index shows it: the kind's budget field, printed."""
    dotted = project.kind.checks.get("budget")
    value = project.get(dotted) if dotted else None
    return format_amount(value) if isinstance(value, Decimal) else (str(value) if value else "—")
