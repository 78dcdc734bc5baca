"""Golden tests: the published 2022 自评表 of fixtures/001.json, built from specs/2022 and read back
with python-docx — every field and indicator row is a cell, the arithmetic agrees with the printed
figures, and the one rounding slip of the seed is reported, with both numbers."""
from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import SPECS, fixture, paragraphs, squash, tables
from perfdoc.rules.figures import Figures
from perfdoc.make.pipeline import build, read_specs
from perfdoc.output.files import safe_file_name

AMOUNT_COLUMNS = ("年初预算数", "全年预算数", "全年执行数")
INDICATOR_COLUMNS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
BUDGET = "项目资金.年度资金总额"
# fixtures/README.md: the one figure of 001 that half-up rounding does not give
SLIPS = {("技术转移合作", f"{BUDGET}.执行率"): ("94.23%", "94.22%")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out2022")
    result = build(SPECS / "2022", output=out)
    assert not result.specs.has_errors, [p.format() for p in result.specs.problems]
    return fixture("001"), out, result


def _number(text: str) -> Decimal | None:
    text = text.replace(",", "").rstrip("%").strip()
    return Decimal(text) if text else None


def _assert_project_in(project: dict, rows: list[list[str]]) -> None:
    cells = {squash(c) for row in rows for c in row}
    for key in ("项目名称", "主管部门", "实施单位", "预期目标", "实际完成情况"):
        assert squash(project[key]) in cells, key
    # 项目资金: each row by its printed label, amounts compared by value (fixtures/README.md)
    labels = {"年度资金总额": "年度资金总额", "当年财政拨款": "其中：当年财政拨款", "上年结转资金": "上年结转资金", "其他资金": "其他资金"}
    by_label = {row[1]: row for row in rows if len(row) >= 8}
    for key, label in labels.items():
        printed = by_label[label]
        for column, cell in zip(AMOUNT_COLUMNS, printed[2:5]):
            assert _number(cell) == _number(project["项目资金"][key][column]), (key, column)
    budget = project["项目资金"]["年度资金总额"]
    assert [squash(c) for c in by_label["年度资金总额"][5:8]] == [budget["分值"], budget["执行率"], budget["得分"]]
    # 绩效指标: each row, in published order, as the last eight cells of one table row
    printed = [[squash(c) for c in row[-8:]] for row in rows if len(row) >= 9]
    header = printed.index([squash(c) for c in INDICATOR_COLUMNS])
    expected = [[squash(r[c]) for c in INDICATOR_COLUMNS] for r in project["绩效指标"]]
    assert printed[header + 1: header + 1 + len(expected)] == expected
    # 总分 | 分值 | 得分, the table's last row
    assert [squash(c) for c in rows[-1][:3]] == ["总分", project["总分"]["分值"], project["总分"]["得分"]]


def test_every_project_document_holds_its_fixture(built):
    data, out, _ = built
    for project in data["projects"]:
        path = out / f"{safe_file_name(project['项目名称'])}_自评表.docx"
        _assert_project_in(project, tables(path)[0])
        assert paragraphs(path)[:2] == ["财政项目支出绩效自评表", "(2022年度)"]


def test_the_combined_document_holds_every_project_in_order(built):
    data, out, result = built
    combined = out / "上海科学技术交流中心2022年度项目支出绩效自评表.docx"
    assert combined in result.written
    assert paragraphs(combined)[0] == "上海科学技术交流中心2022年度项目支出绩效自评表"
    printed = tables(combined)
    assert [rows[0][1] for rows in printed] == [p["项目名称"] for p in data["projects"]]
    for project, rows in zip(data["projects"], printed):
        _assert_project_in(project, rows)


def test_indicator_labels_are_merged_vertically(built):
    """一级 over its rows and 二级 over its rows are single cells (w:vMerge), not repeated text."""
    import docx
    _, out, _ = built
    table = docx.Document(str(out / "技贸大厦楼顶维修改造_自评表.docx")).tables[0]
    first_level = [row.cells[1] for row in table.rows[10:-1]]
    assert len({cell._tc for cell in first_level[:6]}) == 1          # 产出指标 over six rows
    assert first_level[0].text == "产出指标"
    second_level = [row.cells[2]._tc for row in table.rows[10:16]]   # 数量 2, 质量 1, 时效 1, 成本 2
    assert [second_level.count(tc) for tc in dict.fromkeys(second_level)] == [2, 1, 1, 2]


def test_computed_figures_equal_the_printed_ones_except_the_known_slip():
    data = fixture("001")
    specs = read_specs(SPECS / "2022")
    printed = {p["项目名称"]: p for p in data["projects"]}
    checked = 0
    for project in specs.projects:
        figures, page = Figures(project), printed[project.name]
        for dotted, text in ((f"{BUDGET}.执行率", page["项目资金"]["年度资金总额"]["执行率"]),
                             (f"{BUDGET}.得分", page["项目资金"]["年度资金总额"]["得分"]),
                             ("总分.得分", page["总分"]["得分"]), ("总分.分值", page["总分"]["分值"])):
            computed = figures.value(dotted)
            slip = SLIPS.get((project.name, dotted))
            if slip:
                assert (text, f"{computed}%") == slip
            else:
                assert computed == _number(text), (project.name, dotted)
            checked += 1
    assert checked == 4 * len(data["projects"])


def test_the_slip_is_reported_as_a_note_naming_both_figures():
    problems = read_specs(SPECS / "2022").problems
    assert not [p for p in problems if p.severity != "info"]
    slips = [p for p in problems if p.rule == "figure-rounding"]
    assert len(slips) == 1
    assert slips[0].path.name == "03_技术转移合作.yaml"
    assert "94.23%" in slips[0].message and "94.22%" in slips[0].message
