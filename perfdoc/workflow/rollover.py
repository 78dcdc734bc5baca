"""`perfdoc next`: carry a unit's specs into next year, and say what the clerk must review.

    perfdoc next specs/2025            → specs/2026/单位.yaml, 01_….yaml …

The new files are this year's text with a few exact edits, never a re-dump: 年度 + 1; every date
one year on (a month's last day stays its last day: 02-28 → 02-29 in a leap year, 02-29 → 02-28
after one); comment lines where the clerk must look. Comments, key order, quoting and spelling
stay as written. What belongs to one year — the annual amounts, the cost ceiling that equals
them, 年度总体目标, every earlier year a text mentions — is kept as written and listed for review
as file:line, never invented; what a multi-year project carries (项目资金总额, 项目总目标) is kept.
Where next year's form asks for what this year's did not (2024 → 2025: 成本指标 is a required
一级), a placeholder row is put where the rows of that 一级 belong, and validate reports it empty.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..input import kinds as kinds_module
from ..input.folder import UsageError, find_unit_file, project_files
from ..input.kinds import FormKind
from ..input.load import Mapping, Scalar, Sequence, decode, load_text
from ..input.specwriter import splice
from ..input.values import parse_value
from ..make.pipeline import Specs, read_specs
from ..output.files import write_atomic
from ..rules.years import quote, year_mentions

MARK = "perfdoc next"  # signs the comments it adds, so the clerk can find and delete them


@dataclass(frozen=True)
class Review:
    """A place in a new file the clerk must look at."""
    path: Path
    line: int
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class RollResult:
    specs: Specs
    folder: Path | None = None
    year: int = 0
    written: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)   # not overwritten: --force was not given
    others: list[Path] = field(default_factory=list)     # already in the new folder, left alone
    done: list[str] = field(default_factory=list)        # what was changed, one line each
    review: list[Review] = field(default_factory=list)


@dataclass
class _Edit:
    start: int
    end: int
    text: str


def roll_forward(source: Path, *, output: Path | None = None, force: bool = False,
                 templates: list[Path] = ()) -> RollResult:
    """Write next year's specs from this year's folder and list what must be reviewed."""
    source = Path(source)
    if not source.is_dir():
        raise UsageError(f"{source} 不是规格文件夹：perfdoc next 滚动整个单位（含 单位.yaml 的文件夹）")
    find_unit_file(source)
    specs = read_specs(source, templates=list(templates))
    result = RollResult(specs)
    if specs.unit is None or specs.has_errors:
        return result
    unit, year = specs.unit, specs.unit.year + 1
    result.year = year
    kind = next_kind(unit.kind, year, kinds_module.load_kinds(list(templates)))
    result.folder = Path(output) if output else default_folder(source, unit.year)
    if result.folder.resolve() == source.resolve():
        raise UsageError(f"下一年度的规格不能写进 {source} 本身：请用 -o 另选文件夹")

    files: dict[Path, str] = {}
    unit_text = _read(unit.path)
    files[result.folder / unit.path.name] = roll_unit_text(unit.path, unit_text, unit.year, unit.kind, kind)
    result.done.append(f"{result.folder / unit.path.name}：年度 {unit.year} → {year}"
                       + (f"，表式 {unit.kind.name} → {kind.name}" if kind is not unit.kind else ""))
    for project in specs.projects:
        new_path = result.folder / project.path.name
        text, done = roll_project_text(project.path, _read(project.path), unit.year, unit.kind, kind)
        files[new_path] = text
        result.done.append(f"{new_path}：" + ("；".join(done) if done else "照录"))
        result.review += review_project(new_path, text, kind, unit.year)

    written = set(files)
    if result.folder.is_dir():
        present = [result.folder / p.name for p in [*project_files(result.folder), *result.folder.glob("单位.y*ml")]]
        result.existing = [] if force else [p for p in files if p in set(present)]
        result.others = sorted(p for p in present if p not in written)
    if not result.existing:
        result.written = [write_atomic(path, text.encode("utf-8")) for path, text in files.items()]
    return result


def next_kind(kind: FormKind, year: int, kinds: dict[str, FormKind]) -> FormKind:
    """The form kind of next year: the same kind where it covers that year, else the year's
    default kind if its fields are the same; anything else cannot be carried over by editing."""
    if (kind.options.get("scaffold") or {}).get("source_kind"):
        raise UsageError(f"表式“{kind.name}”是由“{kind.options['scaffold']['source_kind']}”生成的，不滚动到下一年度："
                         f"下一年度的{kind.name}请由该年度的规格用 perfdoc selfeval init 生成")
    if not kind.years or year in kind.years:
        return kind
    successor = kinds_module.default_kind(kinds, year)
    if successor is None:
        raise UsageError(f"不知道 {year} 年度用哪种表式：表式“{kind.name}”只用于 "
                         f"{kinds_module.year_span(kind.years)} 年度，{year} 年度没有默认表式")
    if _field_keys(successor.fields) != _field_keys(kind.fields):
        raise UsageError(f"{year} 年度的表式是“{successor.name}”，栏目与“{kind.name}”不同，"
                         f"不能由 {kind.name} 的规格直接滚动生成：请用 perfdoc selfeval init 或另建规格")
    return successor


def _field_keys(fields) -> set[str]:
    keys = set()
    for spec in fields:
        keys.add(spec.key)
        keys |= {f"{spec.key}.{k}" for k in _field_keys(spec.fields or spec.columns)}
    return keys


def default_folder(source: Path, year: int) -> Path:
    """specs/2025 → specs/2026; specs/2025-一中 → specs/2026-一中; otherwise ask for -o."""
    name = source.resolve().name
    if str(year) in name:
        return source.parent / name.replace(str(year), str(year + 1), 1)
    raise UsageError(f"文件夹名 {name} 中没有年度 {year}，无法推出下一年度的文件夹名：请用 -o 指定")


def _read(path: Path) -> str:
    text, _ = decode(path, path.read_bytes())
    return text


# -- edits -----------------------------------------------------------------------------------
def next_date(date: dt.date) -> dt.date:
    """The same day a year on; a month's last day stays the last day (02-28 → 02-29 in 2028)."""
    last = calendar.monthrange(date.year, date.month)[1]
    following_last = calendar.monthrange(date.year + 1, date.month)[1]
    day = following_last if date.day == last else min(date.day, following_last)
    return dt.date(date.year + 1, date.month, day)


def _respell(scalar: Scalar, text: str) -> str:
    """A new value written with the scalar's own quoting (dates and years need no escaping)."""
    return f"{scalar.style}{text}{scalar.style}" if scalar.style in ("'", '"') else text


def _apply(text: str, edits: list[_Edit]) -> str:
    return splice(text, [(edit.start, edit.end, edit.text) for edit in edits])


def _line_start(text: str, line: int) -> int:
    """The character offset where a line (from 1) begins."""
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset


def _comment_before(text: str, node_line: int, col: int, comment: str) -> _Edit:
    at = _line_start(text, node_line)
    return _Edit(at, at, " " * (col - 1) + f"# {comment}" + newline(text))


def newline(text: str) -> str:
    """The file's own line ending: a file saved on Windows keeps its CRLF in the lines added."""
    return "\r\n" if "\r\n" in text else "\n"


def roll_unit_text(path: Path, text: str, year: int, kind: FormKind, new_kind: FormKind) -> str:
    """The unit file with 年度 (and 表式, when the kind changes) for next year."""
    root = load_text(path, text)
    edits = []
    if isinstance(root, Mapping):
        for key, value in root.items:
            if key.text == "年度" and isinstance(value, Scalar):
                edits.append(_Edit(*value.span, _respell(value, str(year + 1))))
            if key.text == "表式" and isinstance(value, Scalar) and new_kind is not kind:
                edits.append(_Edit(*value.span, _respell(value, new_kind.name)))
        if new_kind is not kind and root.get("表式") is None:
            year_node = root.get("年度")
            at = _line_start(text, year_node.line + 1) if year_node is not None else 0
            edits.append(_Edit(at, at, f"表式: {new_kind.name}" + newline(text)))
    return _schema_line(_apply(text, edits), kind, new_kind)


def _schema_line(text: str, kind: FormKind, new_kind: FormKind) -> str:
    """Point the editor's schema comment at the new kind's schema."""
    if new_kind is kind:
        return text
    return re.sub(rf"(\$schema=\S*/){re.escape(kind.name)}(\.schema\.json)", rf"\g<1>{new_kind.name}\2", text, count=1)


def roll_project_text(path: Path, text: str, year: int, kind: FormKind,
                      new_kind: FormKind) -> tuple[str, list[str]]:
    """A project file for next year, and what was changed (one phrase per change)."""
    root = load_text(path, text)
    if not isinstance(root, Mapping):
        return text, []
    edits, done = [], []
    for spec, scalar, dotted in _date_scalars(root, kind.fields):
        try:
            date = dt.date.fromisoformat(scalar.text.strip())
        except ValueError:
            continue
        new = next_date(date).isoformat()
        edits.append(_Edit(*scalar.span, _respell(scalar, new)))
        done.append(f"{spec.label} {date.isoformat()} → {new}")
    annual = annual_amounts(kind)
    group = _annual_group(root, annual)
    if group is not None:
        key, node = group
        edits.append(_comment_before(text, key.line, key.col,
                                     f"{MARK}：{key.text}的年度数字沿用 {year} 年度，请按 {year + 1} 年度预算填写"))
    carried = [f"{_label(kind, dotted)} {node.text.strip()}" if dotted != "项目总目标" else "项目总目标"
               for dotted in multi_year_fields(kind)
               if isinstance(node := _node(root, dotted), Scalar) and not node.is_null and node.text.strip()]
    if carried:
        done.append("、".join(carried) + " 照录（多年项目的累计数和总目标）")
    placeholders = placeholder_rows(text, root, new_kind, year + 1)
    edits += [edit for edit, _ in placeholders]
    done += [phrase for _, phrase in placeholders]
    return _schema_line(_apply(text, edits), kind, new_kind), done


def _date_scalars(mapping: Mapping, specs, prefix: str = ""):
    for spec in specs:
        node = mapping.get(spec.key)
        if spec.type == "date" and isinstance(node, Scalar) and not node.is_null:
            yield spec, node, prefix + spec.key
        elif spec.type == "group" and isinstance(node, Mapping):
            yield from _date_scalars(node, spec.fields, f"{prefix}{spec.key}.")


def annual_amounts(kind: FormKind) -> set[str]:
    """The amounts that belong to one year: the budget the kind's rules check (年度资金申请总额)
    and its parts; a multi-year total (项目资金总额, checked only as not below it) carries."""
    budget = kind.checks.get("budget")
    if not budget:
        return set()
    annual = {budget}
    for rule in kind.sums:
        if rule.total == budget:
            annual |= set(rule.parts)
    return annual


def multi_year_fields(kind: FormKind) -> list[str]:
    """What a multi-year project carries: the totals checked as not below the year's (项目资金总额)
    and the project's overall goal (项目总目标)."""
    totals = [pair[0] for pair in kind.checks.get("not_below", ())]
    return totals + (["项目总目标"] if kind.field("项目总目标") else [])


def _annual_group(root: Mapping, annual: set[str]):
    """The (key, mapping) of the group holding the annual amounts, e.g. 项目资金."""
    groups = {dotted.split(".")[0] for dotted in annual if "." in dotted}
    for key, value in root.items:
        if key.text in groups and isinstance(value, Mapping):
            return key, value
    return None


def placeholder_rows(text: str, root: Mapping, kind: FormKind, year: int) -> list[tuple[_Edit, str]]:
    """An empty row for each 一级 next year's framework requires and the spec lacks."""
    framework, spec = kind.framework_for(year), kind.indicator_field
    rows = root.get(spec.key) if spec else None
    if framework is None or not isinstance(rows, Sequence) or not rows.items:
        return []
    level1 = [c.key for c in spec.columns][0]
    present = [(_cell(row, level1), row) for row in rows.items if isinstance(row, Mapping)]
    order = list(framework.levels)
    edits = []
    for missing in framework.required:
        if any(name == missing for name, _ in present) or not present:
            continue
        rank = order.index(missing) if missing in order else len(order)
        later = [row for name, row in present if name in order and order.index(name) > rank]
        anchor = later[0] if later else None
        edits.append((_row_text(text, rows, anchor, spec, missing, framework, year),
                      f"绩效指标加一空行：{year} 年度起必须有“{missing}”"))
    return edits


def _cell(row: Mapping, key: str) -> str:
    node = row.get(key)
    return node.text.strip() if isinstance(node, Scalar) else ""


def _row_text(text: str, rows: Sequence, anchor: Mapping | None, spec, missing: str, framework, year: int) -> _Edit:
    """The placeholder row, written in the rows' own indentation, before `anchor` or at the end."""
    first = rows.items[0]
    line_text = text[_line_start(text, first.line):].split("\n", 1)[0].rstrip("\r")
    prefix = line_text[:first.col - 1]                   # e.g. "  - "
    dash = len(prefix) - len(prefix.lstrip())
    pad = " " * len(prefix)
    level2 = (framework.levels.get(missing) or ("",))[0]
    cells = {spec.columns[0].key: missing, spec.columns[1].key: level2} if len(spec.columns) > 1 else {}
    lines = [" " * dash + f"# {MARK}：{year} 年度起必须有“{missing}”，请填写三级指标和指标值"]
    for index, column in enumerate(spec.columns):
        value = cells.get(column.key, "")
        lines.append((prefix if index == 0 else pad) + f"{column.key}:" + (f" {value}" if value else ""))
    block = newline(text).join(lines) + newline(text)
    if anchor is not None:
        at = _line_start(text, anchor.line)
    else:
        at = len(text)
        if not text.endswith("\n"):
            block = newline(text) + block
    return _Edit(at, at, block)


# -- what the clerk must review ----------------------------------------------------------------
def review_project(path: Path, text: str, kind: FormKind, year: int) -> list[Review]:
    """Read the new file and list, by line, what still speaks of last year."""
    root = load_text(path, text)
    if not isinstance(root, Mapping):
        return []
    reviews = []
    amounts = [(dotted, _node(root, dotted)) for dotted in annual_amounts(kind)]
    amounts = sorted((node.line, _label(kind, dotted), node.text) for dotted, node in amounts
                     if isinstance(node, Scalar) and not node.is_null)
    if amounts:
        named = "、".join(f"{label} {value}" for _, label, value in amounts)
        reviews.append(Review(path, amounts[0][0], f"{named}：{year} 年度的数字，请按 {year + 1} 年度预算核对"))
    goal = root.get("年度总体目标")
    if isinstance(goal, Scalar) and not goal.is_null:
        reviews.append(Review(path, goal.line, f"年度总体目标：沿用 {year} 年度的文字，请按 {year + 1} 年度的工作改写"))
    reviews += _cost_rows(path, root, kind, year)
    reviews += _placeholders(path, root, kind)
    reviews += _year_mentions(path, root, year + 1)
    return sorted(set(reviews), key=lambda r: (r.line, r.message))


def _node(root: Mapping, dotted: str):
    node = root
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _node_line(root: Mapping, dotted: str) -> int:
    node = _node(root, dotted)
    return node.line if node is not None else 0


def _label(kind: FormKind, dotted: str) -> str:
    spec = None
    for part in dotted.split("."):
        spec = kind.field(part) if spec is None else spec.child(part)
        if spec is None:
            return dotted.rpartition(".")[2]
    return spec.label.removeprefix("其中：")


def _indicator_rows(root: Mapping, kind: FormKind):
    spec = kind.indicator_field
    rows = root.get(spec.key) if spec else None
    if isinstance(rows, Sequence):
        for row in rows.items:
            if isinstance(row, Mapping):
                yield spec, row


def _cost_rows(path: Path, root: Mapping, kind: FormKind, year: int) -> list[Review]:
    """A cost ceiling in money (≤130.00(万元)) stands for the year's budget."""
    reviews = []
    for spec, row in _indicator_rows(root, kind):
        value = row.get(spec.value_column)
        levels = "".join(_cell(row, c.key) for c in spec.columns[:2])
        quantity = parse_value(value.text) if isinstance(value, Scalar) and not value.is_null else None
        if "成本" in levels and quantity is not None and quantity.in_yuan() is not None:
            reviews.append(Review(path, value.line, f"成本指标 {value.text.strip()}：{year} 年度的上限，"
                                                    f"请与 {year + 1} 年度的年度资金申请总额核对"))
    return reviews


def _placeholders(path: Path, root: Mapping, kind: FormKind) -> list[Review]:
    reviews = []
    for spec, row in _indicator_rows(root, kind):
        required = [c for c in spec.columns if c.required and c.key != spec.columns[0].key]
        if required and all(_cell(row, c.key) == "" for c in required) and _cell(row, spec.columns[0].key):
            reviews.append(Review(path, row.line, f"绩效指标：新加的“{_cell(row, spec.columns[0].key)}”行，"
                                                  f"请填写三级指标和指标值"))
    return reviews


def _scalars(node, where: str = ""):
    """(how to name it, scalar) for every text; an indicator row's cells named by row and 三级."""
    if isinstance(node, Mapping):
        for k, v in node.items:
            yield from _scalars(v, f"{where}的{k.text}" if where else k.text)
    elif isinstance(node, Sequence):
        for index, item in enumerate(node.items):
            name = _cell(item, "三级指标") if isinstance(item, Mapping) else ""
            yield from _scalars(item, f"{where}第 {index + 1} 行" + (f"（{name}）" if name else ""))
    elif isinstance(node, Scalar) and not node.is_null:
        yield where, node


def _year_mentions(path: Path, root: Mapping, year: int) -> list[Review]:
    """Every earlier year a text mentions, citations too (a cited 2025版 may have a 2026版 now)."""
    reviews = []
    for key, scalar in _scalars(root):
        if parse_value(scalar.text) is not None:
            continue
        for mention in year_mentions(scalar.text):
            if not mention.before(year):
                continue
            line = scalar.line + (1 if scalar.style in ("|", ">") else 0) + scalar.text[:mention.start].count("\n")
            why = ("引用中的年份，核对是否已有新版" if mention.citation
                   else "确指往年可保留" if mention.retrospective else "是否应改为本年度")
            reviews.append(Review(path, line, f"{key}提到 {mention.first} 年（“{quote(scalar.text, mention)}”）：{why}"))
    return reviews
