"""Golden tests: the published 申报表 of fixtures 000 (2025) and 003 (2026), built from specs/
and read back with python-docx, hold every fixture cell, each indicator row in one table row."""
from __future__ import annotations

import pytest

from conftest import fixture, paragraphs, squash, table_rows, tables
from perfdoc.make.pipeline import build
from perfdoc.output.files import safe_file_name

CASES = [("000", "2025"), ("003", "2026")]
SCALARS = ("项目名称", "项目性质", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期", "项目总目标", "年度总体目标")
AMOUNTS = ("年度资金申请总额", "当年财政拨款", "上年结转资金", "其他资金")


@pytest.fixture(scope="module", params=CASES, ids=[c[1] for c in CASES])
def built(request, tmp_path_factory):
    name, year = request.param
    out = tmp_path_factory.mktemp(f"out{year}")
    from conftest import SPECS
    result = build(SPECS / year, output=out)
    assert not result.specs.has_errors, [p.format() for p in result.specs.problems]
    return fixture(name), out, result


def _assert_project_in(project, rows):
    cells = {squash(c) for row in rows for c in row}
    for key in SCALARS:
        if project[key]:
            assert squash(project[key]) in cells, key
    for key in AMOUNTS:
        assert squash(project["项目资金"][key]) in cells, key
    # The indicator rows, in published order, each as the last four cells of one table row.
    printed = [[squash(c) for c in row[-4:]] for row in rows if len(row) >= 5]
    expected = [[squash(r["一级指标"]), squash(r["二级指标"]), squash(r["三级指标"]), squash(r["指标值"])]
                for r in project["绩效指标"]]
    header = printed.index([squash("一级指标"), squash("二级指标"), squash("三级指标"), squash("年度(/项目)指标值")])
    assert printed[header + 1: header + 1 + len(expected)] == expected


def test_every_project_document_holds_its_fixture(built):
    data, out, _ = built
    for project in data["projects"]:
        path = out / f"{safe_file_name(project['项目名称'])}.docx"
        rows = table_rows(path)
        _assert_project_in(project, rows)
        # each form carries its labels and its year line
        text = paragraphs(path)
        assert text[:2] == ["财政项目支出绩效目标申报表", f"({data['year']}年度)"]
        assert rows[0][0] == "项目名称" and rows[3][0] == "项目资金（元）"


def test_summary_holds_every_project_in_order(built):
    data, out, result = built
    summary = out / f"{data['unit']}{data['year']}年度项目绩效目标汇总表.docx"
    assert summary in result.written
    text = paragraphs(summary)
    assert text[0] == f"{data['unit']}{data['year']}年度项目绩效目标汇总表"
    assert squash(text[0]) == squash(data["title"])
    assert text.count("财政项目支出绩效目标申报表") == len(data["projects"])
    import docx
    word_tables = docx.Document(str(summary)).tables
    assert len(word_tables) == len(data["projects"])
    names = [t.rows[0].cells[1].text for t in word_tables]
    assert names == [p["项目名称"] for p in data["projects"]]
    for project, rows in zip(data["projects"], tables(summary)):
        _assert_project_in(project, rows)


def test_text_is_printed_exactly_as_written(built):
    """Hand-typed values keep their drift: =2(场), ≥ 90.00 (百分比), paragraphs in 年度总体目标."""
    data, out, _ = built
    for project in data["projects"]:
        path = out / f"{safe_file_name(project['项目名称'])}.docx"
        rows = table_rows(path)
        values = [row[-1] for row in rows]
        for indicator in project["绩效指标"]:
            if indicator["指标值"]:
                assert indicator["指标值"] in values
        goal = project["年度总体目标"]
        assert any(cell == goal for row in rows for cell in row), "年度总体目标 paragraphs differ"
