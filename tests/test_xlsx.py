"""build --xlsx: the unit's workbook read back with openpyxl against the published forms, and
recomputed by LibreOffice Calc (the layout agreed with `perfdoc import`: README, "Excel 工作簿")."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from conftest import SPECS, fixture, squash
from perfdoc.input.parse import parse_amount
from perfdoc.make.pipeline import build

SUMMARY_2025 = "上海科学技术交流中心2025年度项目绩效目标汇总表.xlsx"
SELFEVAL_2022 = "上海科学技术交流中心2022年度项目支出绩效自评表.xlsx"


def rows_of(sheet, values_only=True):
    """The data rows below the title (row 1) and headers (row 2), as {header: value}."""
    headers = [c.value for c in sheet[2]]
    return [dict(zip(headers, row)) for row in sheet.iter_rows(min_row=3, values_only=values_only)]


@pytest.fixture(scope="module")
def built_2025(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "2025"
    result = build(SPECS / "2025", output=out, xlsx=True)
    assert out / SUMMARY_2025 in result.written
    return out / SUMMARY_2025


def test_every_indicator_row_is_there_in_order_and_split_by_the_grammar(built_2025):
    sheet = openpyxl.load_workbook(built_2025)["绩效指标"]
    assert [c.value for c in sheet[2]] == ["项目名称", "一级指标", "二级指标", "三级指标",
                                           "计算符号", "指标值", "计量单位", "原文"]
    rows = rows_of(sheet)
    published = [(p["项目名称"], i) for p in fixture("000")["projects"] for i in p["绩效指标"]]
    assert len(rows) == len(published)
    for row, (project, indicator) in zip(rows, published):
        assert row["项目名称"] == project
        for level in ("一级指标", "二级指标", "三级指标"):
            assert squash(row[level]) == squash(indicator[level])
        assert squash(row["原文"]) == squash(indicator["指标值"])
    by_text = {r["原文"]: r for r in rows}
    # =2.00(次): 计算符号 as the budget system writes it, the number as a number, the unit apart
    assert [by_text["=2.00(次)"][k] for k in ("计算符号", "指标值", "计量单位")] == ["＝", 2, "次"]
    assert [by_text["=2(场)"][k] for k in ("计算符号", "指标值", "计量单位")] == ["＝", 2, "场"]
    assert [by_text["≥ 90.00 (百分比)"][k] for k in ("计算符号", "指标值", "计量单位")] == ["≥", 90, "百分比"]
    # what the grammar cannot split is 定性, whole, never guessed at
    qualitative = next(r for r in rows if r["原文"].startswith("总成本控制在批复预算内"))
    assert qualitative["计算符号"] == "定性" and qualitative["指标值"] == qualitative["原文"]
    assert qualitative["计量单位"] is None
    # a blank value stays blank in every column
    blank = next(r for r in rows if r["三级指标"] == "成果转化实践活动次数")
    assert (blank["计算符号"], blank["指标值"], blank["原文"]) == (None, None, None)


def test_an_indicator_number_shows_the_places_it_was_written_with(built_2025):
    sheet = openpyxl.load_workbook(built_2025)["绩效指标"]
    formats = {row[7].value: row[5].number_format for row in sheet.iter_rows(min_row=3)}
    assert formats["=2.00(次)"] == "0.00"
    assert formats["=2(场)"] == "0"


def test_the_overview_has_every_project_with_amounts_as_numbers_and_a_sum_formula(built_2025):
    book = openpyxl.load_workbook(built_2025)
    sheet = book["项目一览"]
    assert sheet["A1"].value == "上海科学技术交流中心2025年度项目绩效目标汇总表"
    assert "A1:R1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:R10"  # the headers and the projects, not the 合计
    rows = rows_of(sheet)
    projects, total = rows[:-1], rows[-1]
    published = fixture("000")["projects"]
    assert [r["项目名称"] for r in projects] == [p["项目名称"] for p in published]
    for row, project in zip(projects, published):
        for key in ("年度资金申请总额", "当年财政拨款", "上年结转资金"):
            assert Decimal(str(row[key])) == parse_amount(project["项目资金"][key])
        assert row["项目资金.其他资金"] == float(parse_amount(project["项目资金"]["其他资金"]))
        assert row["指标数"] == len(project["绩效指标"])
        assert row["计划开始日期"].date().isoformat() == project["计划开始日期"]
    assert total["项目名称"] == "合计"
    assert total["年度资金申请总额"] == "=SUM(L3:L10)" and total["指标数"] == "=SUM(R3:R10)"
    cells = next(sheet.iter_rows(min_row=3, max_row=3))
    assert cells[11].number_format == "#,##0.00" and cells[11].data_type == "n"
    assert cells[6].number_format == "yyyy-mm-dd"
    # the cached results (what a viewer that does not recompute shows) are the sums
    cached = rows_of(openpyxl.load_workbook(built_2025, data_only=True)["项目一览"])[-1]
    assert Decimal(str(cached["年度资金申请总额"])) == sum(parse_amount(p["项目资金"]["年度资金申请总额"])
                                                       for p in published)
    assert cached["指标数"] == sum(len(p["绩效指标"]) for p in published)


def test_the_unit_sheet_names_the_unit_year_and_kind(built_2025):
    rows = rows_of(openpyxl.load_workbook(built_2025)["单位"])
    values = {r["栏目"]: r["内容"] for r in rows}
    assert values["单位"] == "上海科学技术交流中心" and values["年度"] == 2025 and values["表式"] == "申报表"


def test_the_same_specs_give_the_same_bytes(tmp_path):
    first = build(SPECS / "2026", output=tmp_path / "a", xlsx=True)
    second = build(SPECS / "2026", output=tmp_path / "b", xlsx=True, jobs=2)
    a = [p for p in first.written if p.suffix == ".xlsx"][0]
    b = [p for p in second.written if p.suffix == ".xlsx"][0]
    assert a.read_bytes() == b.read_bytes()


def test_selfeval_workbook_grades_each_project_from_its_total(tmp_path):
    result = build(SPECS / "2022", output=tmp_path, xlsx=True)
    assert tmp_path / SELFEVAL_2022 in result.written
    book = openpyxl.load_workbook(tmp_path / SELFEVAL_2022, data_only=True)
    assert book.sheetnames == ["单位", "项目一览", "绩效指标", "自评结果"]
    rows = rows_of(book["自评结果"])
    published = fixture("001")["projects"]
    assert [r["项目名称"] for r in rows[:-1]] == [p["项目名称"] for p in published]
    for row, project in zip(rows, published):
        budget = project["项目资金"]["年度资金总额"]
        assert f"{Decimal(str(row['执行率'])) * 100:.2f}%" == budget["执行率"]
        assert Decimal(str(row["总分"])) == Decimal(project["总分"]["得分"])
        assert row["等级"] == "优"  # every published 总分 is above 90
    formulas = rows_of(openpyxl.load_workbook(tmp_path / SELFEVAL_2022)["自评结果"])
    assert formulas[0]["等级"].startswith('=IF(F3="","",IF(F3>=90,"优",IF(F3>=80,"良"')
    indicator_headers = [c.value for c in book["绩效指标"][2]]
    assert indicator_headers[-4:] == ["实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def test_grades_follow_the_kind_thresholds():
    from perfdoc.input.kinds import load_kinds
    from perfdoc.make.workbook import grade, results_spec
    bands = results_spec(load_kinds()["自评表"])["grades"]
    assert [grade(Decimal(s), bands) for s in ("100", "90", "89.99", "80", "79.99", "60", "59.99", "0")] == \
        ["优", "优", "良", "良", "中", "中", "差", "差"]


def test_no_workbook_while_a_project_has_errors_and_a_stale_one_is_removed(tmp_path):
    specs = tmp_path / "specs"
    shutil.copytree(SPECS / "2026", specs)
    out = tmp_path / "out"
    name = "上海市科普教育展示技术中心（上海市国际科技交流中心）2026年度项目绩效目标汇总表.xlsx"
    assert out / name in build(specs, output=out, xlsx=True).written
    again = build(specs, output=out, xlsx=True)
    assert out / name in again.unchanged and not again.written
    first = sorted(specs.glob("0*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("计划开始日期: 2026-01-01", "计划开始日期: 2026-13-01"),
                     encoding="utf-8")
    broken = build(specs, output=out, xlsx=True)
    assert out / name in broken.removed and not (out / name).exists()
    assert (out / name, "有项目存在错误，工作簿未生成") in broken.skipped


def test_asking_for_the_workbook_after_a_build_without_it_writes_it(tmp_path):
    out = tmp_path / "out"
    build(SPECS / "2026", output=out)
    result = build(SPECS / "2026", output=out, xlsx=True)
    assert [p.suffix for p in result.written] == [".xlsx"]


def test_a_value_starting_with_equals_is_text_not_a_formula(built_2025):
    sheet = openpyxl.load_workbook(built_2025)["绩效指标"]
    originals = [row[7] for row in sheet.iter_rows(min_row=3) if str(row[7].value or "").startswith("=")]
    assert originals and all(c.data_type == "s" for c in originals)


# -- LibreOffice Calc recomputes the totals ------------------------------------------------
needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")


def calc_csv(xlsx, sheet_number: int, outdir, profile) -> list[list[str]]:
    """One sheet as LibreOffice Calc computes it, through its CSV filter (UTF-8, formulas' results)."""
    outdir.mkdir(exist_ok=True)
    options = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet_number}"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    options, "--outdir", str(outdir), str(xlsx)], check=True, capture_output=True, timeout=240)
    written = sorted(outdir.glob("*.csv"))
    assert written, "LibreOffice wrote no CSV"
    return list(csv.reader(io.StringIO(written[0].read_text(encoding="utf-8"))))


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "")) if text else Decimal(0)


@needs_soffice
def test_libreoffice_recomputes_the_totals_after_a_figure_is_edited(built_2025, tmp_path):
    # Edit one amount the way a user in Excel would; openpyxl drops every cached result, so
    # the 合计 LibreOffice shows is the one it computed itself.
    book = openpyxl.load_workbook(built_2025)
    sheet = book["项目一览"]
    sheet["L3"] = sheet["L3"].value + 1000
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    rows = calc_csv(edited, 2, tmp_path / "csv", tmp_path / "profile")
    headers, data = rows[1], rows[2:]
    assert data[-1][1] == "合计" and len(data) == 9
    for header in ("年度资金申请总额", "当年财政拨款", "上年结转资金", "项目资金.其他资金", "指标数"):
        col = headers.index(header)
        assert _number(data[-1][col]) == sum(_number(r[col]) for r in data[:-1]), header
    col = headers.index("年度资金申请总额")
    assert _number(data[-1][col]) == sum(parse_amount(p["项目资金"]["年度资金申请总额"])
                                         for p in fixture("000")["projects"]) + 1000


def test_no_clock_in_the_workbook(built_2025):
    import zipfile
    with zipfile.ZipFile(built_2025) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:created>" in core


def test_a_build_without_xlsx_keeps_a_current_workbook_and_removes_a_stale_one(tmp_path):
    specs = tmp_path / "specs"
    shutil.copytree(SPECS / "2026", specs)
    out = tmp_path / "out"
    workbook = next(p for p in build(specs, output=out, xlsx=True).written if p.suffix == ".xlsx")
    build(specs, output=out)
    assert workbook.is_file()
    first = sorted(specs.glob("0*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# 改过\n", encoding="utf-8")
    assert workbook in build(specs, output=out).removed and not workbook.exists()


def test_selfeval_indicators_are_all_there_with_their_results(tmp_path):
    build(SPECS / "2022", output=tmp_path, xlsx=True)
    rows = rows_of(openpyxl.load_workbook(tmp_path / SELFEVAL_2022)["绩效指标"])
    published = [(p["项目名称"], i) for p in fixture("001")["projects"] for i in p["绩效指标"]]
    assert len(rows) == len(published)
    for row, (project, indicator) in zip(rows, published):
        assert row["项目名称"] == project and squash(row["原文"]) == squash(indicator["年度指标值"])
        assert squash(row["实际完成值"]) == squash(indicator["实际完成值"])
        assert (Decimal(str(row["分值"])), Decimal(str(row["得分"]))) == \
            (Decimal(indicator["分值"]), Decimal(indicator["得分"]))


def test_the_2020_form_puts_its_targets_in_the_same_columns(tmp_path):
    result = build(SPECS / "2020", output=tmp_path, xlsx=True)
    workbook = next(p for p in result.written if p.suffix == ".xlsx")
    rows = rows_of(openpyxl.load_workbook(workbook)["绩效指标"])
    published = [i for p in fixture("002")["projects"] for i in p["绩效目标"]]
    assert [(squash(r["一级指标"]), squash(r["三级指标"]), squash(r["原文"])) for r in rows] == \
        [(squash(i["一级目标"]), squash(i["三级目标"]), squash(i["指标目标值"])) for i in published]
    overview = rows_of(openpyxl.load_workbook(workbook)["项目一览"])
    assert overview[0]["项目总预算"] == fixture("002")["projects"][0]["上年度资金"]["项目总预算"]  # text, as typed


def test_a_text_longer_than_an_excel_cell_skips_the_workbook_and_says_where(tmp_path):
    specs = tmp_path / "specs"
    shutil.copytree(SPECS / "2026", specs)
    first = sorted(specs.glob("0*.yaml"))[0]
    lines = first.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("年度总体目标"))
    lines[at] = "年度总体目标: " + "目标" * 17000
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = build(specs, output=tmp_path / "out", xlsx=True)
    assert not [p for p in result.written if p.suffix == ".xlsx"]
    reasons = [why for path, why in result.skipped if path.suffix == ".xlsx"]
    assert reasons == [f"{first}:{at + 1} 的“年度总体目标”有 34000 字，超过 Excel 单元格的上限 32767 字，工作簿未生成"]


@needs_soffice
def test_pdf_beside_xlsx_prints_the_summary_not_the_workbook(tmp_path):
    import subprocess as run
    out = tmp_path / "out"
    result = build(SPECS / "2026", output=out, xlsx=True, pdf=True)
    summary_pdf = out / "上海市科普教育展示技术中心（上海市国际科技交流中心）2026年度项目绩效目标汇总表.pdf"
    assert summary_pdf in result.pdfs.converted and len(result.pdfs.converted) == 3
    text = run.run(["pdftotext", str(summary_pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "项目资金" in squash(text) and "计算符号" not in text   # the 汇总表, not the workbook's sheets
