"""Turn loaded nodes into the model, the kind's field list telling what each key must hold.

Every structural mistake becomes a Problem at the line where it was written: an unknown key
(with a suggestion), a missing required field, a list where text belongs, a date that is not a
date, an amount that is not a number. Nothing is coerced silently: texts stay as typed.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .kinds import FieldSpec, FormKind, default_kind, year_span
from .load import _NULLS, Mapping, Node, Scalar, Sequence
from .model import Project, Unit
from .problems import Problem

UNIT_FIELDS = ("单位", "年度", "表式", "模板")

# XML 1.0 forbids these; one of them in a value makes Word refuse the whole document.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# ASCII digits only, in every kind of value: `\d` would take １２３ (full-width) or ١٢٣ in an
# amount while a date refuses them — one rule for all, and a hint where they were typed.
_AMOUNT = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]+)?$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# More than any budget (a trillion trillion 元): Decimal's 28 digits must hold every sum exactly.
MAX_AMOUNT_DIGITS = 18
YEARS = range(1900, 2101)
_THOUSANDS = re.compile(r"^[0-9]{3}(?:\.[0-9]*)?$")  # what is left of 1,000,000.00 after a {…} split


# Where each value was written is kept for the whole run (a rule may report on any value), and
# a 10,000-project build holds 2 million of these: the same few thousand (line, column) pairs
# and the same row paths (绩效指标.12.指标值) recur in every project, so each is made once and
# shared — a third of the model's memory otherwise.
_LOCATIONS: dict[int, tuple[int, int]] = {}
_ROW_PATHS: dict[tuple[str, int, tuple[str, ...]], tuple[str, dict[str, str]]] = {}


def _location(line: int, col: int) -> tuple[int, int]:
    if col >= 4096 or line >= 1 << 20:
        return line, col
    key = line << 12 | col
    location = _LOCATIONS.get(key)
    if location is None:
        location = _LOCATIONS[key] = (line, col)
    return location


def _row_paths(dotted: str, index: int, keys: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """`绩效指标.3` and its columns' paths `绩效指标.3.指标值` …, made once for every project."""
    paths = _ROW_PATHS.get((dotted, index, keys))
    if paths is None:
        row_path = f"{dotted}.{index}"
        paths = _ROW_PATHS[dotted, index, keys] = (row_path, {key: f"{row_path}.{key}" for key in keys})
    return paths


class _Reader:
    """Collect problems for one file while reading its nodes."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.lines: dict[str, tuple[int, int]] = {}
        self.suggested: set[str] = set()  # keys already offered as "did you mean"
        self.unindented: set[str] = set()  # groups whose keys were written without their indentation

    def report(self, node_or_loc, rule: str, message: str, severity: str = "error") -> None:
        line, col = (node_or_loc.line, node_or_loc.col) if hasattr(node_or_loc, "line") else node_or_loc
        self.problems.append(Problem(self.path, line, col, severity, rule, message))

    # -- mappings --------------------------------------------------------------------------
    def mapping(self, node: Node | None, label: str, known: list[str], *, suggest_from: list[str] = (),
                children: dict[str, FieldSpec] | None = None) -> dict[str, tuple[Scalar, Node]]:
        """Check a mapping's keys against the known ones; return {key: (key node, value node)}.

        `children` maps a key of a group below to its group: such a key written here lost its
        indentation. A key of digits after an amount is a {…} line split at a thousands comma."""
        if node is None:
            return {}
        if not isinstance(node, Mapping):
            self.report(node, "type", f"“{label}”应为若干“键: 值”，实际是{_describe(node)}")
            return {}
        found, split = {}, None
        for index, (key, value) in enumerate(node.items):
            if key.text in known:
                found[key.text] = (key, value)
            elif children and key.text in children:
                group = children[key.text]
                self.unindented.add(group.key)
                self.report(key, "unknown-key", f"“{key.text}”是“{group.label}”中的一项：应写在“{group.key}:”之下，"
                                                f"比它多缩进两格")
            elif _THOUSANDS.match(key.text) and index and _AMOUNT.match(node.items[index - 1][1].text
                                                                       if isinstance(node.items[index - 1][1], Scalar) else "x"):
                split = self._split_at_comma(node, index, found, split)
            else:
                choices = suggest_from or known
                close = closest(key.text, choices)
                self.report(key, "unknown-key", f"“{label}”中没有“{key.text}”这一项{_suggestion(close, choices)}")
                if close:
                    self.suggested.add(close)
        return found

    def _split_at_comma(self, node: Mapping, index: int, found: dict,
                        previous: tuple[int, int] | None) -> tuple[int, int]:
        """`{财政资金: 1,000,000.00, …}`: the {…} form splits at every comma, so 财政资金 reads 1
        and 000, 000.00 become keys. Report it once, at the amount, and drop the broken value.

        Returns (index, where its run of pieces starts), which the next piece passes back as
        `previous`: each piece of a run finds the amount without walking back over the pieces
        before it (a line of 40,000 pieces would take hours)."""
        if previous is not None and previous[0] == index - 1:
            start = previous[1]  # the walk back from here would pass index - 1 and end where its did
        else:
            start = index
            while start > 0 and _THOUSANDS.match(node.items[start - 1][0].text):
                start -= 1
        amount_key, amount = node.items[start - 1]
        found.pop(amount_key.text, None)
        if start == index:
            self.report(amount, "amount", f"“{amount_key.text}”的金额被逗号拆开了：{{…}} 写法用逗号分隔各项，"
                                          f"金额中的千分位逗号也被当作分隔符（读成了“{amount.text}”）："
                                          f"请改用分行的写法，每项一行“{amount_key.text}: …”")
        return index, start

    # -- scalars ---------------------------------------------------------------------------
    def text(self, node: Node | None, label: str, expected: str = "文字") -> str | None:
        if node is None:
            return None
        if not isinstance(node, Scalar):
            self.report(node, "type", f"“{label}”应为{expected}，实际是{_describe(node)}")
            return None
        if node.is_null:
            return None
        bad = _FORBIDDEN_CHARS.search(node.text)
        if bad:
            self.report(node, "control-char",
                        f"“{label}”含有无法写入 Word 文档的控制字符 U+{ord(bad.group()):04X}，请删除")
            return None
        return node.text

    def date(self, node: Node | None, label: str) -> dt.date | None:
        text = self.text(node, label, "日期")
        if text is None:
            return None
        if _DATE.match(text.strip()):
            try:
                return dt.date.fromisoformat(text.strip())
            except ValueError:
                pass
        self.report(node, "date", f"“{label}”应为日期，写作 YYYY-MM-DD（如 2025-01-01），实际是“{text}”{digit_hint(text)}")
        return None

    def amount(self, node: Node | None, label: str) -> Decimal | None:
        text = self.text(node, label, "金额（元）")
        if text is None:
            return None
        value = parse_amount(text)
        unsigned = parse_amount(text.strip().removeprefix("-")) if value is None else None
        if unsigned is not None and unsigned == 0:
            value = unsigned  # -0.00 is zero, not a negative amount
        elif unsigned is not None:
            self.report(node, "amount-negative", f"“{label}”不能为负数，实际是“{text}”")
        elif value is None:
            self.report(node, "amount", f"“{label}”应为金额（元），如 1,515,000.00，实际是“{text}”{digit_hint(text)}")
        if value is None:
            return None
        if value.as_tuple().exponent < -2:
            self.report(node, "amount-decimals", f"“{label}”最多两位小数（到分），实际是“{text}”")
            return None
        if value.adjusted() >= MAX_AMOUNT_DIGITS:
            self.report(node, "amount", f"“{label}”为 {len(str(int(value)))} 位数的金额，超出任何预算（上限 {MAX_AMOUNT_DIGITS} 位）")
            return None
        return value

    def number(self, node: Node | None, label: str) -> Decimal | None:
        text = self.text(node, label, "数字")
        if text is None:
            return None
        value = parse_number(text)
        if value is None:
            self.report(node, "number", f"“{label}”应为数字，实际是“{text}”{digit_hint(text)}")
        elif value.adjusted() >= MAX_AMOUNT_DIGITS:
            self.report(node, "number", f"“{label}”的数 {text} 过大（上限 {MAX_AMOUNT_DIGITS} 位）")
            return None
        return value


def parse_amount(text: str) -> Decimal | None:
    """Read an amount in 元 as printed (`1,515,000.00`, `1515000`, `.00`); None if it is none."""
    text = text.strip()
    if not text or not _AMOUNT.match(text) or text == ".":
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def digit_hint(text: str) -> str:
    """A hint when the text holds digits other than 0-9 (full-width ２０２５, Arabic-Indic …)."""
    if any(c.isdigit() and not c.isascii() for c in text):
        return "（含全角或其他文字的数字，请改用半角数字 0-9）"
    return ""


def parse_number(text: str) -> Decimal | None:
    """Read a plain number (分值, 得分); also accepts a trailing % for rates."""
    text = text.strip().rstrip("%").strip()
    if not _NUMBER.match(text):
        return None
    return Decimal(text)


def _describe(node: Node) -> str:
    if isinstance(node, Mapping):
        return "一组“键: 值”"
    if isinstance(node, Sequence):
        return "列表"
    return f"“{node.text}”" if not node.is_null else "空的"


def closest(word: str, choices) -> str | None:
    """The likeliest intended key: most characters in common, the closest length, the longest
    common start (主管单位 → 主管部门 rather than 实施单位)."""
    choices = tuple(choices)
    # difflib's ratio is at most 2·len(choice) / (len(word) + len(choice)): below its cutoff of
    # 0.5 for every choice when the word is over three times the longest. Such a word (a pasted
    # paragraph as a key) matches nothing, and comparing it would only take time.
    if not choices or len(word) > 3 * max(len(choice) for choice in choices):
        return None
    return _closest(word, choices)


# A unit's specs repeat one office's slips (三级指表 in every row of every project): each pair
# of word and choices is compared with difflib once per run, not once per row.


@functools.lru_cache(maxsize=4096)
def _closest(word: str, choices: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=4, cutoff=0.5)
    def score(choice: str):
        common = sum(b.size for b in difflib.SequenceMatcher(None, word, choice).get_matching_blocks())
        prefix = len(os.path.commonprefix([word, choice]))
        return common, prefix, -abs(len(choice) - len(word))  # 单位名称 → 单位, not 实施单位
    return max(close, key=score) if close else None


def _suggest(word: str, choices) -> str:
    return _suggestion(closest(word, choices), choices)


def _suggestion(close: str | None, choices) -> str:
    return f"，是否应为“{close}”？" if close else f"（可用：{'、'.join(choices)}）"


# -- the unit file -------------------------------------------------------------------------
def parse_unit(path: Path, node: Node | None, kinds: dict[str, FormKind]) -> tuple[Unit | None, list[Problem]]:
    """Read the unit file: 单位, 年度, 表式 and the defaults its projects share."""
    reader = _Reader(path)
    if node is None:
        reader.report((1, 1), "empty-file", "单位文件是空的：至少要写“单位”和“年度”")
        return None, reader.problems
    default_keys = sorted({f.key for k in kinds.values() for f in k.fields if f.unit_default})
    found = reader.mapping(node, "单位文件", [*UNIT_FIELDS, *default_keys],
                           suggest_from=[*UNIT_FIELDS, *_shared_keys(node, kinds)])
    if not isinstance(node, Mapping):
        return None, reader.problems
    name = _required_text(reader, node, found, "单位", blank_ok=True)
    year_text = _required_text(reader, node, found, "年度")
    year = None
    if "年度" in found:
        reader.lines["年度"] = (found["年度"][1].line, found["年度"][1].col)
    if year_text is not None:
        if re.fullmatch(r"[0-9]{4}", year_text.strip()) and int(year_text) in YEARS:
            year = int(year_text)
        else:  # 0025 is not the year 25, and ２０２５ is typed in full-width digits
            reader.report(found["年度"][1], "year",
                          f"“年度”应为四位年份，如 2025，实际是“{year_text}”{digit_hint(year_text)}")
    kind = None
    if "表式" in found:
        reader.lines["表式"] = (found["表式"][1].line, found["表式"][1].col)
        kind_name = reader.text(found["表式"][1], "表式")
        kind = kinds.get(kind_name or "")
        if kind is None:
            reader.report(found["表式"][1], "unknown-kind",
                          f"没有名为“{kind_name}”的表式{_suggest(kind_name or '', kinds)}")
        elif year is not None and kind.years and year not in kind.years:
            reader.report(found["表式"][1], "kind-year",
                          f"表式“{kind_name}”用于 {year_span(kind.years)} 年度，"
                          f"单位文件的“年度”是 {year}", "warning")
    elif year is not None:
        kind = default_kind(kinds, year)
        if kind is None:
            reader.report(node, "unknown-kind", f"{year} 年度没有默认表式，请用“表式”指定（可用：{'、'.join(kinds)}）")
    defaults = {}
    for key in default_keys:
        if key in found:
            value = reader.text(found[key][1], key)
            if value is not None:
                defaults[key] = value
                reader.lines[key] = (found[key][1].line, found[key][1].col)
            elif isinstance(found[key][1], Scalar) and found[key][1].is_null:
                # written blank, as `perfdoc init` leaves it: to fill in here, once for every project
                defaults[key] = ""
                reader.report(found[key][1], "to-fill", f"“{key}”待填写（各项目未写时用这里的值）", "error")
    # A default still to fill in does not stop the projects being read (they are checked too);
    # build prints none of them while the unit file has an error.
    if any(p.is_error and p.rule != "to-fill" for p in reader.problems) or name is None or year is None or kind is None:
        return None, reader.problems
    return Unit(path, name, year, kind, defaults, reader.lines), reader.problems


def _shared_keys(node: Node, kinds: dict[str, FormKind]) -> list[str]:
    """The keys a unit file of its 表式 (or its 年度's default) may share with its projects:
    a misspelt key is matched against these, not every kind's (单位名称 is not 申报单位名称)."""
    if not isinstance(node, Mapping):
        return []
    kind_node, year_node = node.get("表式"), node.get("年度")
    kind = kinds.get(kind_node.text.strip()) if isinstance(kind_node, Scalar) else None
    if kind is None and isinstance(year_node, Scalar) and re.fullmatch(r"\d{4}", year_node.text.strip()):
        kind = default_kind(kinds, int(year_node.text))
    chosen = [kind] if kind else list(kinds.values())
    return sorted({f.key for k in chosen for f in k.fields if f.unit_default})


def unit_templates(path: Path, node: Node | None) -> tuple[list[Path], list[Problem]]:
    """The unit file's 模板 folder (relative to the unit file), read before the kinds are loaded:
    an organisation's restyled templates and its own kinds live there."""
    reader = _Reader(path)
    value = node.get("模板") if isinstance(node, Mapping) else None
    text = reader.text(value, "模板")
    if not text or not text.strip():
        return [], reader.problems
    folder = path.parent / text.strip()
    if not folder.is_dir():
        reader.report(value, "templates-folder",
                      f"“模板”文件夹“{text}”不存在或不是文件夹（相对于单位文件所在的文件夹，即 {folder}）")
        return [], reader.problems
    return [folder], reader.problems


def _required_text(reader: _Reader, node: Mapping, found: dict, key: str, blank_ok: bool = False) -> str | None:
    """A required text of the unit file; with `blank_ok`, written but blank is "" and to be filled in."""
    if key not in found:
        if key not in reader.suggested:  # a misspelt key was reported already, with this one offered
            reader.report(node, "missing-field", f"缺少必填项“{key}”")
        return None
    value = reader.text(found[key][1], key)
    if value is None or not value.strip():
        if blank_ok and value is None and isinstance(found[key][1], Scalar):
            reader.report(found[key][1], "to-fill", f"“{key}”待填写", "error")
            return ""
        reader.report(found[key][1], "missing-field", f"“{key}”不能为空")
        return None
    return value


# -- a project file ------------------------------------------------------------------------
def parse_project(path: Path, node: Node | None, unit: Unit) -> tuple[Project | None, list[Problem]]:
    """Read one project's spec against its unit's form kind."""
    reader = _Reader(path)
    kind = unit.kind
    if node is None:
        reader.report((1, 1), "empty-file", f"文件是空的：一个{kind.name}项目至少要写“项目名称”")
        return None, reader.problems
    if not isinstance(node, Mapping):
        reader.report(node, "type", f"文件顶层应为“键: 值”（如“项目名称: …”），实际是{_describe(node)}")
        return None, reader.problems
    reader.lines[""] = (node.line, node.col)
    values = _read_group(reader, kind.fields, node, "", "项目文件", unit)
    project = Project(path, unit, values, reader.lines)
    return project, reader.problems


def _read_group(reader: _Reader, specs: tuple[FieldSpec, ...], node: Mapping, prefix: str,
                label: str, unit: Unit | None) -> dict[str, Any]:
    children = {c.key: s for s in specs if s.type == "group" for c in s.fields if c.key not in {t.key for t in specs}}
    found = reader.mapping(node, label, [s.key for s in specs], children=children)
    values: dict[str, Any] = {}
    missing: list[FieldSpec] = []
    for spec in specs:
        dotted = prefix + spec.key
        key_node, value_node = found.get(spec.key, (None, None))
        if value_node is not None:
            reader.lines[dotted] = _location(value_node.line, value_node.col)
        elif key_node is not None:
            reader.lines[dotted] = _location(key_node.line, key_node.col)
        reported = len(reader.problems)
        value = _read_field(reader, spec, value_node, dotted, unit)
        if value is None and spec.unit_default and unit is not None:
            value = unit.defaults.get(spec.key)
            if value == "":  # blank in the unit file, and said so there
                reported = -1
        if spec.required and _is_blank(value) and len(reader.problems) == reported:
            if key_node is None:
                if spec.key not in reader.suggested:  # a misspelt key was reported already
                    missing.append(spec)
            elif spec.key in reader.unindented:
                pass  # its keys were written below it without indentation, and said so
            elif value_node is None or (isinstance(value_node, Scalar) and value_node.is_null):
                reader.report(value_node or key_node, "to-fill", f"“{spec.label}”待填写", "error")
            else:
                reader.report(value_node or key_node, "missing-field", f"“{spec.label}”不能为空")
        values[spec.key] = value
    _report_missing(reader, node, missing, unit)
    return values


def _report_missing(reader: _Reader, node: Mapping, missing: list[FieldSpec], unit: Unit | None) -> None:
    """The required fields not written, in the form's order, in one problem at the mapping that
    should hold them — and where one may be written once for every project, say so."""
    if not missing:
        return
    labels = "、".join(f"“{spec.label}”" for spec in missing)
    message = f"缺少必填项{labels}" if len(missing) == 1 else f"缺少 {len(missing)} 个必填项：{labels}（按表中顺序）"
    shared = [spec.key for spec in missing if spec.unit_default]
    if shared and unit is not None:
        message += f"；{'、'.join(shared)} 也可以在单位文件 {unit.path.name} 中写一次，各项目共用"
    reader.report(node, "missing-field", message)


_NO_CELL = (None, None)  # a column not written in a row: no key, no value


def _known_cells(row: Mapping, keys: tuple[str, ...]) -> dict[str, tuple[Scalar, Node]] | None:
    """What `_Reader.mapping` returns for a row whose keys are all columns (nearly every row),
    without its label and checks; None for a row with any other key."""
    found = {}
    for key, value in row.items:
        if key.text not in keys:
            return None
        found[key.text] = (key, value)
    return found


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _read_field(reader: _Reader, spec: FieldSpec, node: Node | None, dotted: str, unit: Unit | None) -> Any:
    if spec.type == "text":
        return reader.text(node, spec.label)
    if spec.type == "date":
        return reader.date(node, spec.label)
    if spec.type == "amount":
        return reader.amount(node, spec.label)
    if spec.type in ("number", "percent"):  # a percent is stored as its number: 99.70% → 99.70
        return reader.number(node, spec.label)
    if spec.type == "group":
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return _read_group(reader, spec.fields, Mapping(0, 0), dotted + ".", spec.label, None) \
                if not spec.required else None
        if not isinstance(node, Mapping):
            reader.report(node, "type", f"“{spec.label}”应为若干“键: 值”，实际是{_describe(node)}")
            return None
        return _read_group(reader, spec.fields, node, dotted + ".", spec.label, None)
    if spec.type == "indicators":
        return _read_indicators(reader, spec, node, dotted)
    raise AssertionError(spec.type)  # kinds.py admits only the types above


def _read_indicators(reader: _Reader, spec: FieldSpec, node: Node | None, dotted: str) -> list[dict] | None:
    if node is None or (isinstance(node, Scalar) and node.is_null):
        return None
    if not isinstance(node, Sequence):
        hint = "（每行以“- ”开头；用列表而不是以三级指标为键，因为同名指标可以重复）" \
            if isinstance(node, Mapping) else ""
        reader.report(node, "type", f"“{spec.label}”应为列表，每行一个指标{hint}，实际是{_describe(node)}")
        return None
    rows, keys = [], tuple(c.key for c in spec.columns)
    # what each cell needs of its column, looked up once per table rather than once per cell
    columns = [(column, column.key, column.type == "text", column.required) for column in spec.columns]
    lines, intern, forbidden, locations = reader.lines, sys.intern, _FORBIDDEN_CHARS.search, _LOCATIONS
    for index, item in enumerate(node.items):
        row_path, column_paths = _row_paths(dotted, index, keys)
        lines[row_path] = _location(item.line, item.col)
        if not isinstance(item, Mapping):
            reader.report(item, "type", f"“{spec.label}”第 {index + 1} 行应为“一级指标: …”等若干项，实际是{_describe(item)}")
            continue
        row = {}
        found = _known_cells(item, keys)
        if found is None:  # a key the table has no column for: mapping() says which, and suggests
            found = reader.mapping(item, f"{spec.label}第 {index + 1} 行", keys)
        for column, key, is_text, required in columns:
            key_node, value_node = found.get(key, _NO_CELL)
            if value_node is not None:
                line, col = value_node.line, value_node.col
                # _location inline: a cell's place is nearly always one seen in an earlier project
                lines[column_paths[key]] = (col < 4096 and locations.get(line << 12 | col)) or _location(line, col)
            if is_text and type(value_node) is Scalar:
                value = value_node.text
                if (value_node.quoted or value not in _NULLS) and not forbidden(value) \
                        and (not required or value.strip()):
                    # the common cell — text written, nothing to say: what `reader.text` and the
                    # checks below come to, without their calls
                    row[key] = intern(value) if len(value) <= 16 else value
                    continue
            value = _read_field(reader, column, value_node, column_paths[key], None)
            if is_text and value is None:
                value = ""
            elif type(value) is str and len(value) <= 16:
                value = intern(value)  # 产出指标, 数量指标, ≥90.00(%): the same few in every row
            if required and _is_blank(value):
                if key_node is None:
                    reader.report(item, "missing-field", f"{spec.label}第 {index + 1} 行缺少“{column.label}”")
                elif isinstance(value_node, Scalar) and value_node.is_null:
                    reader.report(value_node, "to-fill", f"{spec.label}第 {index + 1} 行的“{column.label}”待填写", "error")
                else:
                    reader.report(value_node, "missing-field", f"{spec.label}第 {index + 1} 行的“{column.label}”不能为空")
            row[key] = value
        rows.append(row)
    return rows
