"""Problems found in specs, and how they are printed: `path:line:col: severity[rule]: message`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Problem:
    path: Path
    line: int
    col: int
    severity: str
    rule: str
    message: str
    # The dotted path of the field it concerns (项目资金.当年财政拨款, 绩效指标.3.指标值) where a rule
    # knows it: the preview and --comments mark that cell. Not part of a problem's identity.
    field: str = dataclass_field(default="", compare=False)

    def format(self) -> str:
        """One line for a terminal: control and bidi characters from a spec (or a forged manifest)
        are shown as escapes, never sent to the terminal (an ESC sequence, a U+202E)."""
        return visible(f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.rule}]: {self.message}")

    def as_dict(self) -> dict:
        return {"path": str(self.path), "line": self.line, "col": self.col,
                "severity": self.severity, "rule": self.rule, "message": self.message}

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """The text with control and bidi characters written as escapes (\\x1b, \\u202e)."""
    return _INVISIBLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                          else f"\\u{ord(m.group()):04x}", text)


# Errors that say the value written at a place cannot be read: the model holds no value there, so
# a rule would call it blank — but the author wrote something, and the error says what.
UNREADABLE = {"type", "number", "amount", "amount-decimals", "amount-negative", "date", "control-char"}
BLANK = {"empty-value", "empty-field"}


def sort_problems(problems) -> list[Problem]:
    """Order problems by file, line and column, dropping exact repeats — and a blank-value
    warning where an error says the value is unreadable (a 分值 of “五十” is not blank)."""
    unreadable = {(p.path, p.line, p.col) for p in problems if p.rule in UNREADABLE and p.severity == "error"}
    # keyed by a plain tuple of what makes a problem itself (not by the Problem: hashing and
    # comparing dataclasses cost more than the rules that found thousands of them); the first of
    # repeats kept; ties in place, rule and message ordered by severity rather than by chance
    kept = {}
    for p in problems:
        if p.rule in BLANK and (p.path, p.line, p.col) in unreadable:
            continue
        kept.setdefault((str(p.path), p.line, p.col, p.rule, p.message, p.severity), p)
    return [kept[key] for key in sorted(kept)]


def count(problems: list[Problem]) -> dict[str, int]:
    """How many problems of each severity: {"error": …, "warning": …, "info": …}."""
    return {s: sum(1 for p in problems if p.severity == s) for s in SEVERITIES}


def summarize(problems: list[Problem]) -> str:
    """One closing line: how many errors, warnings and notes."""
    counts = count(problems)
    if not any(counts.values()):
        return "没有发现问题"
    return f"{counts['error']} 个错误，{counts['warning']} 个警告，{counts['info']} 条提示"
