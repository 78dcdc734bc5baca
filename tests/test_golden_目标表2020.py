"""Golden tests: the published 2020 财政项目支出绩效目标表 of fixture 002, built from specs/2020
and read back with python-docx. Each form is rebuilt from the fixture cell by cell — heading,
facts, long texts with their paragraphs, last year's amounts as printed, and every indicator
row in order — and the 一级/二级 cells are true nested vertical merges."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import SPECS, fixture, paragraphs, squash, tables
from perfdoc.make.pipeline import build
from perfdoc.output.files import safe_file_name

DATA = fixture("002")
UNIT = DATA["projects"][0]["申报单位名称"]
SUMMARY_TITLE = f"{UNIT}2020年度项目绩效目标汇总表"
PAIRS = (("项目名称", "项目类别"), ("计划开始日期", "计划完成日期"), ("是否含有政府购买服务", "绩效类型"))
LONG_TEXTS = ("项目概况", "立项依据", "项目设立的必要性", "保证项目实施的制度、措施", "项目实施计划", "总目标及阶段性目标")
COLUMNS = ("一级目标", "二级目标", "三级目标", "指标目标值")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out2020")
    result = build(SPECS / "2020", output=out)
    assert not result.specs.has_errors, [p.format() for p in result.specs.problems]
    return out, result


def expected_heading(project) -> list[str]:
    return [project["表名"], "(2020年度)", f"申报单位名称：{project['申报单位名称']}"]


def expected_tables(project) -> list[list[list[str]]]:
    """The two tables of one published form, every cell as the fixture has it."""
    money = project["上年度资金"]
    facts = [[f"{a}：", project[a], f"{b}：", project[b]] for a, b in PAIRS]
    facts += [[f"{key}：", project[key]] for key in LONG_TEXTS]
    facts += [["本项目上年度市级财政资金使用情况"],
              ["项目总预算(元)：", money["项目总预算"], "项目当年预算(元)：", money["项目当年预算"]],
              ["同名项目上年预算额(元)：", money["同名项目上年预算额"],
               "同名项目上年预算执行数(元)：", money["同名项目上年预算执行数"]]]
    targets = [["2020年绩效目标"], list(COLUMNS)] + [[row[c] for c in COLUMNS] for row in project["绩效目标"]]
    return [facts, targets]


def test_each_project_document_is_its_published_form(built):
    out, _ = built
    for project in DATA["projects"]:
        path = out / f"{safe_file_name(project['项目名称'])}.docx"
        assert paragraphs(path) == expected_heading(project)
        assert tables(path) == expected_tables(project), project["项目名称"]


def test_the_heading_follows_the_spec(built):
    """One published form is titled …申报表; the others take the kind's title, 财政项目支出绩效目标表."""
    out, _ = built
    titles = [paragraphs(out / f"{safe_file_name(p['项目名称'])}.docx")[0] for p in DATA["projects"]]
    assert titles == [p["表名"] for p in DATA["projects"]]
    assert titles.count("财政项目支出绩效目标申报表") == 1


def test_combined_document_holds_every_form_in_order(built):
    out, result = built
    summary = out / f"{SUMMARY_TITLE}.docx"
    assert summary in result.written
    expected_text = [SUMMARY_TITLE] + [line for p in DATA["projects"] for line in expected_heading(p)]
    assert paragraphs(summary) == expected_text
    expected = [table for p in DATA["projects"] for table in expected_tables(p)]
    assert tables(summary) == expected


def test_long_texts_keep_their_paragraphs(built):
    import docx
    out, _ = built
    project = DATA["projects"][0]
    facts = docx.Document(str(out / f"{project['项目名称']}.docx")).tables[0]
    plan_row = 3 + LONG_TEXTS.index("项目实施计划")
    cell = facts.rows[plan_row].cells[-1]
    assert [p.text for p in cell.paragraphs] == project["项目实施计划"].split("\n")
    assert len(cell.paragraphs) > 1


def merged_column(table, column: int) -> list[tuple[str, int]]:
    """A column of a Word table as (text, rows spanned), following w:vMerge as a reader sees it."""
    from docx.oxml.ns import qn
    spans: list[list] = []
    for tr in table._tbl.tr_lst[2:]:  # after the title and column-header rows
        tc = tr.tc_lst[column]
        merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
        if merge is not None and merge.get(qn("w:val")) != "restart":
            spans[-1][1] += 1
        else:
            spans.append(["".join(t.text or "" for t in tc.iter(qn("w:t"))), 1])
    return [tuple(s) for s in spans]


def expected_spans(rows, keys) -> list[tuple[str, int]]:
    """Runs of equal consecutive cells; a 二级 run never crosses a 一级 boundary; blanks never merge."""
    spans = []
    for i, row in enumerate(rows):
        same = i > 0 and row[keys[-1]] != "" and all(row[k] == rows[i - 1][k] for k in keys)
        if same:
            spans[-1] = (spans[-1][0], spans[-1][1] + 1)
        else:
            spans.append((row[keys[-1]], 1))
    return spans


def refines(printed: list[tuple[str, int]], published: list[tuple[str, int]]) -> bool:
    """Whether the printed spans are the published ones, each perhaps cut into consecutive
    pieces with the same label — never a span across two published ones."""
    pieces = iter(printed)
    for label, size in published:
        while size > 0:
            piece = next(pieces, None)
            if piece is None or piece[0] != label or piece[1] > size:
                return False
            size -= piece[1]
    return next(pieces, None) is None


def boundaries(spans: list[tuple[str, int]]) -> set[int]:
    ends, row = set(), 0
    for _, size in spans:
        row += size
        ends.add(row)
    return ends


def test_first_and_second_levels_are_nested_vertical_merges(built):
    """The published merges, 二级 nested in 一级. A group too tall to keep on one page may be cut
    into blocks that each print their own labels (output/pagination.py): so a published span may
    print as several, with the same label, and a 一级 cut cuts the 二级 beside it too."""
    import docx
    out, _ = built
    for project in DATA["projects"]:
        table = docx.Document(str(out / f"{safe_file_name(project['项目名称'])}.docx")).tables[1]
        rows = project["绩效目标"]
        first, second = merged_column(table, 0), merged_column(table, 1)
        assert refines(first, expected_spans(rows, ["一级目标"])), project["项目名称"]
        assert refines(second, expected_spans(rows, ["一级目标", "二级目标"])), project["项目名称"]
        assert boundaries(first) <= boundaries(second)
        assert merged_column(table, 2) == [(r["三级目标"], 1) for r in rows]


def test_the_refinement_check_can_fail():
    published = [("产出目标", 3), ("效果目标", 2)]
    assert refines([("产出目标", 2), ("产出目标", 1), ("效果目标", 2)], published)
    assert not refines([("产出目标", 4), ("效果目标", 1)], published)     # across a boundary
    assert not refines([("产出目标", 3), ("影响力目标", 2)], published)   # another label
    assert not refines([("产出目标", 3)], published)                      # rows missing


def test_the_published_tables_validate_with_warnings_at_most(run_cli):
    result = run_cli("validate", SPECS / "2020")
    assert result.exit_code == 0, result.stdout
    assert "error[" not in result.stdout
    # the defects the published tables really have are named
    for rule in ("framework-misplaced", "framework-required", "typed-twice", "bare-row"):
        assert f"[{rule}]" in result.stdout


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"),
                    reason="LibreOffice (soffice) or pdftotext is not installed")
def test_libreoffice_prints_the_combined_document(built, tmp_path):
    from test_libreoffice import to_pdf
    out, _ = built
    pdf = to_pdf(out / f"{SUMMARY_TITLE}.docx", tmp_path / "pdf", tmp_path / "profile")
    text = squash(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    assert text.startswith(squash(SUMMARY_TITLE))
    position = 0
    for project in DATA["projects"]:
        found = text.find(squash(project["项目名称"]), position)
        assert found >= 0, f"{project['项目名称']} missing or out of order"
        position = found
    # each form's target table, its heading repeated atop every page it runs onto
    assert text.count("2020年绩效目标") > len(DATA["projects"])
