"""Pages a reviewer can read: every example, and a unit whose tables end at every height of a
page, printed to PDF by LibreOffice and read page by page (tools/page_audit.py).

- no page is empty (a page break after a table that fills its page used to leave one);
- every indicator row is printed whole on one page, with its 一级 and 二级 on that page;
- every page with indicator rows names its project (the 项目名称 row repeats atop each page);
- the 自评表's 总分 得分 `100.00` prints on one line, and the 总分 row never sits alone.

Skips only where soffice is absent (CI has it).
"""
from __future__ import annotations

import shutil
import sys

import pytest

from conftest import REPO, SPECS

sys.path.insert(0, str(REPO / "tools"))
from page_audit import audit_folder, read_pages, squash, sweep_unit  # noqa: E402

pytestmark = pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"),
                                reason="LibreOffice (soffice) or pdftotext is not installed")


def assert_readable(reports, *, names_project: bool = True) -> None:
    for report in reports:
        assert report.pages > 0
        assert report.empty == [], f"{report.pdf.name}: empty pages {report.empty}"
        assert report.rows > 0, report.pdf.name
        assert report.unfound == [], f"{report.pdf.name}: rows not printed whole on one page: {report.unfound}"
        assert report.no_first == [], f"{report.pdf.name}: rows without their 一级 on the page: {report.no_first}"
        assert report.no_second == [], f"{report.pdf.name}: rows without their 二级 on the page: {report.no_second}"
        if names_project:
            assert report.no_project == [], f"{report.pdf.name}: pages without the project's name: {report.no_project}"


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_every_page_of_the_examples_is_readable_alone(year, tmp_path):
    reports = audit_folder(SPECS / year, tmp_path)
    assert_readable(reports)
    # the long examples do run over several pages: the checks above had continuation pages to read
    assert max(r.pages for r in reports) >= 5


def test_every_page_of_the_2020_forms_shows_the_levels_of_its_rows(tmp_path):
    """The 2020 form's target table repeats its own heading rows (年绩效目标, 一级目标 …), not the
    project's name: its continuation pages name no project (what remains for this old form)."""
    reports = audit_folder(SPECS / "2020", tmp_path)
    assert_readable(reports, names_project=False)
    assert any(r.bare for r in reports)  # its bare rows (投入与管理 | 投入管理) have no 三级 to find them by


@pytest.mark.parametrize("spec", ["2026/01_企业科技创新服务.yaml", "2025/05_技术转移协同创新发展建设.yaml"],
                         ids=["long", "short"])
def test_no_table_end_leaves_an_empty_page(spec, tmp_path):
    """48 copies of a project, each a line of 年度总体目标 longer than the last: their tables end
    at every height of a page, each form alone and one after another in the 汇总表. The long one
    (22 rows) runs over two or three pages, the short one (7 rows) over one or two. (A page-break
    paragraph after the table left a blank page at 2 heights of 48.)"""
    specs = sweep_unit(tmp_path / "specs", 48, SPECS / spec)
    reports = audit_folder(specs, tmp_path / "work")
    assert len(reports) == 49
    assert_readable(reports)
    assert len({r.pages for r in reports[:-1]}) > 1  # the forms grew over a page boundary


def test_the_自评表_is_readable_prints_100_00_whole_and_never_the_总分_row_alone(tmp_path):
    reports = audit_folder(SPECS / "2022", tmp_path)
    assert_readable(reports)
    for report in reports:
        pages = read_pages(report.pdf)
        totals = [p for p in pages if "总分" in squash(p.text)]
        assert totals, report.pdf.name
        for page in totals:
            assert report.rows_on.get(page.number, 0) >= 1, f"{report.pdf.name}: 总分 alone on page {page.number}"
    # 加强科技类社会组织党建工作 scores 100.00: one word on its page, not 100.0 over 0
    party = next(r for r in reports if r.pdf.name.startswith("加强科技类社会组织党建工作"))
    words = [w.text for p in read_pages(party.pdf) for w in p.words]
    assert "100.00" in words
