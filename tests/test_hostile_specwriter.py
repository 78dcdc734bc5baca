"""What specwriter writes loads back as the same values (issue 11, item 11): a property test
over generated texts, through perfdoc's own loader."""
from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings, strategies as st

from perfdoc.input.load import Mapping, load_text
from perfdoc.input.specwriter import mapping

# Texts as people paste them: CJK, ASCII, spaces at either end, blank lines, tabs, YAML's own
# punctuation, and the odd line break or control character from another program.
ALPHABET = st.sampled_from(list("项目目标 \t\n#:-'\"|>{}[]&*!%@`,?~aZ09.\\") + ["\r", "\u2028", "\x85", "\x07", "\ufeff"])
TEXTS = st.text(ALPHABET, max_size=40)


def loaded_back(data: dict) -> dict:
    root = load_text(Path("t.yaml"), mapping(data))
    assert isinstance(root, Mapping)
    return {key.text: value.text for key, value in root.items}


@settings(max_examples=400, deadline=None)
@given(TEXTS, TEXTS)
@example("", "\t0\n0")  # a first line starting with a tab: libyaml refuses it without |2-
def test_every_text_reads_back_exactly(first, second):
    data = {"项目名称": first or "x", "年度总体目标": second or "y"}
    assert loaded_back(data) == data


def test_a_first_line_starting_with_spaces_and_trailing_spaces_are_kept():
    data = {"年度总体目标": "  缩进的第一段\n第二段  \n第三段"}
    assert loaded_back(data) == data
    plain = {"年度总体目标": "  缩进的第一段\n第二段"}
    assert loaded_back(plain) == plain and "|2-" in mapping(plain)  # still a readable block
