"""`perfdoc fmt`: rewrite indicator values in the system's spelling, touching nothing else.

Only on request: perfdoc never changes what the author wrote while building. The rewrite
replaces exactly the characters of each changed value in the file's text, so comments, key
order, quoting of everything else and every other byte stay as the author left them.
"""
from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..input.kinds import FormKind
from ..make.pipeline import read_specs
from ..input.folder import project_files
from ..input.load import MAX_BYTES, Mapping, Scalar, Sequence, decode, load_text
from ..input.reading import read_regular
from ..input.specwriter import splice
from ..output.files import write_atomic
from ..input.problems import Problem
from ..input.values import parse_value, spelling_problem

# A plain YAML scalar cannot start with these; a canonical value starting with one is quoted.
_PLAIN_UNSAFE_START = set("-?:,[]{}#&*!|>'\"%@`")


@dataclass(frozen=True)
class Change:
    line: int
    old: str
    new: str


def normalize_text(path: Path, text: str, kind: FormKind) -> tuple[str, list[Change]]:
    """Return the text with each non-canonical indicator value respelt, and the changes made."""
    text, changes, _ = respell(path, text, kind)
    return text, changes


def respell(path: Path, text: str, kind: FormKind) -> tuple[str, list[Change], list[Change]]:
    """The text respelt, the changes made, and the values left alone because the system's two
    decimals cannot hold them (=0.004(万元) is not =0.00(万元): a spelling never changes a value)."""
    root = load_text(path, text)
    found = list(_value_edits(root, kind))
    kept = [Change(scalar.line, scalar.text, canonical) for scalar, canonical in found
            if not parse_value(scalar.text).fits_two_decimals]
    kept_lines = {(c.line, c.old) for c in kept}
    edits = sorted((edit for edit in found if (edit[0].line, edit[0].text) not in kept_lines),
                   key=lambda edit: edit[0].span[0], reverse=True)
    text = splice(text, [(*scalar.span, _write_scalar(canonical, scalar.style)) for scalar, canonical in edits])
    changes = [Change(scalar.line, scalar.text, canonical) for scalar, canonical in edits]
    return text, sorted(changes, key=lambda c: c.line), kept


def _value_edits(root, kind: FormKind):
    spec = kind.indicator_field
    if spec is None or not spec.value_column or not kind.system_spelling or not isinstance(root, Mapping):
        return
    rows = root.get(spec.key)
    if not isinstance(rows, Sequence):
        return
    for row in rows.items:
        value = row.get(spec.value_column) if isinstance(row, Mapping) else None
        if not isinstance(value, Scalar) or value.style in ("|", ">") or "\n" in value.text:
            continue
        quantity = parse_value(value.text)
        if quantity is not None and quantity.unit and (spelling_problem(quantity) or not quantity.fits_two_decimals):
            yield value, quantity.canonical()


def _write_scalar(text: str, style: str) -> str:
    if style == '"':
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "'" or text[:1] in _PLAIN_UNSAFE_START or ": " in text or " #" in text:
        return "'" + text.replace("'", "''") + "'"
    return text


@dataclass
class Respelt:
    """One file as `perfdoc fmt` would leave it."""
    path: Path
    before: str
    after: str
    changes: list
    kept: list = field(default_factory=list)   # values left alone (more than two decimals)
    encoding: str = "utf-8"                    # as read: utf-8, utf-8-sig (a BOM) or gb18030

    def diff(self, context: int = 3) -> str:
        """The change as a unified diff (what `fmt` shows without --write).

        fmt respells values where they stand, never adding or removing a line, so the lines are
        compared position by position; difflib's matcher, which looks for moved lines, took
        minutes on a spec from elsewhere with 14,000 values to respell. (A text whose lines did
        not stay in place — none that fmt writes — goes to difflib.)"""
        before, after = self.before.splitlines(keepends=True), self.after.splitlines(keepends=True)
        name = str(self.path)
        if len(before) != len(after):
            return "".join(difflib.unified_diff(before, after, fromfile=name, tofile=name))
        changed = [i for i, (old, new) in enumerate(zip(before, after)) if old != new]
        if not changed:
            return ""
        lines = [f"--- {name}\n", f"+++ {name}\n"]
        for first, last in _hunks(changed, 2 * context):
            start, stop = max(0, first - context), min(len(before), last + context + 1)
            lines.append(f"@@ -{_range(start, stop)} +{_range(start, stop)} @@\n")
            i = start
            while i < stop:
                run = i
                while run < stop and before[run] != after[run]:
                    run += 1
                if run == i:  # an unchanged line
                    lines.append(" " + before[i])
                    i += 1
                else:         # changed lines: all the old ones, then all the new, as difflib prints them
                    lines += ["-" + line for line in before[i:run]] + ["+" + line for line in after[i:run]]
                    i = run
        return "".join(lines)

    def kept_messages(self) -> list[str]:
        """One line for each value left alone, for the author to decide."""
        return [f"{self.path}:{c.line}: 指标值“{c.old}”有两位以上小数，改为系统的两位小数会改变数值，未改动"
                for c in self.kept]


def _hunks(changed: list[int], gap: int) -> list[tuple[int, int]]:
    """The changed lines (in order) grouped as difflib groups them: a new hunk after more than
    `gap` unchanged lines."""
    hunks = [[changed[0], changed[0]]]
    for line in changed[1:]:
        if line - hunks[-1][1] - 1 > gap:
            hunks.append([line, line])
        else:
            hunks[-1][1] = line
    return [(first, last) for first, last in hunks]


def _range(start: int, stop: int) -> str:
    """A hunk's line range as a unified diff writes it (difflib's _format_range_unified)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


def write_respelt(result: Respelt) -> Path:
    """Write a respelt file as it was: its encoding (a BOM kept, GBK stays GBK), its mode, and
    through a symlink to the file it names (inside the spec folder: others are never read)."""
    target = Path(os.path.realpath(result.path))
    mode = stat.S_IMODE(os.stat(target).st_mode)
    return write_atomic(target, result.after.encode(result.encoding), mode=mode)


def _read(path: Path) -> tuple[str, str]:
    """A spec's text and the encoding it is written in."""
    raw = read_regular(path, MAX_BYTES, root=path.parent)
    text, warnings = decode(path, raw)
    if warnings:
        return text, "gb18030"
    return text, "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"


def normalize(target: Path, *, templates: list[Path] = ()) -> tuple[list[Respelt], list[Problem]]:
    """Respell the indicator values of a unit's specs canonically (for `perfdoc fmt`)."""
    target = Path(target)
    folder, only = (target.parent, target) if target.is_file() else (target, None)
    specs = read_specs(folder, templates=templates)
    if specs.unit is None:
        return [], specs.problems
    results, problems = [], []
    for path in [only] if only else project_files(folder):
        if any(p.path == path and p.rule.startswith(("yaml", "file", "encoding", "duplicate-key"))
               for p in specs.problems if p.is_error):
            problems += [p for p in specs.problems if p.path == path and p.is_error]
            continue
        text, encoding = _read(path)
        after, changes, kept = respell(path, text, specs.unit.kind)
        results.append(Respelt(path, text, after, changes, kept, encoding))
    return results, problems
