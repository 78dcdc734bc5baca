"""Load a spec file: YAML text → a tree of nodes that remember their line and column.

PyYAML's own constructors are not used. They keep the last of duplicate keys without a word,
expand aliases (a billion-laughs bomb), and guess types (`2025-01-01` becomes a date, `0.00` a
float). Instead the parser's event stream is composed here into `Mapping`, `Sequence` and
`Scalar` nodes whose scalars stay the text the author typed; `parse` gives them types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import yaml

from .problems import Problem
from .reading import read_regular

try:  # libyaml is about ten times faster and gives the same marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# A spec is a page of a form, not a database: anything this large is a mistake (or an attack).
MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
_NULLS = {"", "~", "null", "Null", "NULL"}
_QUOTES = {"'", '"'}


@dataclass
class Scalar:
    text: str
    line: int
    col: int
    quoted: bool = False
    style: str = ""      # "" plain, "'" or '"' quoted, "|" or ">" block
    span: tuple[int, int] = (0, 0)  # character offsets of the scalar as written, for `fmt`

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.text in _NULLS


@dataclass
class Mapping:
    line: int
    col: int
    items: list[tuple[Scalar, "Node"]] = field(default_factory=list)

    def get(self, key: str):
        for k, v in self.items:
            if k.text == key:
                return v
        return None

    def keys(self) -> list[str]:
        return [k.text for k, _ in self.items]


@dataclass
class Sequence:
    line: int
    col: int
    items: list["Node"] = field(default_factory=list)


Node = Union[Scalar, Mapping, Sequence]


class LoadError(Exception):
    """The file cannot be read as YAML at all; carries the problems that say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


def load_file(path: Path) -> tuple[Node | None, list[Problem]]:
    """Read one spec file; return its node tree (None if empty) and any warnings."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LoadError([Problem(path, 1, 1, "error", "file-too-large",
                                     f"文件过大（{size // 1024} KB，上限 {MAX_BYTES // 1024} KB），不像是一份项目规格")])
        raw = read_regular(path, MAX_BYTES, root=path.parent)
    except OSError as exc:
        raise LoadError([Problem(path, 1, 1, "error", "file-unreadable",
                                 f"无法读取文件：{exc.strerror or exc}")]) from None
    text, warnings = decode(path, raw)
    return load_text(path, text), warnings


def decode(path: Path, raw: bytes) -> tuple[str, list[Problem]]:
    """Decode UTF-8 (with or without BOM); accept GB18030 from Windows editors, with a warning."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise LoadError([Problem(path, line, 1, "error", "encoding",
                                 "文件不是 UTF-8 编码，也无法按 GBK/GB18030 读取；请用 UTF-8 保存")]) from None
    return text, [Problem(path, 1, 1, "warning", "encoding",
                          "文件是 GBK/GB18030 编码（Windows 记事本的默认编码），已按此读取；请另存为 UTF-8")]


def load_text(path: Path, text: str) -> Node | None:
    """Compose YAML text into nodes, refusing duplicate keys, aliases and multiple documents."""
    composer = _Composer(path)
    parser = _Loader(text)
    try:
        # the parser's own get_event, not yaml.parse's generator: a spec is mostly events
        next_event, feed, event = parser.get_event, composer.feed, None
        while type(event) is not yaml.StreamEndEvent:
            event = next_event()
            feed(event)
    except _Stop:
        pass
    except yaml.MarkedYAMLError as exc:
        raise LoadError([_syntax_problem(path, text, exc)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark are rare
        raise LoadError([Problem(path, 1, 1, "error", "yaml-syntax", f"YAML 语法错误：{exc}")]) from None
    finally:
        parser.dispose()
    if composer.problems:
        raise LoadError(composer.problems)
    return composer.root


def _syntax_problem(path: Path, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "无法解析"
    lines = text.splitlines()
    bad = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in bad[: max(col, 1) + 1] or "tab" in what.lower():
        return Problem(path, line, col, "error", "yaml-syntax", "YAML 缩进中有制表符（Tab），请改用空格缩进")
    colon = _misspelt_colon(lines, line)
    if colon:
        return Problem(path, colon[0], colon[1], "error", "yaml-syntax", colon[2])
    return Problem(path, line, col, "error", "yaml-syntax", f"YAML 语法错误：{_SYNTAX_HINTS.get(what, what)}")


def _misspelt_colon(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """The commonest slip of a Chinese keyboard: `键：值` or `键:值` where YAML needs `键: 值`.

    The parser notices a line or two later; point at the line that holds the slip.
    """
    for number in range(max(line - 2, 1), min(line, len(lines)) + 1):
        content = lines[number - 1].split(" #")[0]
        if ": " in content or content.rstrip().endswith(":") or content.lstrip().startswith(("#", "- ")):
            continue
        for mark, why in (("：", "用了全角冒号“：”"), (":", "冒号后缺少空格")):
            at = content.find(mark)
            if at > 0:
                return number, at + 1, f"YAML 语法错误：{why}；“键: 值”要用半角冒号加一个空格"
    return None


_SYNTAX_HINTS = {
    "mapping values are not allowed here": "此处不能出现“键: 值”（冒号后的文字若含“: ”，请加引号）",
    "mapping values are not allowed in this context": "此处不能出现“键: 值”（冒号后的文字若含“: ”，请加引号）",
    "could not find expected ':'": "缺少冒号“:”",
    "found character that cannot start any token": "出现了不能作为开头的字符（如 Tab、@ 或 `），请加引号",
    "found undefined alias": "使用了未定义的别名（*）",
    "did not find expected key": "缩进不一致，找不到预期的键",
    "did not find expected '-' indicator": "列表缩进不一致，找不到预期的“- ”",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合？）",
}


class _Composer:
    """Build nodes from parser events; collect problems instead of raising at the first."""

    def __init__(self, path: Path):
        self.path = path
        self.root: Node | None = None
        self.stack: list[Mapping | Sequence] = []
        self.pending_key: list[Scalar | None] = []
        self.seen_keys: list[dict[str, int]] = []
        self.documents = 0
        self.nodes = 0
        self.problems: list[Problem] = []

    def feed(self, event) -> None:
        # The hot loop of validate: events in order of frequency, positions read inline.
        kind = type(event)
        if kind is yaml.ScalarEvent:
            mark, style = event.start_mark, event.style or ""
            self._add(Scalar(event.value, mark.line + 1, mark.column + 1, style in _QUOTES, style,
                             (mark.index, event.end_mark.index)))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            node = self.stack.pop()
            if kind is yaml.MappingEndEvent:
                self.pending_key.pop()
                self.seen_keys.pop()
            self._attach(node)
        elif kind is yaml.MappingStartEvent:
            mark = event.start_mark
            self._open(Mapping(mark.line + 1, mark.column + 1))
            self.pending_key.append(None)
            self.seen_keys.append({})
        elif kind is yaml.SequenceStartEvent:
            mark = event.start_mark
            self._open(Sequence(mark.line + 1, mark.column + 1))
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents == 2:
                self._fail(event, "multiple-documents", "一个文件只能有一个 YAML 文档（出现了第二个“---”）")
        elif kind is yaml.AliasEvent:
            self._fail(event, "yaml-alias", f"不支持 YAML 别名（*{event.anchor}）：请把内容直接写出")

    def _pos(self, event) -> tuple[int, int]:
        return event.start_mark.line + 1, event.start_mark.column + 1

    def _fail(self, event, rule: str, message: str) -> None:
        self.problems.append(Problem(self.path, *self._pos(event), "error", rule, message))
        raise _Stop

    def _too_many(self) -> None:
        self.problems.append(Problem(self.path, 1, 1, "error", "file-too-large",
                                     f"文件包含的条目过多（超过 {MAX_NODES} 个）"))
        raise _Stop

    def _open(self, node: Mapping | Sequence) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_many()
        self.stack.append(node)

    def _add(self, scalar: Scalar) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_many()
        stack = self.stack
        if stack and type(stack[-1]) is Mapping and self.pending_key[-1] is None:
            self._take_key(scalar)
        else:
            self._attach(scalar)

    def _take_key(self, key: Scalar) -> None:
        seen = self.seen_keys[-1]
        if key.text in seen:
            self.problems.append(Problem(
                self.path, key.line, key.col, "error", "duplicate-key",
                f"重复的键“{key.text}”（第 {seen[key.text]} 行已有）：YAML 只会保留后一个，前一个的内容将丢失"))
        else:
            seen[key.text] = key.line
        self.pending_key[-1] = key

    def _attach(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        top = self.stack[-1]
        if isinstance(top, Sequence):
            top.items.append(node)
        elif self.pending_key[-1] is None:
            # A mapping or sequence used as a key: YAML allows it, a form never needs it.
            self.problems.append(Problem(self.path, node.line, node.col, "error", "complex-key",
                                         "键必须是简单文字（不能是列表或映射）"))
            self.pending_key[-1] = Scalar("?", node.line, node.col)
        else:
            top.items.append((self.pending_key[-1], node))
            self.pending_key[-1] = None


class _Stop(Exception):
    pass

