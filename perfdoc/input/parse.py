"""Turn loaded nodes into the model, the kind's field list telling what each key must hold.

Every structural mistake becomes a Problem at the line where it was written: an unknown key
(with a suggestion), a missing required field, a list where text belongs, a date that is not a
date, an amount that is not a number. Nothing is coerced silently: texts stay as typed.
"""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .kinds import FieldSpec, FormKind, default_kind, year_span
from .load import Mapping, Node, Scalar, Sequence
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


class _Reader:
    """Collect problems for one file while reading its nodes."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.lines: dict[str, tuple[int, int]] = {}
        self.suggested: set[str] = set()  # keys already offered as "did you mean"

    def report(self, node_or_loc, rule: str, message: str, severity: str = "error") -> None:
        line, col = (node_or_loc.line, node_or_loc.col) if hasattr(node_or_loc, "line") else node_or_loc
        self.problems.append(Problem(self.path, line, col, severity, rule, message))

    # -- mappings --------------------------------------------------------------------------
    def mapping(self, node: Node | None, label: str, known: list[str]) -> dict[str, tuple[Scalar, Node]]:
        """Check a mapping's keys against the known ones; return {key: (key node, value node)}."""
        if node is None:
            return {}
        if not isinstance(node, Mapping):
            self.report(node, "type", f"“{label}”应为若干“键: 值”，实际是{_describe(node)}")
            return {}
        found = {}
        for key, value in node.items:
            if key.text in known:
                found[key.text] = (key, value)
                continue
            self.report(key, "unknown-key", f"“{label}”中没有“{key.text}”这一项{_suggest(key.text, known)}")
            close = closest(key.text, known)
            if close:
                self.suggested.add(close)
        return found

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
    return f"“{node.text}”"


def closest(word: str, choices) -> str | None:
    """The likeliest intended key: most characters in common, the closest length, the longest
    common start (主管单位 → 主管部门 rather than 实施单位)."""
    close = difflib.get_close_matches(word, list(choices), n=4, cutoff=0.5)
    def score(choice: str):
        common = sum(b.size for b in difflib.SequenceMatcher(None, word, choice).get_matching_blocks())
        prefix = len(os.path.commonprefix([word, choice]))
        return common, -abs(len(choice) - len(word)), prefix
    return max(close, key=score) if close else None


def _suggest(word: str, choices) -> str:
    close = closest(word, choices)
    return f"，是否应为“{close}”？" if close else f"（可用：{'、'.join(choices)}）"


# -- the unit file -------------------------------------------------------------------------
def parse_unit(path: Path, node: Node | None, kinds: dict[str, FormKind]) -> tuple[Unit | None, list[Problem]]:
    """Read the unit file: 单位, 年度, 表式 and the defaults its projects share."""
    reader = _Reader(path)
    if node is None:
        reader.report((1, 1), "empty-file", "单位文件是空的：至少要写“单位”和“年度”")
        return None, reader.problems
    default_keys = sorted({f.key for k in kinds.values() for f in k.fields if f.unit_default})
    found = reader.mapping(node, "单位文件", [*UNIT_FIELDS, *default_keys])
    if not isinstance(node, Mapping):
        return None, reader.problems
    name = _required_text(reader, node, found, "单位")
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
    if any(p.is_error for p in reader.problems) or name is None or year is None or kind is None:
        return None, reader.problems
    return Unit(path, name, year, kind, defaults, reader.lines), reader.problems


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


def _required_text(reader: _Reader, node: Mapping, found: dict, key: str) -> str | None:
    if key not in found:
        reader.report(node, "missing-field", f"缺少必填项“{key}”")
        return None
    value = reader.text(found[key][1], key)
    if value is None or not value.strip():
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
    found = reader.mapping(node, label, [s.key for s in specs])
    values: dict[str, Any] = {}
    for spec in specs:
        dotted = prefix + spec.key
        key_node, value_node = found.get(spec.key, (None, None))
        if value_node is not None:
            reader.lines[dotted] = (value_node.line, value_node.col)
        elif key_node is not None:
            reader.lines[dotted] = (key_node.line, key_node.col)
        reported = len(reader.problems)
        value = _read_field(reader, spec, value_node, dotted, unit)
        if value is None and spec.unit_default and unit is not None:
            value = unit.defaults.get(spec.key)
        if spec.required and _is_blank(value) and len(reader.problems) == reported:
            if key_node is None:
                if spec.key not in reader.suggested:  # a misspelt key was reported already
                    reader.report(node, "missing-field", f"缺少必填项“{spec.label}”")
            else:
                reader.report(value_node or key_node, "missing-field", f"“{spec.label}”不能为空")
        values[spec.key] = value
    return values


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
    rows, keys = [], [c.key for c in spec.columns]
    for index, item in enumerate(node.items):
        row_path = f"{dotted}.{index}"
        reader.lines[row_path] = (item.line, item.col)
        if not isinstance(item, Mapping):
            reader.report(item, "type", f"“{spec.label}”第 {index + 1} 行应为“一级指标: …”等若干项，实际是{_describe(item)}")
            continue
        row = {}
        found = reader.mapping(item, f"{spec.label}第 {index + 1} 行", keys)
        for column in spec.columns:
            key_node, value_node = found.get(column.key, (None, None))
            if value_node is not None:
                reader.lines[f"{row_path}.{column.key}"] = (value_node.line, value_node.col)
            value = _read_field(reader, column, value_node, f"{row_path}.{column.key}", None)
            if column.type == "text" and value is None:
                value = ""
            if column.required and _is_blank(value):
                if key_node is None:
                    reader.report(item, "missing-field", f"{spec.label}第 {index + 1} 行缺少“{column.label}”")
                else:
                    reader.report(value_node, "missing-field", f"{spec.label}第 {index + 1} 行的“{column.label}”不能为空")
            row[column.key] = value
        rows.append(row)
    return rows
