"""`perfdoc diff OLD NEW`: what changed between two versions of a unit's specs, in the form's terms.

    OLD, NEW: spec folders or project files, or either as a git revision `REV:path`

1. Read each side (a git revision is copied out of git into a temporary folder: gitsource.py).
2. Pair the projects: pinned pairs (--pair), then by 项目名称, then the rest by content — the
   character pairs of name, 年度总体目标 and 三级指标 in common (Jaccard) — so a renamed
   project is a rename, said with how sure, not a removal and an addition.
3. Pair each pair's indicator rows the same way: by 一级/二级/三级, then the same 三级 under
   another 一级/二级 (moved), then a similar 三级 under the same 一级 (renamed). Rows whose
   relative order changed are reported as reordered, not removed and added.
4. Compare field by field: amounts with difference and percent, target values tightened or
   loosened (values.py reads them), texts character by character (Chinese has no spaces).

The result is plain data (Comparison); diffreport.py writes it as text, markdown or JSON, and
`rows()` gives the 对照表 rows that output/comparison.py writes as Word or Excel.
"""
from __future__ import annotations

import bisect
import datetime as dt
import difflib
import os
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..input.folder import UsageError
from ..input.kinds import FieldSpec
from ..input.model import Project, Unit
from ..input.values import parse_value
from ..make.pipeline import Specs, read_specs
from ..output.comparison import ComparisonRow
from .gitsource import export_folder, parse_git_spec

PROJECT_SIMILARITY = 0.5    # below this, an unmatched pair is a removal and an addition
INDICATOR_SIMILARITY = 0.5
SAME_VALUE_SIMILARITY = 0.3  # a renamed row that kept its 指标值 may have changed more of its name
RARE_TOKENS, CANDIDATES = 24, 10
ROW_PAIRS = 40_000         # rows compared each with each (200 × 200) before only candidates are
COMMON_TOKEN = 256         # a pair of characters in more rows than this tells no row from another
MAX_COMPARED = 1_000       # characters of a name difflib compares
MAX_CHARACTER_DIFF = 20_000  # characters of two texts diffed character by character
LONG_TEXT, REWRITTEN = 400, 0.6    # two long texts sharing fewer characters than this are rewritten
_LEVELS = ("一级指标", "二级指标", "三级指标")


# -- the result: plain data, JSON as it stands (README documents the keys) -----------------------
@dataclass
class FieldChange:
    field: str                         # dotted key: 项目资金.年度资金申请总额
    label: str                         # as the form prints it: 年度资金申请总额
    old: str
    new: str
    type: str = "text"                 # text | amount | date | number | value (指标值)
    difference: str | None = None      # amounts and numbers: +85,000.00
    percent: str | None = None         # +5.61%
    direction: str | None = None       # 指标值: tightened | loosened | raised | lowered | changed
    note: str = ""                     # said in words: 增加 85,000.00（+5.61%）/ 提高 5.00，收紧
    segments: list[list[str]] = field(default_factory=list)  # texts: [["=", "…"], ["-", "旧"], ["+", "新"]]


@dataclass
class IndicatorChange:
    status: str                        # added | removed | changed | renamed | moved | reordered
    old: dict | None                   # {一级指标, 二级指标, 三级指标, 指标值, row}
    new: dict | None
    similarity: float | None = None    # renamed rows: how alike the 三级 are (0–1)
    reordered: bool = False            # its place among the rows changed
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ProjectChange:
    status: str                        # added | removed | changed | unchanged
    name: str                          # the new name (the old one for a removed project)
    old_name: str | None
    new_name: str | None
    old_file: str | None
    new_file: str | None
    match: str | None = None           # name | content | pinned
    similarity: float | None = None    # content matches: 0–1
    renamed: bool = False
    reordered: bool = False            # its place in the 汇总表 changed
    old_position: int | None = None    # 1-based, in file order
    new_position: int | None = None
    fields: list[FieldChange] = field(default_factory=list)
    indicators: list[IndicatorChange] = field(default_factory=list)


@dataclass
class SideInfo:
    source: str                        # as given: specs/2025, HEAD~1:specs/2025
    unit: str
    year: int
    kind: str
    projects: int


@dataclass
class Comparison:
    old: SideInfo
    new: SideInfo
    unit: list[FieldChange]
    projects: list[ProjectChange]

    @property
    def has_changes(self) -> bool:
        return bool(self.unit) or any(p.status != "unchanged" for p in self.projects)

    def counts(self) -> dict[str, int]:
        counts = Counter(p.status for p in self.projects)
        return {"added": counts["added"], "removed": counts["removed"],
                "renamed": sum(1 for p in self.projects if p.renamed),
                "changed": counts["changed"], "unchanged": counts["unchanged"]}

    def as_dict(self) -> dict:
        return {"format": "perfdoc-diff/1", "old": asdict(self.old), "new": asdict(self.new),
                "summary": self.counts(), "unit": [asdict(c) for c in self.unit],
                "projects": [asdict(p) for p in self.projects if p.status != "unchanged"]}


# -- 1. reading a side ---------------------------------------------------------------------------
@dataclass
class Side:
    source: str
    specs: Specs
    shown: dict[Path, str]             # file → how to name it (the git path for a revision)
    single: bool = False               # one project file, not a folder
    notes: list[str] = field(default_factory=list)   # values that could not be read, compared as blank

    @property
    def unit(self) -> Unit:
        return self.specs.unit


def read_side(source: str, *, cwd: Path, workdir: Path, templates: list[Path] = ()) -> Side:
    """A spec folder or file on disk, or `REV:path` out of git; UsageError in one line if unreadable."""
    path = Path(source)
    if path.exists():
        target, shown_as, single = path, None, path.is_file()
    else:
        spec = parse_git_spec(source)
        if spec is None:
            raise UsageError(f"找不到规格文件夹或文件：{source}")
        folder = Path(tempfile.mkdtemp(dir=workdir))
        base, names, only = export_folder(spec, folder, cwd=cwd)
        target, single = (folder / only if only else folder), only is not None
        shown_as = {folder / n: f"{spec.revision}:{'' if base == '.' else base + '/'}{n}" for n in names}
    specs = read_specs(target, templates=list(templates), check=False)
    shown = shown_as or {}
    errors = [p for p in specs.problems if p.is_error]
    read = {p.path for p in specs.projects}
    unreadable = [p for p in errors if p.path not in read]  # the unit file, or a project not read at all
    if specs.unit is None or unreadable:
        first = (unreadable or errors)[0]
        more = len(errors) - 1
        raise UsageError(f"{shown.get(first.path, str(first.path))}:{first.line}:{first.col}: {first.message}"
                         + (f"（另有 {more} 个错误）" if more else "") + "：先修正才能比较")
    notes = [f"注意：{source} 中有 {len(errors)} 个值无法读取（如 {shown.get(errors[0].path, str(errors[0].path))}:"
             f"{errors[0].line}：{errors[0].message}），比较时按空白计；perfdoc validate 列出全部"] if errors else []
    return Side(source, specs, shown, single, notes)


def _shown(side: Side, path: Path) -> str:
    return side.shown.get(path) or str(path)


# -- 2. pairing projects ---------------------------------------------------------------------------
def _bigrams(text: str) -> set[str]:
    text = "".join(text.split())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _signature(project: Project) -> set[str]:
    spec = project.kind.indicator_field
    rows = project.values.get(spec.key) if spec else None
    words = [project.name, str(project.values.get("年度总体目标") or "")]
    words += [str(row.get("三级指标") or "") for row in rows or ()]
    return _bigrams(" ".join(words))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def pair_projects(old: list[Project], new: list[Project], pinned: list[tuple[str, str]] = ()
                  ) -> tuple[list[tuple[Project, Project, str, float | None]], list[Project], list[Project]]:
    """(old, new, how matched, similarity) pairs, then the unpaired old and new projects."""
    pairs = []
    old_left, new_left = list(old), list(new)

    def take(a: Project, b: Project, how: str, score: float | None) -> None:
        pairs.append((a, b, how, score))
        old_left.remove(a)
        new_left.remove(b)

    for old_name, new_name in pinned:
        a = _find(old_left, old_name, "OLD")
        b = _find(new_left, new_name, "NEW")
        take(a, b, "pinned", round(jaccard(_signature(a), _signature(b)), 2))
    by_name = defaultdict(list)
    for b in new_left:
        by_name[b.name].append(b)
    for a in list(old_left):
        if by_name.get(a.name):
            take(a, by_name[a.name].pop(0), "name", None)
    for a, b, score in _similar_pairs(old_left, new_left, _signature, PROJECT_SIMILARITY):
        take(a, b, "content", round(score, 2))
    return pairs, old_left, new_left


def _find(projects: list[Project], name: str, side: str) -> Project:
    for project in projects:
        if name in (project.name, project.path.name, project.path.stem):
            return project
    raise UsageError(f"--pair：{side} 中没有名为“{name}”的项目（或已配对）")


def _similar_pairs(old: list, new: list, signature, threshold: float):
    """Greedy best-first pairs by Jaccard similarity. Candidates are the items sharing one of an
    item's rarest tokens (an inverted index), so a thousand unmatched items stay fast."""
    if not old or not new:
        return []
    signatures_new = [signature(b) for b in new]
    index: dict[str, list[int]] = defaultdict(list)
    for j, tokens in enumerate(signatures_new):
        for token in tokens:
            index[token].append(j)
    scored = []
    for i, a in enumerate(old):
        tokens = signature(a)
        rarest = sorted((t for t in tokens if t in index), key=lambda t: (len(index[t]), t))[:RARE_TOKENS]
        shared = Counter(j for token in rarest for j in index[token])
        for j, _ in shared.most_common(CANDIDATES):
            score = jaccard(tokens, signatures_new[j])
            if score >= threshold:
                scored.append((score, i, j))
    return [(old[i], new[j], score) for score, i, j in best_first(scored)]


def best_first(scored: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """Greedy pairing: the most alike pair first, each item used once (ties in input order)."""
    result, used_old, used_new = [], set(), set()
    for score, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            result.append((score, i, j))
    return result


# -- 3. pairing indicator rows ---------------------------------------------------------------------
def _levels(row: dict) -> tuple[str, str, str]:
    return tuple(str(row.get(k) or "") for k in _LEVELS)


def pair_rows(old: list[dict], new: list[dict]) -> tuple[list[tuple[int, int, str, float | None]], list[int], list[int]]:
    """(old index, new index, how, similarity) for rows that are the same indicator; the rest."""
    pairs: list[tuple[int, int, str, float | None]] = []
    old_left, new_left = list(range(len(old))), list(range(len(new)))

    def match(key, how: str) -> None:
        waiting = defaultdict(list)
        for j in new_left:
            waiting[key(new[j])].append(j)
        for i in list(old_left):
            if waiting.get(key(old[i])):
                j = waiting[key(old[i])].pop(0)  # repeated 三级 names pair in order
                pairs.append((i, j, how, None))
                old_left.remove(i)
                new_left.remove(j)

    match(_levels, "same")
    match(lambda r: _levels(r)[2], "moved")          # the same 三级 under another 一级/二级
    for i, j, score in _renamed_rows(old, new, old_left, new_left):
        pairs.append((i, j, "renamed", round(score, 2)))
        old_left.remove(i)
        new_left.remove(j)
    return sorted(pairs, key=lambda p: p[1]), old_left, new_left


def _renamed_rows(old, new, old_left, new_left):
    """Rows under the same 一级 whose 三级 read alike (less alike will do if the 指标值 is the same)."""
    scored = []
    new_levels = {j: _levels(new[j]) for j in new_left}
    candidates = _row_candidates(old, old_left, new_left, new_levels)
    for i in old_left:
        first, _, name = _levels(old[i])
        value = old[i].get("指标值")
        for j in candidates(i):
            if new_levels[j][0] != first:
                continue
            same_value = bool(value) and value == new[j].get("指标值")
            score = similarity(name, new_levels[j][2], SAME_VALUE_SIMILARITY if same_value else INDICATOR_SIMILARITY)
            if score is not None:
                scored.append(((score + 1) / 2 if same_value else score, i, j))
    return [(i, j, score) for score, i, j in best_first(scored)]


def _row_candidates(old, old_left, new_left, new_levels):
    """The new rows each old row is compared with: all of them, as in any real project (under
    60 rows); where every row would be compared with thousands (a spec from elsewhere with
    thousands renamed: minutes), the few sharing its name's rarest pairs of characters."""
    if len(old_left) * len(new_left) <= ROW_PAIRS:
        return lambda i: new_left
    index: dict[str, list[int]] = defaultdict(list)
    for j in new_left:
        for token in _pairs_of_characters(new_levels[j][2]):
            index[token].append(j)

    def candidates(i: int) -> list[int]:
        tokens = [t for t in _pairs_of_characters(_levels(old[i])[2]) if 0 < len(index.get(t, ())) <= COMMON_TOKEN]
        rarest = sorted(tokens, key=lambda t: (len(index[t]), t))[:RARE_TOKENS]
        shared = Counter(j for token in rarest for j in index[token])
        return sorted(j for j, _ in shared.most_common(CANDIDATES))
    return candidates


def _pairs_of_characters(name: str) -> set[str]:
    name = name[:MAX_COMPARED]
    return {name[k:k + 2] for k in range(len(name) - 1)} or {name}


def similarity(a: str, b: str, needed: float) -> float | None:
    """difflib's ratio of two texts, or None below `needed` (its cheap upper bounds decide first).
    Texts longer than any form's name are not compared: difflib's ratio is quadratic in them."""
    if len(a) > MAX_COMPARED or len(b) > MAX_COMPARED:
        return None
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < needed or matcher.quick_ratio() < needed:
        return None
    score = matcher.ratio()
    return score if score >= needed else None


def out_of_order(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The pairs that moved: those outside a longest run kept in the same relative order."""
    ordered = sorted(pairs)                      # by old position
    news = [j for _, j in ordered]
    # longest increasing subsequence of the new positions (patience sorting, with back links)
    tails, tails_at, back = [], [], [-1] * len(news)
    for k, value in enumerate(news):
        at = bisect.bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
            tails_at.append(k)
        else:
            tails[at], tails_at[at] = value, k
        back[k] = tails_at[at - 1] if at else -1
    kept, k = set(), tails_at[-1] if tails_at else -1
    while k >= 0:
        kept.add(ordered[k])
        k = back[k]
    return set(ordered) - kept


# -- 4. comparing values ---------------------------------------------------------------------------
def shown(value: Any) -> str:
    """A value as the form prints it: amounts 1,515,000.00, dates 2025-01-01, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text_segments(old: str, new: str) -> list[list[str]]:
    """Character by character: [["=", same], ["-", deleted], ["+", inserted], …]. A lone equal
    character between two changes is folded into them, which reads better in Chinese."""
    if len(old) + len(new) > MAX_CHARACTER_DIFF:
        return _long_text_segments(old, new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if len(old) + len(new) > LONG_TEXT and matcher.quick_ratio() < REWRITTEN:
        return [s for s in (["-", old], ["+", new]) if s[1]]  # rewritten: a character diff says nothing
    segments: list[list[str]] = []
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        lone = (tag == "equal" and i2 - i1 == 1 and 0 < index < len(opcodes) - 1)
        if tag == "equal" and not lone:
            segments.append(["=", old[i1:i2]])
            continue
        if tag in ("delete", "replace") or lone:
            _add(segments, "-", old[i1:i2])
        if tag in ("insert", "replace") or lone:
            _add(segments, "+", new[j1:j2])
    return _tidy(segments)


def _long_text_segments(old: str, new: str) -> list[list[str]]:
    """Two texts longer than any form's: what they share at the start and the end, and the rest
    as deleted and inserted. difflib's character matcher is quadratic in the worst case — two
    texts of 300,000 characters from elsewhere took minutes — and no reader follows a character
    diff that long."""
    start = len(os.path.commonprefix([old, new]))
    end = len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))
    segments = [["=", old[:start]], ["-", old[start:len(old) - end]], ["+", new[start:len(new) - end]],
                ["=", old[len(old) - end:]]]
    return [segment for segment in segments if segment[1]]


def _add(segments: list[list[str]], op: str, text: str) -> None:
    if not text:
        return
    # keep deletions before insertions within one changed stretch
    if segments and segments[-1][0] == op:
        segments[-1][1] += text
    elif op == "-" and len(segments) >= 2 and segments[-1][0] == "+" and segments[-2][0] == "-":
        segments[-2][1] += text
    elif op == "-" and segments and segments[-1][0] == "+":
        segments.insert(len(segments) - 1, ["-", text])
    else:
        segments.append([op, text])


def _tidy(segments: list[list[str]]) -> list[list[str]]:
    tidy: list[list[str]] = []
    for op, text in segments:
        if tidy and tidy[-1][0] == op:
            tidy[-1][1] += text
        else:
            tidy.append([op, text])
    return tidy


def amount_change(label: str, dotted: str, old: Decimal | None, new: Decimal | None) -> FieldChange:
    change = FieldChange(dotted, label, shown(old), shown(new), "amount")
    if old is not None and new is not None:
        difference = new - old
        change.difference = f"{difference:+,.2f}"
        words = "增加" if difference > 0 else "减少"
        if old:
            change.percent = f"{difference / old * 100:+.2f}%"
        change.note = f"{words} {abs(difference):,.2f}" + (f"，{change.percent}" if change.percent else "")
    return change


_LOWER = {"≥", ">"}
_UPPER = {"≤", "<"}


def target_change(old_text: str, new_text: str) -> tuple[str, str, str | None, str | None]:
    """How a target value moved: (direction, words, difference, percent). Direction is
    tightened/loosened for a floor (≥ >) or a ceiling (≤ <), raised/lowered for =, changed else."""
    old, new = parse_value(old_text), parse_value(new_text)
    if old is None or new is None:
        return CHANGED, "", None, None
    if old.unit != new.unit:
        return CHANGED, f"计量单位由“{old.unit}”改为“{new.unit}”", None, None
    if old.high is not None or new.high is not None:
        return CHANGED, "区间改变", None, None
    difference = new.low - old.low
    number = f"{difference:+.2f}" if difference else None
    percent = f"{difference / old.low * 100:+.2f}%" if difference and old.low else None
    moved = (("提高 " if difference > 0 else "降低 ") + f"{abs(difference):.2f}"
             + (f"，{percent}" if percent else "")) if difference else ""
    direction = _direction(old.operator, new.operator, old.low, new.low)
    if direction is None:
        return CHANGED, f"运算符由“{old.operator}”改为“{new.operator}”", number, percent
    if direction in (TIGHTENED, LOOSENED):
        moved = moved or f"“{old.operator}”改为“{new.operator}”"
        return direction, f"{moved}，{'收紧' if direction == TIGHTENED else '放宽'}", number, percent
    return direction, moved, number, percent


TIGHTENED, LOOSENED, RAISED, LOWERED, CHANGED = "tightened", "loosened", "raised", "lowered", "changed"
_STRICT = {">": 1, "≥": 0, "<": 1, "≤": 0, "=": 0}   # > asks more than ≥ at the same number


def _direction(old_op: str, new_op: str, old: Decimal, new: Decimal) -> str | None:
    """tightened/loosened within floors or ceilings, raised/lowered within =, None across kinds."""
    if old_op in _LOWER and new_op in _LOWER:       # a floor: higher asks more
        before, after = (old, _STRICT[old_op]), (new, _STRICT[new_op])
    elif old_op in _UPPER and new_op in _UPPER:     # a ceiling: lower asks more
        before, after = (-old, _STRICT[old_op]), (-new, _STRICT[new_op])
    elif old_op == new_op == "=":
        return RAISED if new > old else LOWERED if new < old else CHANGED
    else:
        return None
    return TIGHTENED if after > before else LOOSENED if after < before else CHANGED


def compare_value(label: str, dotted: str, spec_type: str, old: Any, new: Any) -> FieldChange | None:
    if old == new or shown(old) == shown(new):
        return None
    if spec_type == "amount":
        return amount_change(label, dotted, old, new)
    change = FieldChange(dotted, label, shown(old), shown(new), "date" if spec_type == "date" else
                         "number" if spec_type in ("number", "percent") else "text")
    if change.type == "number" and isinstance(old, Decimal) and isinstance(new, Decimal):
        change.difference = f"{new - old:+.2f}"
    if change.type == "text":
        change.segments = text_segments(change.old, change.new)
    return change


def compare_fields(a: Project, b: Project) -> list[FieldChange]:
    changes = []
    for dotted, spec in b.kind.plain_fields:
        old, new = a.get(dotted), b.get(dotted)
        if spec.unit_default and old == a.unit.defaults.get(spec.key) and new == b.unit.defaults.get(spec.key):
            continue  # both from their unit file: a change there is said once, for the unit
        change = compare_value(spec.label.removeprefix("其中："), dotted, spec.type, old, new)
        if change:
            changes.append(change)
    return changes


def compare_indicators(a: Project, b: Project) -> list[IndicatorChange]:
    spec = b.kind.indicator_field
    if spec is None:
        return []
    old_rows = a.values.get(spec.key) or []
    new_rows = b.values.get(spec.key) or []
    pairs, removed, added = pair_rows(old_rows, new_rows)
    moved_order = out_of_order([(i, j) for i, j, _, _ in pairs])
    changes = []
    for i, j, how, score in pairs:
        column_changes = _row_changes(spec, old_rows[i], new_rows[j])
        reordered = (i, j) in moved_order
        if how == "same" and not column_changes and not reordered:
            continue
        status = {"same": "changed", "moved": "moved", "renamed": "renamed"}[how]
        if how == "same" and not column_changes:
            status = "reordered"
        changes.append(IndicatorChange(status, _row(old_rows[i], i), _row(new_rows[j], j), score,
                                       reordered, column_changes))
    changes += [IndicatorChange("removed", _row(old_rows[i], i), None) for i in removed]
    changes += [IndicatorChange("added", None, _row(new_rows[j], j)) for j in added]
    return sorted(changes, key=lambda c: (c.new or c.old)["row"] + (0.5 if c.new is None else 0))


def _row(row: dict, index: int) -> dict:
    return {**{k: shown(v) for k, v in row.items()}, "row": index + 1}


def _row_changes(spec: FieldSpec, old: dict, new: dict) -> list[FieldChange]:
    changes = []
    for column in spec.columns:
        change = compare_value(column.label, column.key, column.type, old.get(column.key), new.get(column.key))
        if change is None:
            continue
        if column.key == spec.value_column:
            change.type = "value"
            direction, words, change.difference, change.percent = target_change(change.old, change.new)
            change.direction, change.note = direction, words
        changes.append(change)
    return changes


# -- the whole comparison ---------------------------------------------------------------------------
def compare(old: Side, new: Side, *, pinned: list[tuple[str, str]] = ()) -> Comparison:
    """Compare two sides read with read_side."""
    if old.unit.kind.name != new.unit.kind.name:
        raise UsageError(f"两边的表式不同（{old.source} 是{old.unit.kind.name}，{new.source} 是"
                         f"{new.unit.kind.name}），不能逐栏比较")
    if old.single and new.single and not pinned:  # two files: the user paired them by naming them
        pinned = [(p.name, q.name) for p, q in zip(old.specs.projects, new.specs.projects)]
    pairs, removed, added = pair_projects(old.specs.projects, new.specs.projects, pinned)
    old_index = {id(p): n for n, p in enumerate(old.specs.projects)}
    new_index = {id(p): n for n, p in enumerate(new.specs.projects)}
    moved = out_of_order([(old_index[id(a)], new_index[id(b)]) for a, b, _, _ in pairs])
    changes = []
    for a, b, how, score in pairs:
        position = (old_index[id(a)], new_index[id(b)])
        change = ProjectChange("changed", b.name, a.name, b.name, _shown(old, a.path), _shown(new, b.path),
                               how, score, a.name != b.name, position in moved, position[0] + 1, position[1] + 1)
        change.fields = compare_fields(a, b)
        change.indicators = compare_indicators(a, b)
        if not (change.fields or change.indicators or change.renamed or change.reordered):
            change.status = "unchanged"
        changes.append(change)
    changes += [ProjectChange("removed", a.name, a.name, None, _shown(old, a.path), None,
                              old_position=old_index[id(a)] + 1) for a in removed]
    changes += [ProjectChange("added", b.name, None, b.name, None, _shown(new, b.path),
                              new_position=new_index[id(b)] + 1) for b in added]
    changes.sort(key=lambda c: (c.new_position or 0.5 + (c.old_position or 0), c.old_position or 0))
    return Comparison(_info(old), _info(new), compare_units(old.unit, new.unit), changes)


def _info(side: Side) -> SideInfo:
    unit = side.unit
    return SideInfo(side.source, unit.name, unit.year, unit.kind.name, len(side.specs.projects))


def compare_units(old: Unit, new: Unit) -> list[FieldChange]:
    values = lambda u: {"单位": u.name, "年度": str(u.year), "表式": u.kind.name, **u.defaults}
    a, b = values(old), values(new)
    return [c for key in dict.fromkeys([*a, *b])
            if (c := compare_value(key, key, "text", a.get(key), b.get(key)))]


# -- the 对照表's rows: 项目 | 栏目 | 原 | 现 | 说明 --------------------------------------------------
_STATUS_WORDS = {"added": "新增指标", "removed": "删除指标", "renamed": "指标改名", "moved": "指标改变归类",
                 "reordered": "顺序调整", "changed": ""}


def rows(comparison: Comparison) -> list[ComparisonRow]:
    """The comparison as the rows of a 对照表, in the order of the new 汇总表."""
    table = [ComparisonRow("（单位）", c.label, *_sides(c), c.note) for c in comparison.unit]
    for project in comparison.projects:
        name = project.name
        if project.status == "added":
            table.append(ComparisonRow(name, "项目", [], [["+", name]], f"新增项目（{project.new_file}）"))
            continue
        if project.status == "removed":
            table.append(ComparisonRow(name, "项目", [["-", name]], [], f"删除项目（{project.old_file}）"))
            continue
        if project.renamed:
            change = compare_value("项目名称", "项目名称", "text", project.old_name, project.new_name)
            how = "按内容匹配" if project.match == "content" else "指定为同一项目"
            similarity = f"，相似度 {project.similarity:.0%}" if project.similarity is not None else ""
            table.append(ComparisonRow(name, "项目名称", *_sides(change), f"改名（{how}{similarity}）"))
        if project.reordered:
            table.append(ComparisonRow(name, "在汇总表中的位置", [["=", f"第 {project.old_position} 个"]],
                                       [["=", f"第 {project.new_position} 个"]], "顺序调整"))
        for change in project.fields:
            if change.field != "项目名称":
                table.append(ComparisonRow(name, change.label, *_sides(change), change.note))
        for indicator in project.indicators:
            table += _indicator_rows(name, indicator)
    return table


def _sides(change: FieldChange) -> tuple[list[list[str]], list[list[str]]]:
    """原 and 现 as segments: what was deleted marked in 原, what was inserted in 现."""
    if change.segments and change.type == "text":
        return ([s for s in change.segments if s[0] != "+"], [s for s in change.segments if s[0] != "-"])
    return ([["-", change.old]] if change.old else [], [["+", change.new]] if change.new else [])


def indicator_name(row: dict | None) -> str:
    return "/".join(row.get(k, "") for k in _LEVELS) if row else ""


def _indicator_rows(name: str, change: IndicatorChange) -> list[ComparisonRow]:
    label = "绩效指标：" + indicator_name(change.new or change.old)
    words = _STATUS_WORDS[change.status]
    if change.status == "added":
        return [ComparisonRow(name, label, [], [["+", change.new.get("指标值", "")]], words)]
    if change.status == "removed":
        return [ComparisonRow(name, label, [["-", change.old.get("指标值", "")]], [], words)]
    result = []
    if change.status in ("renamed", "moved"):
        old, new = indicator_name(change.old), indicator_name(change.new)
        note = words + (f"（相似度 {change.similarity:.0%}）" if change.similarity is not None else "")
        result.append(ComparisonRow(name, label, *_sides(compare_value("", "", "text", old, new)), note))
    if change.reordered:
        result.append(ComparisonRow(name, label, [["=", f"第 {change.old['row']} 行"]],
                                    [["=", f"第 {change.new['row']} 行"]], "顺序调整"))
    for column in change.changes:
        if column.field in _LEVELS and change.status in ("renamed", "moved"):
            continue  # said by the row above
        result.append(ComparisonRow(name, f"{label}：{column.label}", *_sides(column), column.note))
    return result
