"""Many units at once: `perfdoc validate/build DIR` over a folder of unit folders, the checks
across units, and the 主管部门's workbook across them (read back, recomputed by LibreOffice)."""
from __future__ import annotations

import shutil
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import SPECS, fixture
from perfdoc.cli import main
from perfdoc.input.parse import parse_amount
from perfdoc.make.units import build_units, find_units, validate_units
from test_xlsx import _number, calc_csv, needs_soffice, rows_of

WORKBOOK = "各单位2025年度项目绩效目标汇总表.xlsx"


def make_units(root):
    """specs/2025/一中 (the 2025 examples) and specs/2025/区/二中 (the 2026 ones moved to 2025)."""
    first, second = root / "specs" / "2025" / "一中", root / "specs" / "2025" / "区" / "二中"
    shutil.copytree(SPECS / "2025", first)
    shutil.copytree(SPECS / "2026", second)
    for path in second.glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("2026", "2025"), encoding="utf-8")
    return root / "specs" / "2025", first, second


def test_units_are_found_below_the_folder_in_natural_order(tmp_path):
    folder, first, second = make_units(tmp_path)
    (folder / "10_三中").mkdir()
    shutil.copy(first / "单位.yaml", folder / "10_三中" / "单位.yaml")
    (folder / "2_四中").mkdir()
    shutil.copy(first / "单位.yaml", folder / "2_四中" / "单位.yaml")
    (folder / ".git").mkdir()
    shutil.copy(first / "单位.yaml", folder / ".git" / "单位.yaml")
    assert [p.relative_to(folder).as_posix() for p in find_units(folder)] == ["2_四中", "10_三中", "一中", "区/二中"]


def test_validate_prints_each_unit_and_a_total_and_exits_with_the_worst(tmp_path, monkeypatch):
    folder, first, second = make_units(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "specs/2025"])
    lines = result.output.splitlines()
    assert "specs/2025/一中: 0 个错误，3 个警告，23 条提示" in lines
    assert "specs/2025/区/二中: 没有发现问题" in lines
    assert lines[-1] == "共 2 个单位：0 个错误，3 个警告，23 条提示（其中跨单位 0 条）"
    assert result.exit_code == 0
    bad = second / "01_企业科技创新服务.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("计划开始日期: 2025-01-01", "计划开始日期: 2025-13-01"),
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "specs/2025", "-j", "2"])
    assert result.exit_code == 1
    assert "specs/2025/区/二中/01_企业科技创新服务.yaml:5:9: error[date]" in result.output
    assert result.output.splitlines()[-1].startswith("共 2 个单位：1 个错误")


def test_a_project_declared_by_two_units_and_a_department_spelled_two_ways(tmp_path, monkeypatch):
    folder, first, second = make_units(tmp_path)
    twice = second / "03_信息化运维项目.yaml"
    text = (first / "02_信息化运维项目.yaml").read_text(encoding="utf-8")
    twice.write_text(text.replace("项目名称: 信息化运维项目", "项目名称: 信息化运维项目\n实施单位: 上海科学技术交流中心"),
                     encoding="utf-8")
    unit = second / "单位.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("主管部门: 上海市科学技术协会", "主管部门: \"上海市科学技术委员会 \""),
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = validate_units(folder.relative_to(tmp_path))
    found = [p.format() for p in result.across]
    assert ("specs/2025/区/二中/03_信息化运维项目.yaml:2:7: warning[project-in-two-units]: 项目“信息化运维项目”"
            "（实施单位 上海科学技术交流中心）也由单位“上海科学技术交流中心”申报（specs/2025/一中/02_信息化运维项目.yaml:2）"
            "：主管部门汇总时会重复计算") in found
    spelling = [p for p in result.across if p.rule == "department-spelling"]
    assert [(p.path.as_posix(), p.line) for p in spelling] == [("specs/2025/区/二中/单位.yaml", 6)]
    assert "“上海市科学技术委员会 ”" in spelling[0].message


def test_an_abbreviated_department_is_the_same_department():
    from perfdoc.rules.across import _same_department
    assert _same_department("上海市科委", "上海市科学技术委员会")
    assert _same_department("上海市科学技术委员会（本级）", "上海市科学技术委员会(本级)")
    assert not _same_department("上海市教育委员会", "上海市科学技术委员会")
    assert not _same_department("上海市科学技术协会", "上海市科学技术委员会")


def test_units_of_another_year_are_pointed_at_and_no_workbook_is_made(tmp_path):
    folder, first, second = make_units(tmp_path)
    third = folder / "三中"
    shutil.copytree(SPECS / "2026", third)
    result = build_units(folder, output=tmp_path / "out", xlsx=True)
    year = [p for p in result.across if p.rule == "units-year"]
    assert [(p.path, p.line) for p in year] == [(third / "单位.yaml", 4)]
    assert "2026" in year[0].message and "2025" in year[0].message
    assert "年度或表式不一致" in result.workbook_skipped
    assert not list((tmp_path / "out").glob("*.xlsx"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("units")
    folder, first, second = make_units(root)
    out = root / "out"
    result = build_units(folder, output=out, xlsx=True, jobs=2)
    return result, folder, out


def test_each_unit_is_built_into_its_own_folder(built):
    result, folder, out = built
    assert result.units == 2 and not result.has_errors
    assert (out / "一中" / "上海科学技术交流中心2025年度项目绩效目标汇总表.docx").is_file()
    assert (out / "一中" / "上海科学技术交流中心2025年度项目绩效目标汇总表.xlsx").is_file()
    assert (out / "区" / "二中" / "企业科技创新服务.docx").is_file()
    assert result.workbook == out / WORKBOOK


def test_the_workbook_across_units_has_every_project_with_subtotals_per_unit(built):
    result, folder, out = built
    sheet = openpyxl.load_workbook(out / WORKBOOK)["项目一览"]
    rows = rows_of(sheet)
    published = [("上海科学技术交流中心", p) for p in fixture("000")["projects"]] + \
                [(fixture("003")["unit"], p) for p in fixture("003")["projects"]]
    projects = [r for r in rows if isinstance(r["序号"], int)]
    assert [(r["单位"], r["项目名称"]) for r in projects] == [(u, p["项目名称"]) for u, p in published]
    labels = [r["单位"] for r in rows if r["序号"] is None]
    assert labels == ["上海科学技术交流中心 小计", f"{fixture('003')['unit']} 小计", "合计"]
    assert rows[8]["年度资金申请总额"] == "=SUBTOTAL(9,M3:M10)"
    assert rows[-1]["年度资金申请总额"] == "=SUBTOTAL(9,M3:M14)"
    indicators = rows_of(openpyxl.load_workbook(out / WORKBOOK)["绩效指标"])
    assert len(indicators) == sum(len(p["绩效指标"]) for _, p in published)
    assert [c.value for c in openpyxl.load_workbook(out / WORKBOOK)["绩效指标"][2]][:2] == ["单位", "项目名称"]


def test_the_statistics_count_projects_indicators_and_money(built):
    result, folder, out = built
    rows = rows_of(openpyxl.load_workbook(out / WORKBOOK)["统计"])
    published = fixture("000")["projects"] + fixture("003")["projects"]
    everything = rows[0]
    assert (everything["分类"], everything["项目数"], everything["指标数"]) == \
        ("全部", len(published), sum(len(p["绩效指标"]) for p in published))
    assert Decimal(str(everything["年度资金申请总额（元）"])) == \
        sum(parse_amount(p["项目资金"]["年度资金申请总额"]) for p in published)
    by_category = {r["名称"]: r["项目数"] for r in rows if r["分类"] == "项目类别"}
    assert sum(by_category.values()) == len(published)
    by_unit = [r for r in rows if r["分类"] == "单位"]
    assert [r["项目数"] for r in by_unit] == [8, 2]
    share = everything["定量指标占比"]
    assert 0 < share < 1  # a fraction shown as a percentage


@needs_soffice
def test_libreoffice_recomputes_every_subtotal_and_the_total(built, tmp_path):
    result, folder, out = built
    book = openpyxl.load_workbook(out / WORKBOOK)
    book["项目一览"]["M3"] = book["项目一览"]["M3"].value + 1000   # drops every cached result
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    rows = calc_csv(edited, 2, tmp_path / "csv", tmp_path / "profile")
    headers, data = rows[1], rows[2:]
    col = headers.index("年度资金申请总额")
    group, subtotals = [], []
    for row in data:
        if row[0]:
            group.append(_number(row[col]))
        elif row[1].endswith("小计"):
            assert _number(row[col]) == sum(group), row[1]
            subtotals.append(_number(row[col]))
            group = []
        else:
            assert row[1] == "合计" and _number(row[col]) == sum(subtotals)
    assert len(subtotals) == 2


def test_the_same_bytes_whatever_the_jobs_and_nothing_rewritten_when_nothing_changed(built, tmp_path):
    result, folder, out = built
    serial = build_units(folder, output=tmp_path / "serial", xlsx=True, jobs=1)
    assert (tmp_path / "serial" / WORKBOOK).read_bytes() == (out / WORKBOOK).read_bytes()
    again = build_units(folder, output=tmp_path / "serial", xlsx=True)
    assert again.workbook_unchanged


def test_a_unit_with_errors_removes_the_stale_workbook_across_units(tmp_path):
    folder, first, second = make_units(tmp_path)
    out = tmp_path / "out"
    assert build_units(folder, output=out, xlsx=True).workbook == out / WORKBOOK
    bad = second / "01_企业科技创新服务.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("计划开始日期: 2025-01-01", "计划开始日期: 2025-13-01"),
                   encoding="utf-8")
    result = build_units(folder, output=out, xlsx=True)
    assert result.has_errors and "有单位存在错误" in result.workbook_skipped
    assert not (out / WORKBOOK).exists()
    assert not list(out.glob(".*.tmp"))


def test_build_cli_prints_one_line_per_unit_and_the_total(tmp_path, monkeypatch):
    make_units(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "specs/2025", "--xlsx"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "specs/2025/一中 → output/2025/一中: 生成 10 份；0 个错误，3 个警告，23 条提示" in lines
    assert "specs/2025/区/二中 → output/2025/区/二中: 生成 4 份；没有发现问题" in lines
    assert f"已生成 output/2025/{WORKBOOK}" in lines
    assert lines[-1].startswith("共 2 个单位：0 个错误")


def test_a_build_in_which_nothing_changed_checks_across_units_without_reading_the_specs(tmp_path, monkeypatch):
    folder, first, second = make_units(tmp_path)
    twice = second / "03_信息化运维项目.yaml"
    twice.write_text((first / "02_信息化运维项目.yaml").read_text(encoding="utf-8").replace(
        "项目名称: 信息化运维项目", "项目名称: 信息化运维项目\n实施单位: 上海科学技术交流中心"), encoding="utf-8")
    out = tmp_path / "out"
    found = [p.format() for p in build_units(folder, output=out).across]
    assert any("project-in-two-units" in p for p in found)
    import perfdoc.make.units as units

    def no_reading(*args, **kwargs):
        raise AssertionError("specs read again")
    monkeypatch.setattr(units, "read_specs", no_reading)
    again = build_units(folder, output=out)
    assert [p.format() for p in again.across] == found
    assert again.counts == {"error": 0, "warning": 5, "info": 28}


def test_a_folder_of_specs_without_a_unit_file_is_an_error_not_silence(tmp_path, monkeypatch):
    folder, first, second = make_units(tmp_path)
    stray = folder / "三中"
    stray.mkdir()
    shutil.copy(first / "02_信息化运维项目.yaml", stray / "02_信息化运维项目.yaml")
    templates = folder / "模板"   # a templates folder (its .docx) is not a stray unit
    templates.mkdir()
    shutil.copy(SPECS.parent / "templates" / "申报表.yaml", templates / "申报表.yaml")
    shutil.copy(SPECS.parent / "templates" / "申报表.docx", templates / "申报表.docx")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "specs/2025"])
    assert result.exit_code == 1
    assert ("specs/2025/三中/02_信息化运维项目.yaml:1:1: error[no-unit-file]: specs/2025/三中 中有规格文件，"
            "却没有单位文件 单位.yaml") in result.output
    assert "模板" not in result.output


def test_a_unit_with_units_below_it_says_that_they_were_left_alone(tmp_path, monkeypatch):
    folder, first, second = make_units(tmp_path)
    shutil.copytree(first, folder / "一中" / "分校")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "specs/2025/一中"])
    assert "其下还有 1 个单位文件夹（如 specs/2025/一中/分校）未处理" in result.output
