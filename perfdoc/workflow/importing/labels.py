"""Labels as clerks type them: the same label however it was spaced, starred or punctuated.

`项目资金（元）`, `项目资金(元)`, `* 项目名称：`, `项目\n名称`, `其中: 财政资金` all name one cell of
the form. NFKC folds full-width forms (（）：＊) into half-width ones; spaces, line breaks,
`*` marks and colons are dropped; a leading 其中 and a trailing unit in parentheses may be left
out by the clerk, so each label also answers to those shorter spellings.
"""
from __future__ import annotations

import functools
import re
import unicodedata

# A paragraph that ends a sentence and a next one that starts an enumeration (一、 （二）): where a
# full line and a paragraph's last line look alike, the best sign of a new paragraph.
SENTENCE_END = tuple("。！!？?")
ENUMERATION = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")

# What may not end a line (an opening bracket) and what may not begin one (closing marks):
# line breaking keeps them with their neighbour, so a line may stop short by their width.
NO_LINE_END = set("（【「『《〈〔〖［｛“‘([{")
NO_LINE_START = set("，。、；：！？）】」』》〉〕〗］｝”’,.;:!?)]}%")

_DROP = re.compile(r"[\s*:：·]+")
_UNIT_SUFFIX = re.compile(r"\((?:元|万元|/项目)\)$")
_PARENS = re.compile(r"\([^()]*\)")


@functools.lru_cache(maxsize=8192)
def norm(text: str) -> str:
    """The label with everything a clerk may vary removed."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or ""))


@functools.lru_cache(maxsize=8192)
def variants(text: str) -> frozenset[str]:
    """The spellings a label is recognised by: as printed, without 其中, without its unit."""
    base = norm(text)
    if not base:
        return frozenset()
    found = {base}
    for spelling in list(found):
        if spelling.startswith("其中") and len(spelling) > 2:
            found.add(spelling[2:])
    for spelling in list(found):
        bare = _UNIT_SUFFIX.sub("", spelling)
        if bare:
            found.add(bare)
        unparenthesised = _PARENS.sub("", spelling)
        if unparenthesised:
            found.add(unparenthesised)
    return frozenset(found)


def same_label(cell_text: str, label: str) -> bool:
    return bool(variants(cell_text) & variants(label))
