"""RULES.md documents every rule id the code can emit, so the reference never falls behind."""
from __future__ import annotations

import re

from conftest import REPO

# A rule id is the string literal just before a problem's Chinese message.
EMITTED = [re.compile(r'"([a-z][a-z0-9-]*)",\s*f?"[^"]*[\u4e00-\u9fff]')]


def rule_ids_in_code() -> set[str]:
    ids = set()
    for path in (REPO / "perfdoc").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for pattern in EMITTED:
            ids.update(pattern.findall(source))
    return ids


def test_rule_ids_are_found():
    assert {"duplicate-key", "funding-sum", "value-format", "type", "cost-over-budget"} <= rule_ids_in_code()


def test_every_rule_is_documented():
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (REPO / "RULES.md").read_text(encoding="utf-8"), re.M))
    assert rule_ids_in_code() - documented == set()
