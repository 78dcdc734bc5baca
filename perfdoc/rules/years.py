"""Years mentioned in a spec's texts, and the rule that an earlier year than the spec's own is
probably last year's text carried over (`2026年12月底前` in a 2027 spec).

A year counts as mentioned where the text says it is a year: `2026年`, `2026年度`, `2026版`,
a date `2026-12-31` / `2026.12`, or a range `2025-2027年` / `2025年至2027年` (a range that reaches
the spec's year is current). A year inside a cited title 《…（2026）》 or a document number
(文号) such as 沪科〔2026〕12号 is a citation, never stale; `perfdoc next` still lists it for review.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Iterator

from ..input.model import Project
from ..input.problems import Problem
from ..input.values import parse_value
from .form_rules import Rows
from .registry import label_of, problem, project_rule, row_check

_YEAR = r"(?:19|20)\d{2}"
_MONTH = r"(?:0?[1-9]|1[0-2])(?!\d)"
_MENTION = re.compile(
    rf"(?<![\d.])(?P<first>{_YEAR})(?!\d)\s*+(?:年度?)?"
    rf"(?:\s*+[-–—~～至到]\s*+(?P<last>{_YEAR})(?!\d))?"
    rf"\s*+(?:年|版|届|[-./]{_MONTH})")
# (`\s*+` takes its spaces for good: what follows each one never starts with a space, and
# three `\s*` sharing one run of spaces tried every way of splitting it)
_TITLE = re.compile(r"《[^《》]*》")
_DOCUMENT_NUMBER = re.compile(rf"[〔\[【(（]\s*{_YEAR}\s*[〕\]】)）]\s*\d*\s*号?")
_BARE_YEAR = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_CONTEXT = 12  # characters quoted either side of a mention
# Work done this year on the year just closed: its 决算, 自评, report, results. Read up to the end
# of the clause after the mention (绿色技术银行2021年建设报告 in a 2022 spec is this year's task).
_RETROSPECTIVE = re.compile(r"[^，。；;,!！?？\n]{0,15}?(?:报告|总结|年报|决算|自评|评价|审计|成果|基础上)")


@dataclass(frozen=True)
class YearMention:
    """A year (or range of years) a text mentions, where, and whether it is a citation."""
    first: int
    last: int
    start: int
    end: int
    citation: bool
    retrospective: bool = False   # 2026年度决算、2026年建设报告、在2026年…基础上

    def before(self, year: int) -> bool:
        """Whether the whole mention lies before `year` (a range reaching it is current)."""
        return self.last < year

    def stale_in(self, year: int) -> bool:
        """Whether a spec of `year` probably carried this mention over from an earlier year: it is
        earlier, not a citation, and not this year's work on the year just closed."""
        closed_year = self.retrospective and self.last == year - 1
        return self.before(year) and not self.citation and not closed_year


def year_mentions(text: str) -> list[YearMention]:
    """Every year the text mentions, in order; citations marked.

    Linear in the text: a spec from elsewhere may hold a 2 MB text of citations and years, and
    asking every citation about every mention took minutes on one of 0.7 MB."""
    cited = [m.span() for m in _TITLE.finditer(text)] + [m.span() for m in _DOCUMENT_NUMBER.finditer(text)]
    in_citation = _Spans(cited)
    mentions = []
    for match in _MENTION.finditer(text):
        first = int(match["first"])
        last = int(match["last"]) if match["last"] else first
        start, end = match.span()
        retrospective = bool(_RETROSPECTIVE.match(text, end))
        mentions.append(YearMention(first, max(first, last), start, end, start in in_citation, retrospective))
    # A bare year in a citation (《…（2026）》, 〔2026〕12号) is still worth a look when a spec rolls on.
    in_mention, bare = _Spans([(m.start, m.end) for m in mentions]), set()
    for a, b in cited:
        for match in _BARE_YEAR.finditer(text, a, b):
            at = match.start()
            # a bare year is four characters: one found already covers `at` if it starts up to 3 before
            if at not in in_mention and not any(at - back in bare for back in range(4)):
                bare.add(at)
                year = int(match.group())
                mentions.append(YearMention(year, year, at, match.end(), True))
    return sorted(mentions, key=lambda m: m.start)


class _Spans:
    """Whether a position lies in any of some spans (start, end), by bisection of their union."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def __contains__(self, at: int) -> bool:
        i = bisect.bisect_right(self.starts, at) - 1
        return i >= 0 and at < self.ends[i]


def quote(text: str, mention: YearMention) -> str:
    """The mention with a little context, on one line: …组织实施2026年度…"""
    start, end = max(0, mention.start - _CONTEXT), min(len(text), mention.end + _CONTEXT)
    snippet = " ".join(text[start:end].split())
    return ("…" if start else "") + snippet + ("…" if end < len(text) else "")


def texts(values: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted path, text) for every text in a project's values, indicator rows included, that
    could name a year at all: every year this module reads has `19` or `20` in it. (A 1000-project
    unit has 120,000 texts; walking them all with a path each, and three patterns on each, was
    the most expensive rule of all.) The path is built only for such a text."""
    found: list[tuple[str, str]] = []
    _collect_texts(values, prefix, found)
    return found


def _collect_texts(values: Any, prefix: str, found: list[tuple[str, str]]) -> None:
    """`texts`, in the same order, into one list: no generator per row and per group."""
    if isinstance(values, dict):
        for key, value in values.items():
            if type(value) is str:
                if "20" in value or "19" in value:
                    found.append((f"{prefix}{key}", value))
            elif isinstance(value, (dict, list, str)):
                _collect_texts(value, f"{prefix}{key}.", found)
    elif isinstance(values, list):
        for index, value in enumerate(values):
            _collect_texts(value, f"{prefix}{index}.", found)
    elif isinstance(values, str):
        if "20" in values or "19" in values:
            found.append((prefix[:-1], values))


def field_label(project: Project, dotted: str) -> str:
    """How to name a text's place: 年度总体目标, or 绩效指标第 3 行（信息平台运维）的指标值."""
    parts = dotted.split(".")
    spec = project.kind.indicator_field
    if spec is not None and parts[0] == spec.key and len(parts) == 3 and parts[1].isdigit():
        row = (project.values.get(spec.key) or [])[int(parts[1])]
        column = spec.child(parts[2])
        name = row.get("三级指标") or row.get("二级指标") or ""
        return (f"{spec.label}第 {int(parts[1]) + 1} 行" + (f"（{name}）" if name else "")
                + f"的“{column.label if column else parts[2]}”")
    return f"“{label_of(project, dotted)}”"


@project_rule
def earlier_year_mentioned(project: Project) -> Iterator[Problem]:
    """A text that names a year before the spec's own: most often last year's text copied on.

    One warning per text, naming every such year. Texts the kind lists under `checks.history`
    (the 2020 form's 立项依据, 项目设立的必要性: background that recounts earlier years by nature)
    are not read.
    """
    history = set(project.kind.checks.get("history") or ())
    table = project.kind.indicator_field
    values = {key: value for key, value in project.values.items() if table is None or key != table.key}
    for dotted, text in texts(values):  # the indicator rows' cells: row_earlier_year
        if dotted not in history:
            found = _earlier_year(project, dotted, text)
            if found:
                yield found


@row_check
def row_earlier_year(rows: Rows, index: int, row: dict) -> None:
    """earlier_year_mentioned for the row's cells, in the one walk of the rows."""
    for key, value in row.items():
        if type(value) is str and ("20" in value or "19" in value):
            found = _earlier_year(rows.project, f"{rows.key}.{index}.{key}", value)
            if found:
                rows.found.append(found)


def _earlier_year(project: Project, dotted: str, text: str) -> Problem | None:
    """The warning for a text that names a year before the spec's own, if it does."""
    if parse_value(text) is not None:  # ≥2000.00(份) names no year
        return None
    year = project.unit.year
    earlier = [m for m in year_mentions(text) if m.stale_in(year)]
    if not earlier:
        return None
    named = "、".join(dict.fromkeys(
        str(m.first) if m.first == m.last else f"{m.first}–{m.last}" for m in earlier))
    return problem(project, dotted, "warning", "earlier-year",
                   f"{field_label(project, dotted)}提到 {named} 年（“{quote(text, earlier[0])}”），"
                   f"早于本规格的 {year} 年度：若是沿用往年的文字，请改为本年度；"
                   f"若确指往年（上年成果、立项时间等），可以保留")
