"""`perfdoc fmt`: rewrite indicator values in the system's spelling, touching nothing else.

Only on request: perfdoc never changes what the author wrote while building. The rewrite
replaces exactly the characters of each changed value in the file's text, so comments, key
order, quoting of everything else and every other byte stay as the author left them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..input.kinds import FormKind
from ..make.pipeline import read_specs
from ..input.folder import project_files
from ..input.load import Mapping, Scalar, Sequence, decode, load_text
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
    root = load_text(path, text)
    edits = sorted(_value_edits(root, kind), key=lambda edit: edit[0].span[0], reverse=True)
    changes = []
    for scalar, canonical in edits:
        start, end = scalar.span
        replacement = _write_scalar(canonical, scalar.style)
        text = text[:start] + replacement + text[end:]
        changes.append(Change(scalar.line, scalar.text, canonical))
    return text, sorted(changes, key=lambda c: c.line)


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
        if quantity is not None and quantity.unit and spelling_problem(quantity):
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
        text, _ = decode(path, path.read_bytes())
        after, changes = normalize_text(path, text, specs.unit.kind)
        results.append(Respelt(path, text, after, changes))
    return results, problems
