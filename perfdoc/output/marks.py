"""Where a template's Jinja marks (`{{ … }}`, `{% … %}`) open and close, in one pass.

A pattern such as `\\{\\{(.*?)\\}\\}` reads on from every opener to the end of the text when no
closer follows it, and `(.*?)\\s*%\\}` rereads every run of spaces at each step: a template from
elsewhere whose paragraph holds a few hundred thousand unclosed `{{` kept perfdoc busy for hours.
`marks` finds what such a pattern finds (leftmost first, never overlapping, across lines) while
reading each character a bounded number of times.
"""
from __future__ import annotations

import re
from typing import Callable, Iterator, NamedTuple


class Mark(NamedTuple):
    start: int        # where the opener begins
    end: int          # just after the closer
    head: re.Match    # the opener as matched, with its groups
    inner: str        # what lies between the opener and the closer


def marks(text: str, opener: re.Pattern, closers: dict[str, str]) -> Iterator[Mark]:
    """Each `opener … closer` in `text`, as re.finditer(opener + "(.*?)" + closer, re.S) finds
    them. `closers` maps the first two characters of an opener ("{{", "{%") to its closer."""
    pos, unclosed = 0, set()
    while True:
        head = opener.search(text, pos)
        if head is None:
            return
        kind = head.group()[:2]
        at = -1 if kind in unclosed else text.find(closers[kind], head.end())
        if at == -1:
            # no closer after this opener, so none after any later opener of its kind either
            unclosed.add(kind)
            if len(unclosed) == len(closers):
                return
            pos = head.start() + 1
            continue
        end = at + len(closers[kind])
        yield Mark(head.start(), end, head, text[head.end():at])
        pos = end


def first_mark(text: str, opener: re.Pattern, closers: dict[str, str]) -> Mark | None:
    return next(marks(text, opener, closers), None)


def replace_marks(text: str, opener: re.Pattern, closers: dict[str, str],
                  replacement: Callable[[Mark], str], count: int = 0) -> str:
    """`text` with each mark (the first `count` if given) replaced, as re.sub would."""
    out, done = [], 0
    for number, mark in enumerate(marks(text, opener, closers), 1):
        out += (text[done:mark.start], replacement(mark))
        done = mark.end
        if number == count:
            break
    return "".join(out) + text[done:]
