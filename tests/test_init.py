"""`perfdoc init`: a unit file and a commented project skeleton that validate with only
"fill this in" problems, for every form kind; nothing existing is ever overwritten."""
from __future__ import annotations

import datetime as dt

import pytest

from perfdoc.make.pipeline import read_specs

FILL_IN = {"to-fill", "empty-field", "empty-value"}   # a blank the author is to fill in
NOTES = {"bare-row"}                                   # the 2020 form's rows without a 三级


def test_init_writes_a_unit_and_a_skeleton_that_lists_what_to_fill(run_cli, tmp_path):
    folder = tmp_path / "specs" / "2027"
    result = run_cli("init", folder, "--单位", "上海市某某中学")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"已生成 {folder / '单位.yaml'}", f"已生成 {folder / '01_项目.yaml'}"]
    unit = (folder / "单位.yaml").read_text(encoding="utf-8")
    assert "单位: 上海市某某中学" in unit and "年度: 2027\n" in unit and "表式: 申报表" in unit
    skeleton = (folder / "01_项目.yaml").read_text(encoding="utf-8")
    assert "可填：其他一次性项目、其他经常性项目" in skeleton and "可填：特定目标类、其他运转类" in skeleton
    assert "计划开始日期: 2027-01-01" in skeleton and "计划完成日期: 2027-12-31" in skeleton
    assert skeleton.count("  - 一级指标: ") == 11  # the 2025– framework: one row per 二级
    assert "    二级指标: 服务对象满意度指标\n" in skeleton

    specs = read_specs(folder)
    assert {(p.rule, p.severity) for p in specs.problems} == {("to-fill", "error")}
    messages = [(p.path.name, p.line, p.message) for p in specs.problems]
    assert ("01_项目.yaml", 6, "“项目名称”待填写") in messages
    assert ("单位.yaml", 6, "“主管部门”待填写（各项目未写时用这里的值）") in messages
    assert sum("的“三级指标”待填写" in m for _, _, m in messages) == 11
    # the project does not say 主管部门 is missing: the unit file says it once
    assert not [m for _, _, m in messages if m.startswith("缺少")]


def test_an_unfinished_skeleton_prints_nothing(run_cli, tmp_path):
    folder = tmp_path / "2027"
    run_cli("init", folder, "--unit", "某中学")
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 1  # a blank required field cannot be handed in
    assert "01_项目.yaml: 未生成" in result.stderr
    assert "汇总表未生成" in result.stderr
    assert not list((tmp_path / "out").glob("*.docx"))


@pytest.mark.parametrize("form, year", [("申报表", 2024), ("申报表", 2030), ("目标表2020", 2020), ("自评表", 2026)])
def test_every_kinds_skeleton_has_no_error_of_its_own(run_cli, tmp_path, form, year):
    folder = tmp_path / "单位"
    assert run_cli("init", folder, "--表式", form, "--年度", year).exit_code == 0
    problems = read_specs(folder).problems
    assert not [p.format() for p in problems if p.rule not in FILL_IN | NOTES]
    assert any(p.rule == "to-fill" for p in problems)
    assert all(p.severity == "error" for p in problems if p.rule == "to-fill")


def test_the_year_comes_from_the_folder_name_or_else_is_this_year(run_cli, tmp_path):
    run_cli("init", tmp_path / "2028-一中")
    assert "年度: 2028\n" in (tmp_path / "2028-一中" / "单位.yaml").read_text(encoding="utf-8")
    run_cli("init", tmp_path / "新单位")
    assert f"年度: {dt.date.today().year}\n" in (tmp_path / "新单位" / "单位.yaml").read_text(encoding="utf-8")


def test_init_never_overwrites(run_cli, tmp_path):
    folder = tmp_path / "2027"
    folder.mkdir()
    (folder / "单位.yaml").write_text("单位: 我的\n年度: 2027\n", encoding="utf-8")
    result = run_cli("init", folder, "--单位", "别的")
    assert result.exit_code == 0
    assert f"{folder / '单位.yaml'}: 已存在，未覆盖" in result.stderr
    assert (folder / "单位.yaml").read_text(encoding="utf-8") == "单位: 我的\n年度: 2027\n"
    skeleton = (folder / "01_项目.yaml").read_bytes()
    again = run_cli("init", folder)
    assert again.exit_code == 1 and not again.stdout
    assert (folder / "01_项目.yaml").read_bytes() == skeleton


def test_an_unknown_form_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("init", tmp_path / "x", "--表式", "申请表")
    assert result.exit_code == 2
    assert result.stderr.startswith("perfdoc: 没有名为“申请表”的表式（可用：")
    assert not (tmp_path / "x").exists()
