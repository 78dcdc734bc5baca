"""Where an indicator table may break across pages (output/pagination.py), decided from the data
and the template: blocks of rows that keep together, merges that start afresh in each block."""
from __future__ import annotations

from perfdoc.input.kinds import load_kinds
from perfdoc.output import pagination
from perfdoc.output.render import vertical_merges

MERGE = ("一级指标", "二级指标")
LAYOUT = pagination.Geometry({"一级指标": 5, "二级指标": 5, "三级指标": 10, "指标值": 10}, page_lines=40)


def rows(*groups: tuple[str, str, int], text: str = "指标") -> list[dict]:
    """Indicator rows: for each (一级, 二级, n), n one-line rows."""
    return [{"一级指标": a, "二级指标": b, "三级指标": f"{text}{i}", "指标值": "=1.00(次)"}
            for a, b, n in groups for i in range(n)]


def paginate(table: list[dict], followed: bool = False):
    block_of, pages = pagination.paginate(table, MERGE, LAYOUT, followed)
    return block_of, vertical_merges(table, MERGE, block_of), pages


def test_a_short_project_prints_as_the_official_form_each_一级_kept_together():
    table = rows(("成本指标", "经济成本指标", 1), ("产出指标", "数量指标", 3), ("产出指标", "质量指标", 2),
                 ("满意度指标", "服务对象满意度指标", 1))
    block_of, merges, pages = paginate(table)
    assert block_of == [0, 1, 1, 1, 1, 1, 2]
    assert merges == vertical_merges(table, MERGE)  # no merge is cut
    assert [p["连下"] for p in pages] == [False, True, True, True, True, False, False]
    assert all(p["整行"] for p in pages)


def test_a_一级_taller_than_a_block_is_cut_between_its_二级_and_each_block_prints_its_labels():
    assert LAYOUT.block_lines == 24
    table = rows(("产出指标", "数量指标", 15), ("产出指标", "质量指标", 8), ("产出指标", "时效指标", 8))
    block_of, merges, pages = paginate(table)
    assert block_of == [0] * 23 + [1] * 8  # 数量 and 质量 fill one block (23 lines); 时效 the next
    assert merges[15] == {"一级指标": "continue", "二级指标": "restart"}
    assert merges[23] == {"一级指标": "restart", "二级指标": "restart"}  # 产出指标 printed again
    assert pages[22]["连下"] is False and pages[21]["连下"] is pages[23]["连下"] is True


def test_a_二级_taller_than_a_block_is_cut_between_rows():
    table = rows(("产出指标", "数量指标", 60))
    block_of, merges, _ = paginate(table)
    assert block_of == [0] * 20 + [1] * 20 + [2] * 20  # the fewest blocks (3 of at most 24), equal
    assert [i for i, m in enumerate(merges) if m["二级指标"] == "restart"] == [0, 20, 40]
    # 26 rows: two blocks of 13, not 24 and a remainder of 2 that repeats the labels for 2 rows
    assert paginate(rows(("产出指标", "数量指标", 26)))[0] == [0] * 13 + [1] * 13


def test_a_row_taller_than_a_block_may_split_and_stands_alone():
    table = rows(("效益指标", "社会效益指标", 3))
    table[1]["指标值"] = "很长的说明" * 60  # 300 汉字 in a column of 10: 30 lines
    block_of, merges, pages = paginate(table)
    assert block_of == [0, 1, 2]
    assert [p["整行"] for p in pages] == [True, False, True]
    assert [p["连下"] for p in pages] == [False, False, False]


def test_the_last_row_keeps_with_the_row_that_follows_the_table():
    """The 自评表's 总分 row never sits alone on a page: its kind says `followed_by: 总分`."""
    table = rows(("产出指标", "数量指标", 2), ("满意度指标", "服务对象满意度指标", 1))
    assert paginate(table)[2][-1]["连下"] is False
    assert paginate(table, followed=True)[2][-1]["连下"] is True
    kinds = load_kinds()
    assert kinds["自评表"].indicator_field.followed_by == "总分"
    assert not kinds["申报表"].indicator_field.followed_by


def test_heights_count_汉字_as_one_and_latin_as_half_and_each_paragraph_from_a_new_line():
    layout = pagination.Geometry({"指标值": 10}, page_lines=40)
    assert layout.row_lines({"指标值": "汉" * 10}) == 1
    assert layout.row_lines({"指标值": "汉" * 11}) == 2
    assert layout.row_lines({"指标值": "9" * 20}) == 1
    assert layout.row_lines({"指标值": "甲\n乙\n丙"}) == 3
    assert layout.row_lines({"指标值": ""}) == 1


def test_the_geometry_comes_from_the_template():
    """申报表: 三级指标 is 2600 twips less 160 of margins in 五号 (210 twips a 汉字): 11.6 a line;
    an A4 page less 2 × 1134 twips of margins holds 46 lines of the 312-twip grid."""
    kinds = load_kinds()
    layout = pagination.geometry(kinds["申报表"].template)
    assert round(layout.characters["三级指标"], 1) == 11.6
    assert set(layout.characters) == {"一级指标", "二级指标", "三级指标", "指标值"}
    assert layout.page_lines == 46
    # the 自评表 is set in 小五 (9 pt): more characters in a narrower column
    small = pagination.geometry(kinds["自评表"].template)
    assert round(small.characters["得分"], 1) == round((8540 - 7830 - 160) / 180, 1)
