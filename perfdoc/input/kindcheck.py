"""Check a kind definition (templates/<kind>.yaml) the way specs are checked: every key known,
every value of the shape the code expects, every field a rule names present — each problem as
`file:line:col`. A kind file travels with restyled templates, so it is input like any spec: a
mistake in it must never become a traceback, nor a check silently switched off.

A new key in kind files is added here too (TOP, CHECKS, _field): the built-in kinds are checked
by the test suite, so a key the code reads but this schema lacks fails there first.
"""
from __future__ import annotations

import re
from pathlib import Path
from string import Formatter
from typing import Callable

from .load import LoadError, Mapping, Node, Scalar, Sequence, load_text
from .problems import Problem

RULE = "kind-definition"
FIELD_TYPES = ("text", "date", "amount", "number", "percent", "group", "indicators")
COLUMN_TYPES = ("text", "date", "amount", "number", "percent")
_TRUE_FALSE = {"true": True, "false": False, "True": True, "False": False}

Check = Callable[["KindChecker", Node, str], None]


class KindChecker:
    """Collects the problems of one kind file."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.fields: dict[str, tuple[str, Node]] = {}   # dotted path → (type, node)
        self.columns: set[str] = set()
        self.pending: list[tuple[Node, str, tuple[str, ...] | None]] = []  # field paths the rules name

    def error(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.path, node.line, node.col, "error", RULE, _readable(message)))

    # -- shapes ---------------------------------------------------------------------------
    def mapping(self, node: Node, where: str, keys: dict[str, Check], required: tuple[str, ...] = ()) -> bool:
        if not isinstance(node, Mapping):
            self.error(node, f"“{where}”应是若干“键: 值”，而不是{_shape(node)}")
            return False
        for key, value in node.items:
            if key.text not in keys:
                self.error(key, f"“{where}”中的键“{key.text}”未知（可用：{'、'.join(keys)}）")
            else:
                keys[key.text](self, value, f"{where}.{key.text}" if where else key.text)
        for key in required:
            if node.get(key) is None:
                self.error(node, f"“{where or '表式定义'}”缺少“{key}”")
        return True

    def text(self, node: Node, where: str) -> str | None:
        if not isinstance(node, Scalar) or node.is_null:
            self.error(node, f"“{where}”应是一段文字，而不是{_shape(node)}")
            return None
        return node.text

    def integer(self, node: Node, where: str) -> None:
        if not isinstance(node, Scalar) or node.quoted or not node.text.isascii() or not node.text.isdigit():
            self.error(node, f"“{where}”应是整数（如 2025），而不是{_shape(node)}")

    def number(self, node: Node, where: str) -> None:
        from decimal import Decimal, InvalidOperation
        try:
            ok = isinstance(node, Scalar) and not node.quoted and Decimal(node.text).is_finite()
        except InvalidOperation:
            ok = False
        if not ok:
            self.error(node, f"“{where}”应是数，而不是{_shape(node)}")

    def boolean(self, node: Node, where: str) -> None:
        if not isinstance(node, Scalar) or node.quoted or node.text not in _TRUE_FALSE:
            self.error(node, f"“{where}”应是 true 或 false，而不是{_shape(node)}")

    def one_of(self, node: Node, where: str, choices: tuple[str, ...]) -> None:
        value = self.text(node, where)
        if value is not None and value not in choices:
            self.error(node, f"“{where}”的值“{value}”未知（可用：{'、'.join(choices)}）")

    def list_of(self, node: Node, where: str, item: Check) -> list[Node]:
        if not isinstance(node, Sequence):
            self.error(node, f"“{where}”应是列表（如 [a, b]），而不是{_shape(node)}")
            return []
        for element in node.items:
            item(self, element, where)
        return node.items


def _readable(message: str) -> str:
    """Name a field as the kind file nests it, without the `fields.`/`columns.` of the YAML."""
    return (message.replace("“fields.", "“").replace(".fields.", ".").replace(".columns.", ".")
            .replace("“”中的", "表式定义中的"))


def _dotted(where: str) -> str:
    return where.removeprefix("fields.").replace(".fields.", ".").replace(".columns.", ".")


def _shape(node: Node) -> str:
    if isinstance(node, Mapping):
        return "“键: 值”"
    if isinstance(node, Sequence):
        return "列表"
    return "空值" if node.is_null else f"“{node.text}”"


# -- the schema -----------------------------------------------------------------------------
def _text(c, n, w): c.text(n, w)
def _int(c, n, w): c.integer(n, w)
def _num(c, n, w): c.number(n, w)
def _bool(c, n, w): c.boolean(n, w)
def _texts(c, n, w): c.list_of(n, w, _text)
def _ints(c, n, w): c.list_of(n, w, _int)
def _severity(c, n, w): c.one_of(n, w, ("error", "warning"))


def _name(c: KindChecker, node: Node, where: str) -> None:
    """A kind's name names files too (`perfdoc schema` writes <name>.schema.json): a plain name."""
    name = c.text(node, where)
    if name is not None and (re.search(r'[\\/:*?"<>|\x00-\x1f]', name) or name.startswith(".") or len(name) > 60):
        c.error(node, f"表式名称“{name}”不能含 / \\ : * ? \" < > | 或以“.”开头（它也用作文件名）")


def _template(c: KindChecker, node: Node, where: str) -> None:
    name = c.text(node, where)
    if name is not None and (Path(name).name != name or not name.endswith(".docx")):
        c.error(node, f"“{where}”应是同一文件夹中的 .docx 文件名（小写扩展名），而不是“{name}”")


def _pattern(allowed: set[str] | None) -> Check:
    def check(c: KindChecker, node: Node, where: str) -> None:
        pattern = c.text(node, where)
        if pattern is None:
            return
        try:
            parsed = list(Formatter().parse(pattern))
        except ValueError as exc:
            c.error(node, f"“{where}”中的花括号不成对：{exc}")
            return
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            names = allowed if allowed is not None else {*(f for f in c.fields if "." not in f), "年度"}
            if not name or spec or conversion or name not in names:
                c.error(node, f"“{where}”中的“{{{name}}}”不是可用的名字（可用：{'、'.join(sorted(names))}）")
    return check


def _field(column: bool = False) -> Check:
    def check(c: KindChecker, node: Node, where: str) -> None:
        if isinstance(node, Scalar) and node.is_null:
            node = Mapping(node.line, node.col)  # `二级指标:` with nothing: a text field
        keys = {"type": _text, "label": _text, "required": _bool, "unit_default": _bool, "in_year": _bool,
                "known": _texts, "warn_empty": _bool, "format": _format, "computed": _text}
        if not column:
            keys.update(fields=_subfields, columns=_columns, merge=_texts, value_column=_text,
                        followed_by=_path())
        if not c.mapping(node, where, keys):
            return
        kind_node = node.get("type")
        kind = kind_node.text if isinstance(kind_node, Scalar) else "text"
        choices = COLUMN_TYPES if column else FIELD_TYPES
        if kind not in choices:
            c.error(kind_node, f"“{where}”的类型“{kind}”{'不能用作指标表的列' if column and kind in FIELD_TYPES else '未知'}"
                               f"（可用：{'、'.join(choices)}）")
        c.fields[_dotted(where)] = (kind, node)
        if column:
            c.columns.add(where.rpartition(".")[2])
            return
        for key, wanted in (("fields", "group"), ("columns", "indicators")):
            if node.get(key) is not None and kind != wanted:
                c.error(node.get(key), f"只有 type: {wanted} 的字段才有“{key}”（“{where}”的类型是 {kind}）")
        if kind == "indicators":
            _indicator_columns(c, node, where)
    return check


def _indicator_columns(c: KindChecker, node: Mapping, where: str) -> None:
    columns = node.get("columns")
    names = set(columns.keys()) if isinstance(columns, Mapping) else set()
    if not names:
        c.error(node, f"指标表“{where}”应有 columns")
    for key in ("merge", "value_column"):
        value = node.get(key)
        listed = value.items if isinstance(value, Sequence) else [value] if value is not None else []
        for item in listed:
            if isinstance(item, Scalar) and item.text not in names:
                c.error(item, f"“{where}.{key}”中的“{item.text}”不是该表的列（列：{'、'.join(names)}）")


def _format(c, n, w): c.one_of(n, w, ("amount",))
def _subfields(c, n, w): _fields_map(c, n, w, column=False)
def _columns(c, n, w): _fields_map(c, n, w, column=True)


def _fields_map(c: KindChecker, node: Node, where: str, *, column: bool) -> None:
    if not isinstance(node, Mapping) or not node.items:
        c.error(node, f"“{where}”应是若干“字段名: 定义”，而不是{_shape(node)}")
        return
    for key, value in node.items:
        _field(column)(c, value, f"{where}.{key.text}")


def _sum(c: KindChecker, node: Node, where: str) -> None:
    c.mapping(node, where, {"total": _path(("amount",)), "parts": _paths(("amount",)),
                            "severity": _severity, "blank_is_zero": _bool}, ("total", "parts"))


def _levels(c: KindChecker, node: Node, where: str) -> None:
    if not isinstance(node, Mapping):
        c.error(node, f"“{where}”应是“一级指标: [二级指标, …]”，而不是{_shape(node)}")
        return
    for key, value in node.items:
        if not (isinstance(value, Scalar) and value.is_null):
            c.list_of(value, f"{where}.{key.text}", _text)


def _framework(c: KindChecker, node: Node, where: str) -> None:
    c.mapping(node, where, {"years": _ints, "required": _texts, "levels": _levels, "severity": _severity},
              ("years", "levels"))


def _path(types: tuple[str, ...] | None = None) -> Check:
    """A dotted field path (项目资金.年度资金申请总额), checked once every field is known."""
    def check(c: KindChecker, node: Node, where: str) -> None:
        if c.text(node, where) is not None:
            c.pending.append((node, where, types))
    return check


def _paths(types: tuple[str, ...] | None = None, count: int | None = None) -> Check:
    def check(c: KindChecker, node: Node, where: str) -> None:
        items = c.list_of(node, where, _path(types))
        if count is not None and isinstance(node, Sequence) and len(items) != count:
            c.error(node, f"“{where}”应列出 {count} 个字段，而不是 {len(items)} 个")
    return check


def _pairs(c: KindChecker, node: Node, where: str) -> None:
    c.list_of(node, where, _paths(("amount",), 2))


CHECKS = {"budget": _path(("amount",)), "date_range": _paths(("date",), 2), "not_below": _pairs,
          "system_spelling": _bool, "history": _paths()}


def _options(c: KindChecker, node: Node, where: str) -> None:
    rounding = {"rule": _text, "places": _int, "also_seen": _texts}
    weight = lambda c2, n, w: c2.mapping(n, w, {"一级指标": _texts, "分值": _num}, ("一级指标", "分值"))
    scoring = {"basis": _text, "full_marks": _num,
               "budget": lambda c2, n, w: c2.mapping(n, w, {"row": _text, "分值": _num}, ("分值", "row")),
               "weights": lambda c2, n, w: c2.list_of(n, w, weight)}
    copy = lambda c2, n, w: c2.mapping(n, w, {}) if not isinstance(n, Mapping) else [
        c2.text(v, f"{w}.{k.text}") for k, v in n.items]
    scaffold = {"source_kind": _text, "copy": copy}
    columns = lambda c2, n, w: c2.mapping(n, w, {}) if not isinstance(n, Mapping) else [
        _path()(c2, v, f"{w}.{k.text}") for k, v in n.items]
    grade = lambda c2, n, w: c2.mapping(n, w, {"等级": _text, "不低于": _num}, ("等级", "不低于"))
    results = {"sheet": _text, "columns": columns, "grade_of": _path(),
               "grades": lambda c2, n, w: c2.list_of(n, w, grade)}
    workbook = {"results": lambda c2, n, w: c2.mapping(n, w, results, ("columns",))}
    c.mapping(node, where, {
        "workbook": lambda c2, n, w: c2.mapping(n, w, workbook),
        "rounding": lambda c2, n, w: c2.mapping(n, w, rounding),
        "scoring": lambda c2, n, w: c2.mapping(n, w, scoring, ("full_marks", "budget")),
        "scaffold": lambda c2, n, w: c2.mapping(n, w, scaffold, ("source_kind", "copy"))})


def _fields_top(c: KindChecker, node: Node, where: str) -> None:
    _fields_map(c, node, "fields", column=False)


def _labels(c: KindChecker, node: Node, where: str) -> None:
    """Words the form prints that differ by year: `名字: 文字` ({年度} stands for the year)."""
    if not isinstance(node, Mapping):
        c.error(node, f"“{where}”应是若干“名字: 文字”，而不是{_shape(node)}")
        return
    for key, value in node.items:
        c.text(value, f"{where}.{key.text}")


def _labels_by_year(c: KindChecker, node: Node, where: str) -> None:
    for item in c.list_of(node, where, lambda c2, n, w: None):
        if not isinstance(item, Mapping) or item.get("years") is None:
            c.error(item, f"“{where}”的每一项应写明 years 和要替换的文字")
            continue
        _ints(c, item.get("years"), f"{where}.years")
        for key, value in item.items:
            if key.text != "years":
                c.text(value, f"{where}.{key.text}")


TOP: dict[str, Check] = {
    "name": _name, "title": _text, "description": _text, "years": _ints, "template": _template,
    "summary_title": _pattern({"单位", "年度"}), "file_name": _pattern(None), "fields": _fields_top,
    "sums": lambda c, n, w: c.list_of(n, w, _sum), "frameworks": lambda c, n, w: c.list_of(n, w, _framework),
    "checks": lambda c, n, w: c.mapping(n, w, CHECKS), "options": _options,
    "labels": _labels, "labels_by_year": _labels_by_year,
}
def check_kind_text(path: Path, text: str) -> list[Problem]:
    """Every problem of one kind definition's text, each with its line and column."""
    try:
        root = load_text(path, text)
    except LoadError as exc:
        return exc.problems
    checker = KindChecker(path)
    if root is None or not isinstance(root, Mapping):
        checker.error(root or Scalar("", 1, 1), "表式定义应是若干“键: 值”（name、template、fields 等，见 TEMPLATES.md）")
        return checker.problems
    fields = root.get("fields")
    if fields is not None:
        _fields_top(checker, fields, "fields")
    rest = Mapping(root.line, root.col, [(k, v) for k, v in root.items if k.text != "fields"])
    top = {**TOP, "fields": lambda c, n, w: None}
    checker.mapping(rest, "", top)
    for key in ("name", "template", "fields"):
        if root.get(key) is None:
            checker.error(root, f"表式定义缺少“{key}”（见 TEMPLATES.md）")
    for node, where, types in checker.pending:
        found = checker.fields.get(node.text)
        if found is None:
            checker.error(node, f"“{where}”中的字段“{node.text}”在 fields 中没有（规则会因此失效）")
        elif types and found[0] not in types and not _is_amount_text(found[1], types):
            checker.error(node, f"“{where}”中的字段“{node.text}”类型是 {found[0]}，应为 {'/'.join(types)}")
    return sorted(checker.problems)


def _is_amount_text(node: Node, types: tuple[str, ...]) -> bool:
    """A text field with `format: amount` (the 2020 form's amounts, printed as typed) is an amount."""
    fmt = node.get("format") if isinstance(node, Mapping) else None
    return "amount" in types and isinstance(fmt, Scalar) and fmt.text == "amount"
