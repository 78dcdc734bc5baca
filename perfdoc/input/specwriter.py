"""Write spec YAML that perfdoc's loader reads back as exactly the values given.

Used by `perfdoc selfeval init` (scaffolds) and tools/fixtures_to_specs.py (examples). Keys keep
their order; text is quoted only where YAML would otherwise guess a type; a value with newlines
becomes a literal block, one paragraph a line.
"""
from __future__ import annotations

import re

import yaml


def scalar(value, *, raw: bool = False) -> str:
    """One YAML scalar that our loader reads back as exactly `value` (text, never a guessed type)."""
    if value is None or value == "":
        return ""
    text = str(value)
    if raw and re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?|\.[0-9]+|\d{4}-\d{2}-\d{2}", text):
        return text
    if _OTHER_BREAKS.search(text) or not all(c.isprintable() or c == "\t" for c in text) or text != text.strip(" \t"):
        return _double_quoted(text)  # escaped: a plain or single-quoted scalar would fold or trim it
    dumped = yaml.safe_dump(text, allow_unicode=True, width=10**9, default_style=None).strip()
    if dumped.endswith("\n..."):
        dumped = dumped[:-4].strip()
    if dumped.endswith("..."):
        dumped = dumped[:-3].strip()
    return dumped


def block(key: str, text: str, indent: int) -> str:
    """`key: value` for a text of several paragraphs: a literal block, one paragraph a line,
    where that reads back exactly; otherwise one double-quoted line with escapes."""
    pad = " " * indent
    if "\n" not in text:
        return f"{pad}{key}: {scalar(text)}".rstrip() + "\n"
    if not _literal_keeps(text):
        return f"{pad}{key}: {_double_quoted(text)}\n"
    body = "".join(f"{pad}  {line}".rstrip() + "\n" for line in text.split("\n"))
    # a first line that starts with a space would set the block's indentation, and one that starts
    # with a tab is refused by libyaml's indentation detection: say the indentation is 2
    indicator = "2" if text.lstrip("\n")[:1] in (" ", "\t") else ""
    return f"{pad}{key}: |{indicator}-\n{body}"


_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")  # line breaks to YAML 1.1, folded in a block


def _literal_keeps(text: str) -> bool:
    """Whether a literal block (`|-`) reads back as exactly `text`: no line ends in blanks (a
    block cannot show them), no trailing newline (`-` strips it), no other kind of line break,
    nothing YAML cannot print."""
    lines = text.split("\n")
    return (not text.endswith("\n") and not _OTHER_BREAKS.search(text)
            and all(line == line.rstrip(" \t") for line in lines)
            and all(c.isprintable() or c == "\t" for line in lines for c in line)
            and not text.startswith("\n"))


def _double_quoted(text: str) -> str:
    dumped = yaml.safe_dump(text, allow_unicode=True, width=10**9, default_style='"').strip()
    return dumped[:-3].strip() if dumped.endswith("...") else dumped


def mapping(data: dict, indent: int = 0, raw_keys=()) -> str:
    out = []
    pad = " " * indent
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(f"{pad}{key}:\n{mapping(value, indent + 2, raw_keys)}")
        elif isinstance(value, list):
            out.append(f"{pad}{key}:\n")
            for row in value:
                lines = mapping(row, indent + 4, raw_keys).splitlines(keepends=True)
                out.append(f"{pad}  - " + lines[0][indent + 4:] + "".join(lines[1:]))
        elif isinstance(value, str) and "\n" in value:
            out.append(block(key, value, indent))
        else:
            out.append(f"{pad}{key}: {scalar(value, raw=key in raw_keys)}".rstrip() + "\n")
    return "".join(out)


def unit_file(data: dict) -> str:
    """A unit file (单位.yaml): 单位, 年度, 表式 and the defaults its projects share."""
    return ("# 单位文件：本单位本年度各项目共用的信息。项目文件中未写的 主管部门、实施单位 取这里的值。\n"
            + mapping(data, raw_keys=("年度",)))


SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/{name}.schema.json\n"


def schema_line(name: str) -> str:
    """The first line of a spec in specs/<年度>/: VS Code's YAML extension checks the file against it."""
    return SCHEMA_LINE.format(name=name)


def comment(text: str) -> str:
    """Comment lines, one per line of `text`."""
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """The text with each (start, end, replacement) applied, as applying them one by one from
    the last start to the first would (edits with one start: the later in the list comes first).

    In one pass: a spec from elsewhere may need 15,000 values respelt, and rebuilding a 2 MB text
    for each took two minutes. Edits that overlap are applied one by one, as before."""
    ordered = sorted(edits, key=lambda edit: edit[0], reverse=True)
    pieces, rest_from = [], len(text)
    for start, end, replacement in ordered:
        if end > rest_from:  # overlaps an edit applied already: one by one keeps its meaning
            return _splice_one_by_one(text, ordered)
        pieces += [text[end:rest_from], replacement]
        rest_from = start
    pieces.append(text[:rest_from])
    return "".join(reversed(pieces))


def _splice_one_by_one(text: str, ordered: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in ordered:
        text = text[:start] + replacement + text[end:]
    return text
