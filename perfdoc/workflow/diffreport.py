"""A comparison (diff.py) written for people and scripts: terminal text, markdown, JSON.

Text marks deletions `[-…-]` and insertions `{+…+}` as `git diff --word-diff` does, or colours
them (red, green) at a terminal; a long text shows only the changed stretches with a little
context. Markdown is the 对照表 as a table for a merge request. JSON is Comparison.as_dict():
its keys are documented in README.md and kept stable (`format: perfdoc-diff/1`).
"""
from __future__ import annotations

import json

from .diff import Comparison, FieldChange, IndicatorChange, ProjectChange, indicator_name, rows

CONTEXT = 15      # characters kept either side of a change in a long text
SHORT = 30        # texts up to this long are shown whole, old → new; longer ones as a character diff
_RED, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"


def describe(side) -> str:
    return f"{side.source}（{side.unit} {side.year} 年度，{side.kind}，{side.projects} 个项目）"


def title(comparison: Comparison) -> str:
    """Names both sides: the years when they differ, else the two sources (revisions, folders)."""
    old, new = comparison.old, comparison.new
    unit = old.unit if old.unit == new.unit else ""
    sides = (f"{old.year} 年度 → {new.year} 年度" if old.year != new.year
             else f"{old.year} 年度：{old.source} → {new.source}")
    return f"{unit}项目绩效目标对照表（{sides}）"


def subtitle(comparison: Comparison) -> str:
    return f"原：{describe(comparison.old)}；现：{describe(comparison.new)}"


def summary_line(comparison: Comparison) -> str:
    c = comparison.counts()
    return (f"新增项目 {c['added']} 个，删除 {c['removed']} 个，改名 {c['renamed']} 个，"
            f"有改动 {c['changed']} 个，未变 {c['unchanged']} 个")


# -- text ----------------------------------------------------------------------------------------
def text_report(comparison: Comparison, *, colour: bool = False) -> str:
    lines = [f"比较 {describe(comparison.old)}", f"  与 {describe(comparison.new)}", summary_line(comparison)]
    for change in comparison.unit:
        lines.append(f"单位文件 {_field_line(change, colour)}")
    previous = 0  # lines in the previous project's block: a block of several stands apart
    for project in comparison.projects:
        if project.status == "unchanged":
            continue
        block = _project_lines(project, colour)
        if len(block) > 1 or previous != 1:
            lines.append("")
        lines += block
        previous = len(block)
    return "\n".join(lines) + "\n"


def _project_lines(project: ProjectChange, colour: bool) -> list[str]:
    bold = (lambda s: f"{_BOLD}{s}{_RESET}") if colour else (lambda s: s)
    if project.status == "added":
        return [bold(f"+ 新增项目：{project.name}（{project.new_file}）")]
    if project.status == "removed":
        return [bold(f"- 删除项目：{project.name}（{project.old_file}）")]
    head = f"项目：{project.name}（{project.new_file}）"
    if project.renamed:
        how = "按内容匹配" if project.match == "content" else "指定为同一项目"
        sure = f"，相似度 {project.similarity:.0%}" if project.similarity is not None else ""
        head = f"项目：{project.name}（改名，原为“{project.old_name}”，{how}{sure}；{project.new_file}）"
    lines = [bold(head)]
    if project.reordered:
        lines.append(f"  在汇总表中的位置：第 {project.old_position} 个 → 第 {project.new_position} 个")
    lines += [f"  {_field_line(c, colour)}" for c in project.fields if c.field != "项目名称"]
    lines += [f"  {line}" for c in project.indicators for line in _indicator_lines(c, colour)]
    return lines


def _field_line(change: FieldChange, colour: bool) -> str:
    if change.segments and (len(change.old) > SHORT or len(change.new) > SHORT):
        return f"{change.label}：{inline(change.segments, colour)}"
    line = f"{change.label}：{change.old or '（空）'} → {change.new or '（空）'}"
    return line + (f"（{change.note}）" if change.note else "")


def _indicator_lines(change: IndicatorChange, colour: bool) -> list[str]:
    name = indicator_name(change.new or change.old)
    if change.status == "added":
        return [f"指标 新增 {name}：{change.new.get('指标值', '')}"]
    if change.status == "removed":
        return [f"指标 删除 {name}：{change.old.get('指标值', '')}"]
    lines = []
    if change.status == "renamed":
        lines.append(f"指标 改名 {indicator_name(change.old)} → {name}（相似度 {change.similarity:.0%}）")
    elif change.status == "moved":
        lines.append(f"指标 改变归类 {indicator_name(change.old)} → {name}")
    if change.reordered:
        lines.append(f"指标 顺序 {name}：第 {change.old['row']} 行 → 第 {change.new['row']} 行")
    for column in change.changes:
        if column.field in ("一级指标", "二级指标", "三级指标") and change.status in ("renamed", "moved"):
            continue
        if column.type == "value":
            line = f"指标值 {name}：{column.old or '（空）'} → {column.new or '（空）'}"
            lines.append(line + (f"（{column.note}）" if column.note else ""))
        else:
            lines.append(f"指标 {name} 的{_field_line(column, colour)}")
    return lines


def inline(segments: list[list[str]], colour: bool) -> str:
    """Segments on one line: [-deleted-]{+inserted+} or coloured; long equal stretches cut."""
    out = []
    for index, (op, text) in enumerate(segments):
        text = " ".join(text.splitlines()) if op != "=" else text
        if op == "=":
            out.append(_condense(text, first=index == 0, last=index == len(segments) - 1))
        elif colour:
            out.append(f"{_RED if op == '-' else _GREEN}{text}{_RESET}")
        else:
            out.append(f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
    return "".join(out)


def _condense(text: str, *, first: bool, last: bool) -> str:
    text = " ".join(text.splitlines())
    if len(text) <= 2 * CONTEXT + 1:
        return text
    head = "" if first else text[:CONTEXT]
    tail = "" if last else text[-CONTEXT:]
    return f"{head}…{tail}"


# -- markdown ------------------------------------------------------------------------------------
def markdown_report(comparison: Comparison) -> str:
    lines = [f"## {title(comparison)}", "", f"- 原：{_md(describe(comparison.old))}",
             f"- 现：{_md(describe(comparison.new))}", f"- {summary_line(comparison)}", ""]
    table = rows(comparison)
    if not table:
        return "\n".join(lines + ["两边没有差别。", ""])
    lines += ["| 项目 | 栏目 | 原 | 现 | 说明 |", "|---|---|---|---|---|"]
    for row in table:
        cells = [_md(row.project), _md(row.field), _md_segments(row.old), _md_segments(row.new), _md(row.note)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return "<br>".join(text.splitlines()) if "\n" in text else text


def _md_segments(segments: list[list[str]]) -> str:
    out = []
    for op, text in segments:
        if op == "=":
            out.append(_md(_condense(text, first=False, last=False)) if len(text) > 2 * CONTEXT + 1 else _md(text))
        else:
            out.append(f"<{'del' if op == '-' else 'ins'}>{_md(text)}</{'del' if op == '-' else 'ins'}>")
    return "".join(out)


# -- JSON ----------------------------------------------------------------------------------------
def json_report(comparison: Comparison) -> str:
    return json.dumps(comparison.as_dict(), ensure_ascii=False, indent=2) + "\n"
