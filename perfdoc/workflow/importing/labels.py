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
