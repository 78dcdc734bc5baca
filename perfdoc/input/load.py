"""Load a spec file: YAML text → a tree of nodes that remember their line and column.

PyYAML's own constructors are not used. They keep the last of duplicate keys without a word,
expand aliases (a billion-laughs bomb), and guess types (`2025-01-01` becomes a date, `0.00` a
float). Instead the parser's event stream is composed here into `Mapping`, `Sequence` and
`Scalar` nodes whose scalars stay the text the author typed; `parse` gives them types.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import yaml

from .problems import Problem
from .reading import read_regular

try:  # libyaml is about ten times faster and gives the same marks; only its parser is used
    from yaml.cyaml import CParser as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# A spec is a page of a form, not a database: anything this large is a mistake (or an attack).
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 100  # levels of lists and mappings; a spec has four or five
MAX_NODES = 200_000
_NULLS = {"", "~", "null", "Null", "NULL"}
_QUOTES = {"'", '"'}


# slots: a 1000-project validate makes a quarter of a million nodes; without a __dict__ each
# is smaller and quicker to make and read.
@dataclass(slots=True)
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


@dataclass(slots=True)
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


@dataclass(slots=True)
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
    return load_text(path, text, warnings), warnings


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


def load_text(path: Path, text: str, warnings: list[Problem] | None = None) -> Node | None:
    """Compose YAML text into nodes, refusing duplicate keys, aliases and multiple documents;
    warnings (text folded or cut by a comment) go to `warnings` when given."""
    invisible_break = _invisible_break(path, text)
    if invisible_break:
        raise LoadError([invisible_break])
    composer = _Composer(path)
    parser = _Loader(text)
    try:
        # the parser's own get_event, not yaml.parse's generator: a spec is mostly events
        composer.compose(parser.get_event)
    except _Stop:
        pass
    except yaml.MarkedYAMLError as exc:
        raise LoadError([_syntax_problem(path, text, exc)]) from None
    except yaml.reader.ReaderError as exc:  # a raw control character: libyaml gives only an offset
        raise LoadError([_control_character(path, text, exc.position, exc.character)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark are rare
        raise LoadError([Problem(path, 1, 1, "error", "yaml-syntax", "YAML 语法错误：文件无法解析")]) from None
    finally:
        parser.dispose()
    if composer.problems:
        raise LoadError(composer.problems)
    if warnings is not None:
        warnings += composer.warnings + _comments_in_values(path, text, composer.root)
    return composer.root


# U+0085, U+2028, U+2029: line breaks to YAML (every later line number shifts), invisible to an author.
_INVISIBLE_BREAKS = {"\x85": "下一行符 NEL", "\u2028": "行分隔符", "\u2029": "段分隔符"}


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character offset, lines counted at \\n only (as editors do)."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _invisible_break(path: Path, text: str) -> Problem | None:
    found = [at for at in (text.find(c) for c in _INVISIBLE_BREAKS) if at >= 0]
    if not found:
        return None
    at = min(found)
    char = text[at]
    return Problem(path, *_line_col(text, at), "error", "control-char",
                   f"这里有一个看不见的 Unicode 换行符 U+{ord(char):04X}（{_INVISIBLE_BREAKS[char]}），"
                   "YAML 会把它当作换行：请删除它（多半是从网页或其他软件复制来的）")


def _control_character(path: Path, text: str, position: int, character) -> Problem:
    code = character if isinstance(character, int) else ord(character or "\0")
    # libyaml counts the offset in UTF-8 bytes; find the character there (and trust only a match)
    at = len(text.encode("utf-8")[:max(position, 0)].decode("utf-8", "ignore"))
    if at >= len(text) or ord(text[at]) != code:
        at = next((i for i, c in enumerate(text) if ord(c) == code), 0)
    line, col = _line_col(text, at)
    return Problem(path, line, col, "error", "control-char",
                   f"这里有一个看不见的控制字符 U+{code:04X}，YAML 不允许（也无法写入 Word）：请删除它"
                   "（多半是从网页或其他软件复制来的）")


def _comments_in_values(path: Path, text: str, root: Node | None) -> list[Problem]:
    """Text after ` #` in an unquoted value is a YAML comment and silently dropped
    (`减轻家长接送负担 #含寄宿生`). Warn where that looks like content: one space before the #,
    or none after it — perfdoc's own comments have two spaces before and one after."""
    if " #" not in text or root is None:  # the common case, at the speed of a substring search
        return []
    ends = _cut_value_ends(text)
    if not ends:
        return []
    problems, hash_lines, line, counted_to = [], [], 1, 0
    for hash_at in ends.values():  # in the order of the text
        line += text.count("\n", counted_to, hash_at)  # _line_col, counting on from the last one
        counted_to = hash_at
        hash_lines.append(line)
    values = _plain_values_ending_at(root, ends, hash_lines)
    for (value_end, hash_at), line in zip(ends.items(), hash_lines):
        value = values.get(value_end)
        if value is None:
            continue
        col = hash_at - text.rfind("\n", 0, hash_at)   # one value a line: back to its line's start
        line_end = text.find("\n", hash_at)
        comment = text[hash_at: line_end if line_end >= 0 else len(text)].rstrip()
        problems.append(Problem(path, line, col, "warning", "comment-in-value",
                                f"“{value.text}”之后的“{comment}”被 YAML 当作注释，不会打印；若它是内容，"
                                f"请给整个值加引号：\"{value.text} {comment}\""))
    return problems


def _cut_value_ends(text: str) -> dict[int, int]:
    """Where a plain value would end if each suspicious ` #` cut it (the `#` less the spaces
    before it), mapped to the `#`. Every character is read a bounded number of times: a line of
    200,000 ` #x` took seconds when each `#` looked back to its line's start, and a pattern
    for ` +#` tried every run of indentation."""
    ends, at = {}, text.find(" #")
    while at != -1:
        hash_at = value_end = at + 1
        while value_end and text[value_end - 1] == " ":
            value_end -= 1
        after = text[hash_at + 1:hash_at + 2]
        if value_end and text[value_end - 1] not in "\n\t#" \
                and (hash_at - value_end == 1 or after not in ("", " ", "\t", "\n", "#")):
            ends[value_end] = hash_at
        at = text.find(" #", hash_at + 1)
    return ends


def _plain_values_ending_at(root: Node, ends: dict[int, int], lines: list[int]) -> dict[int, Scalar]:
    """The unquoted scalar values in the tree (keys are never cut by a comment that matters)
    that end at one of `ends`, by where they end. Such a value ends on one of `lines` (sorted):
    only the parts of the tree that reach one of them are visited, not the whole spec."""
    found: dict[int, Scalar] = {}

    def reaches(first: int, last: int) -> bool:  # whether a line of `lines` lies in first..last
        i = bisect.bisect_left(lines, first)
        return i < len(lines) and lines[i] <= last

    def visit(node: Node, last: int) -> None:  # `last`: no line of the node lies after it
        if type(node) is Scalar:
            if not node.style and node.span[1] in ends:
                found[node.span[1]] = node
            return
        items = node.items
        for i, item in enumerate(items):
            # an item's lines run from its start to the next item's (a flow item may share it)
            first = item[0].line if type(node) is Mapping else item.line
            following = items[i + 1] if i + 1 < len(items) else None
            until = last if following is None else (following[0].line if type(node) is Mapping else following.line)
            if reaches(first, until):
                visit(item[1] if type(node) is Mapping else item, until)

    visit(root, lines[-1])
    return found


def _syntax_problem(path: Path, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "无法解析"
    lines = text.splitlines()
    bad = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in bad[: max(col, 1) + 1] or "tab" in what.lower():
        return Problem(path, line, col, "error", "yaml-syntax", "YAML 缩进中有制表符（Tab），请改用空格缩进")
    for explain in (_misspelt_colon, _value_needing_quotes, _dash_without_space, _misaligned):
        found = explain(lines, line)
        if found:
            return Problem(path, found[0], found[1], "error", "yaml-syntax", found[2])
    hint = _SYNTAX_HINTS.get(what) or (what if not what.isascii() else _SYNTAX_FALLBACK)
    return Problem(path, line, col, "error", "yaml-syntax", f"YAML 语法错误：{hint}")


_KEY_VALUE = re.compile(r"^(\s*(?:-\s+)?)([^\s#:][^:]*?):[ \t]+(\S(?:.*\S)?)\s*$")  # not `(\S.*?)\s*$`: quadratic in spaces
_BLOCK_HEADER = re.compile(r"^[|>](?:[-+]?[1-9]?|[1-9][-+])(?:\s+#.*)?$")
_NEEDS_QUOTES = (">", "|", "!", "&", "*", "%", "@", "`", "- ", "? ")


def _value_needing_quotes(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """A value that begins with one of YAML's own signs (`指标值: >90%`): the parser reads a
    block, a tag, an anchor… and fails on what follows. Point at the value and say to quote it."""
    for number in range(line, max(line - 2, 0), -1):
        found = _KEY_VALUE.match(lines[number - 1]) if number <= len(lines) else None
        if not found or _BLOCK_HEADER.match(found.group(3)):
            continue
        value = found.group(3)
        closing = value[1:].find(value[0]) + 1 if value[0] in _QUOTES else 0
        if closing and value[closing + 1:].strip() and not value[closing + 1:].lstrip().startswith("#"):
            return (number, found.start(3) + 1,
                    f"YAML 语法错误：引号之后还有文字：引号要包住整个值，或者去掉引号，"
                    f"如 {found.group(2)}: {value[1:closing]}{value[closing + 1:]}")
        header = re.match(r"(\|[-+]?|>[-+])\s+[^\s#]", value)
        if header:  # `年度总体目标: |- 第一段…`: the text belongs on the lines below
            return (number, found.start(3) + 1,
                    f"YAML 语法错误：“{header.group(1)}”之后要换行：文字从下一行开始写，每段一行、缩进两格"
                    f"（若“{value}”本身是要印出的文字，请给整个值加引号）")
        sign = next((s for s in _NEEDS_QUOTES if value.startswith(s)), None)
        if sign:
            return (number, found.start(3) + 1,
                    f"YAML 语法错误：以 {sign.strip()} 开头的值请加引号，如 {found.group(2)}: \"{value}\"")
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _key_column(text: str) -> int:
    """Where a line's key starts: after its indentation and any "- "."""
    found = re.match(r"\s*(?:-\s+)?", text)
    return found.end()


def _dash_without_space(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """`-一级指标: …`: a list row's dash needs a space after it."""
    for number in range(line, max(line - 2, 0), -1):
        text = lines[number - 1] if number <= len(lines) else ""
        if re.match(r"\s*-[^\s-]", text):
            rest = text.strip()[1:]
            return (number, _indent(text) + 1, f"YAML 语法错误：列表行的“-”之后要有一个空格：写作“- {rest}”")
    return None


def _misaligned(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """A key indented one space too many or too few, or a list row without its "- ": say which
    line is out of line with which, instead of libyaml's guess."""
    if not 0 < line <= len(lines) or not lines[line - 1].strip() or lines[line - 1].lstrip().startswith("#"):
        return None
    here = lines[line - 1]
    earlier = [(n, t) for n, t in enumerate(lines[: line - 1], 1) if t.strip() and not t.lstrip().startswith("#")]
    if not earlier:
        return None
    number, above = earlier[-1]
    column, above_column = _key_column(here), _key_column(above)
    key = here[column:].split(":")[0].strip() or here.strip()
    above_key = above[above_column:].split(":")[0].strip()
    if column == above_column or above.rstrip().endswith(":"):
        return None
    dashes = {_indent(t) for _, t in earlier if t.lstrip().startswith("- ")}
    if column in dashes and not here.lstrip().startswith("- "):
        return (line, column + 1, f"YAML 语法错误：“{key}”与上面列表的“- ”对齐，却没有以“- ”开头："
                                  f"列表的每一行以“- ”开头，如“- {key}: …”")
    if column > above_column:
        return (line, column + 1, f"YAML 语法错误：缩进不对：“{key}”比上一行（第 {number} 行）的“{above_key}”"
                                  f"多缩进了 {column - above_column} 格；同一组的各项要左对齐（空格数相同）")
    if column not in {_key_column(t) for _, t in earlier}:
        return (line, column + 1, f"YAML 语法错误：缩进不对：“{key}”缩进了 {column} 格，与上面各行都对不齐"
                                  f"（上一行“{above_key}”是 {above_column} 格）；同一组的各项要左对齐（空格数相同）")
    return None


def _misspelt_colon(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """The commonest slip of a Chinese keyboard: `键：值` or `键:值` where YAML needs `键: 值`.

    The parser notices a line or two later; point at the line that holds the slip.
    """
    for number in range(max(line - 2, 1), min(line, len(lines)) + 1):
        content = lines[number - 1].split(" #")[0]
        if content.lstrip().startswith("- "):  # a list row: its first key follows the "- "
            content = " " * _key_column(content) + content[_key_column(content):]
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
    "exceeded maximum nesting depth": "嵌套过深（括号或缩进超过一千层），不像一份项目规格",
    "did not find expected comment or line break": "值之后还有多余的内容（引号没有包住整个值？值以特殊符号开头时请给整个值加引号）",
    "did not find expected whitespace or line break": "值以特殊符号开头时请给整个值加引号",
    "did not find expected alphabetic or numeric character": "值以 & 或 * 开头时请给整个值加引号",
    "block sequence entries are not allowed in this context": "此处不能以“- ”开始列表（值以“- ”开头时请加引号）",
    "found unknown escape character": "双引号中有无法识别的反斜杠转义（如 \\d）：含反斜杠的文字请改用单引号",
    "did not find expected node content": "这里缺少内容（值以 , [ ] { } 等符号开头时请给整个值加引号）",
    "did not find expected ',' or '}'": "{…} 写法没有闭合：请改用分行的写法，每项一行“键: 值”",
    "did not find expected ',' or ']'": "[…] 写法没有闭合：请改用分行的写法，每项一行“- 值”",
    "found unexpected ':'": "此处不能出现冒号（值中含“: ”时请给整个值加引号）",
    "found a tab character that violates indentation": "YAML 缩进中有制表符（Tab），请改用空格缩进",
}
_SYNTAX_FALLBACK = "这里无法解析：请检查缩进（同一组的各项左对齐）、冒号（“键: 值”）和引号；值以特殊符号开头时请给整个值加引号"


class _Composer:
    """Build nodes from parser events; collect problems instead of raising at the first."""

    def __init__(self, path: Path):
        self.path = path
        self.root: Node | None = None
        self.stack: list[Mapping | Sequence] = []
        self.pending_key: list[Scalar | None] = []
        self.seen_keys: list[dict[str, int]] = []
        self.documents = 0
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def compose(self, next_event) -> None:
        """Take every event up to the stream's end. The hot loop of validate: one loop, not a
        call per event; events in order of frequency; positions read inline; state in locals."""
        stack, pending, seen_keys, nodes = self.stack, self.pending_key, self.seen_keys, 0
        new_node = object.__new__
        while True:
            event = next_event()
            kind = type(event)
            if kind is _ScalarEvent:
                mark, end, style = event.start_mark, event.end_mark, event.style or ""
                # Scalar(…) spelt out (every field: keep in step with the dataclass): calling the
                # class runs __init__ through the type's slot, a third of what making a scalar
                # costs (2,600 instructions against 1,750 this way), and a 1000-project validate
                # makes a quarter of a million of them
                scalar = new_node(Scalar)
                scalar.text, scalar.line, scalar.col = event.value, mark.line + 1, mark.column + 1
                scalar.quoted, scalar.style, scalar.span = style in _QUOTES, style, (mark.index, end.index)
                if event.anchor or event.tag or (end.line != mark.line and style != "|"):
                    self._unusual(event, scalar)  # rare: kept out of the hot path
                nodes += 1
                if nodes > MAX_NODES:
                    self._too_many()
                # a key, a mapping's value, a row or the root: decided inline, as most events are scalars
                if not stack:
                    self.root = scalar
                elif type(stack[-1]) is Mapping:
                    key = pending[-1]
                    if key is None:  # a key: remember it, refuse it twice
                        seen = seen_keys[-1]
                        if scalar.text in seen:
                            self._duplicate(scalar, seen)
                        else:
                            seen[scalar.text] = scalar.line
                        pending[-1] = scalar
                    else:
                        stack[-1].items.append((key, scalar))
                        pending[-1] = None
                else:
                    stack[-1].items.append(scalar)
            elif kind is _MappingEndEvent or kind is _SequenceEndEvent:
                node = stack.pop()
                if kind is _MappingEndEvent:
                    pending.pop()
                    seen_keys.pop()
                if stack and type(stack[-1]) is Sequence:  # a row: the common case, inline
                    stack[-1].items.append(node)
                else:
                    self._attach(node)
            elif kind is _MappingStartEvent or kind is _SequenceStartEvent:
                mark = event.start_mark
                if event.tag:
                    self._unusual(event, None)
                nodes += 1
                if nodes > MAX_NODES:
                    self._too_many()
                if len(stack) >= MAX_DEPTH:
                    self._too_deep(mark)
                node = new_node(Mapping if kind is _MappingStartEvent else Sequence)  # as a scalar, above
                node.line, node.col, node.items = mark.line + 1, mark.column + 1, []
                stack.append(node)
                if kind is _MappingStartEvent:
                    pending.append(None)
                    seen_keys.append({})
            elif kind is _StreamEndEvent:
                return
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents == 2:
                    self._fail(event, "multiple-documents", "一个文件只能有一个 YAML 文档（出现了第二个“---”）")
            elif kind is yaml.AliasEvent:
                self._fail(event, "yaml-alias", f"不支持 YAML 别名（*{event.anchor}）：请把内容直接写出；"
                                                f"若“*{event.anchor}”是要印出的文字，以 * 开头的值请加引号")

    def _unusual(self, event, scalar: Scalar | None) -> None:
        """An anchor, a tag, or a scalar over several lines: each hides what the author meant."""
        line, col = self._pos(event)
        if event.tag:
            shown = "!!" + event.tag[len(_YAML_TAG):] if event.tag.startswith(_YAML_TAG) else event.tag
            self.problems.append(Problem(self.path, line, col, "error", "yaml-tag",
                                         f"不支持 YAML 标签“{shown}”（perfdoc 不按标签转换任何内容）："
                                         f"若它是要印出的文字，以 ! 开头的值请加引号"))
        if event.anchor and scalar is not None:  # an anchored list or mapping is harmless until an alias
            self.problems.append(Problem(self.path, line, col, "error", "yaml-anchor",
                                         f"以 & 开头的值请加引号：YAML 把“&{event.anchor}”读作锚点，"
                                         f"它会从值中消失"))
        if scalar is not None and not event.anchor and not event.tag:
            self._folded(scalar, event.end_mark.line - event.start_mark.line)

    def _folded(self, scalar: Scalar, lines_after: int) -> None:
        """Warn of a value written over several lines that YAML joins into one paragraph."""
        if lines_after < 1 or (scalar.style == ">" and lines_after < 3):
            return  # `键: >` and one line of text (its end mark is two lines down): nothing is joined
        pending = self.pending_key[-1] if self.stack and type(self.stack[-1]) is Mapping else None
        key = pending.text if pending is not None else "键"
        self.warnings.append(Problem(
            self.path, scalar.line, scalar.col, "warning", "folded-text",
            f"“{key}”的文字写成了多行，YAML 会把这几行合并成一段（行间以空格连接）：要按行分段，"
            f"请写作“{key}: |-”，下一行起每段一行、缩进两格"))

    def _pos(self, event) -> tuple[int, int]:
        return event.start_mark.line + 1, event.start_mark.column + 1

    def _fail(self, event, rule: str, message: str) -> None:
        self.problems.append(Problem(self.path, *self._pos(event), "error", rule, message))
        raise _Stop

    def _too_many(self) -> None:
        self.problems.append(Problem(self.path, 1, 1, "error", "file-too-large",
                                     f"文件包含的条目过多（超过 {MAX_NODES} 个）"))
        raise _Stop

    def _too_deep(self, mark) -> None:
        # Our own bound, not libyaml's (older libyaml has none): a spec is a few levels deep.
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, "error", "yaml-syntax",
                                     f"YAML 语法错误：嵌套过深（括号或缩进超过 {MAX_DEPTH} 层），不像一份项目规格"))
        raise _Stop

    def _duplicate(self, key: Scalar, seen: dict) -> None:
        row = self.stack[-1]
        # a row's first key again: the next row, written without its "- ", ran into this one
        if len(self.stack) > 1 and type(self.stack[-2]) is Sequence and row.items and row.items[0][0].text == key.text:
            if _MISSING_DASH not in seen:  # its other keys repeat for the same reason: say it once
                seen[_MISSING_DASH] = key.line
                self.problems.append(Problem(
                    self.path, key.line, key.col, "error", "duplicate-key",
                    f"重复的键“{key.text}”（第 {seen[key.text]} 行已有）：是否漏写了这一行开头的“- ”？"
                    f"列表的每一行以“- ”开头，如“- {key.text}: …”"))
            return
        if _MISSING_DASH in seen:
            return
        self.problems.append(Problem(
            self.path, key.line, key.col, "error", "duplicate-key",
            f"重复的键“{key.text}”（第 {seen[key.text]} 行已有）：YAML 只会保留后一个，前一个的内容将丢失"))

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


_MISSING_DASH = "\0missing-dash"  # a marker in a row's seen keys: no key can hold a NUL
_YAML_TAG = "tag:yaml.org,2002:"


_ScalarEvent, _StreamEndEvent = yaml.ScalarEvent, yaml.StreamEndEvent
_MappingStartEvent, _MappingEndEvent = yaml.MappingStartEvent, yaml.MappingEndEvent
_SequenceStartEvent, _SequenceEndEvent = yaml.SequenceStartEvent, yaml.SequenceEndEvent


class _Stop(Exception):
    pass

