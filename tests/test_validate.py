"""perfdoc validate beyond single files: the unit file, rules across a unit, output formats."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SPECS

INVALID = Path(__file__).resolve().parent / "invalid"


def unit_folder(tmp_path: Path, unit_text: str | None = None, projects: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "单位.yaml").write_text(unit_text if unit_text is not None else
                                     (INVALID / "_单位.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    ok = (INVALID / "ok.yaml").read_text(encoding="utf-8")
    for name, text in (projects if projects is not None else {"01_ok.yaml": ok}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def lines(result) -> list[str]:
    return result.stdout.strip().splitlines()


@pytest.mark.parametrize("unit_text, expected", [
    ("单位: 上海科学技术交流中心\n", "单位.yaml:1:1: error[missing-field]: 缺少必填项“年度”"),
    ("单位: 上海科学技术交流中心\n年度: 二〇二五\n", "单位.yaml:2:5: error[year]: “年度”应为四位年份，如 2025，实际是“二〇二五”"),
    ("单位: 上海科学技术交流中心\n年度: 2025\n表式: 申请表\n",
     "单位.yaml:3:5: error[unknown-kind]: 没有名为“申请表”的表式，是否应为“申报表”？"),
    ("单位: 上海科学技术交流中心\n年度: 1999\n", "单位.yaml:1:1: error[unknown-kind]: 1999 年度没有默认表式，请用“表式”指定"),
    ("单位: 上海科学技术交流中心\n年度: 2025\n主管单位: 上海市科学技术委员会\n",
     "单位.yaml:3:1: error[unknown-key]: “单位文件”中没有“主管单位”这一项，是否应为“主管部门”？"),
    ("", "单位.yaml:1:1: error[empty-file]: 单位文件是空的：至少要写“单位”和“年度”"),
    ("单位: [a\n", "单位.yaml:2:1: error[yaml-syntax]: YAML 语法错误："),
])
def test_unit_file_mistakes(run_cli, tmp_path, monkeypatch, unit_text, expected):
    folder = unit_folder(tmp_path, unit_text)
    monkeypatch.chdir(folder)
    result = run_cli("validate", ".")
    assert result.exit_code == 1
    assert any(line.startswith(expected) for line in lines(result)), result.stdout


def test_unit_defaults_fill_projects_and_projects_override_them(tmp_path):
    from perfdoc.make.pipeline import read_specs
    ok = (INVALID / "ok.yaml").read_text(encoding="utf-8")
    other = ok.replace("项目名称: 信息化运维项目", "项目名称: 另一项目\n主管部门: 上海市科学技术协会")
    specs = read_specs(unit_folder(tmp_path, projects={"1.yaml": ok, "2.yaml": other}))
    assert [p.values["主管部门"] for p in specs.projects] == ["上海市科学技术委员会", "上海市科学技术协会"]


def test_duplicate_project_names_across_files(run_cli, tmp_path, monkeypatch):
    ok = (INVALID / "ok.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(unit_folder(tmp_path, projects={"01_a.yaml": ok, "02_b.yaml": ok}))
    result = run_cli("validate", ".")
    assert result.exit_code == 1
    assert lines(result) == [
        "02_b.yaml:1:7: error[duplicate-project]: 项目名称“信息化运维项目”与 01_a.yaml 重复：汇总表中会出现两个同名项目",
        "1 个错误，0 个警告，0 条提示"]


def test_problems_are_sorted_by_file_and_line_across_files(run_cli, tmp_path, monkeypatch):
    ok = (INVALID / "ok.yaml").read_text(encoding="utf-8")
    bad = ok.replace("其他资金: 0.00", "其他资金: x").replace("项目名称: 信息化运维项目", "项目名称: 乙")
    monkeypatch.chdir(unit_folder(tmp_path, projects={"2.yaml": bad, "10.yaml": bad.replace("乙", "丙"),
                                                      "1.yaml": ok.replace("计划开始日期: 2025-01-01", "计划开始日期: 2024-12-01")}))
    out = lines(run_cli("validate", "."))
    assert [line.split(":")[0] for line in out[:-1]] == ["1.yaml", "10.yaml", "2.yaml"]


def test_strict_turns_warnings_into_a_failure(run_cli):
    assert run_cli("validate", SPECS / "2025").exit_code == 0
    strict = run_cli("validate", "--strict", SPECS / "2025")
    assert strict.exit_code == 1
    # "0 个错误" and exit 1 would puzzle: the last line says why
    assert strict.stdout.splitlines()[-2:] == ["0 个错误，3 个警告，23 条提示", "--strict：警告也算失败，退出码为 1"]
    assert "--strict" not in run_cli("validate", SPECS / "2025").stdout
    assert run_cli("validate", "--strict", SPECS / "2026").exit_code == 0


def test_json_format_carries_the_same_problems(run_cli):
    text = run_cli("validate", SPECS / "2025").stdout.strip().splitlines()[:-1]
    data = json.loads(run_cli("validate", "--format", "json", SPECS / "2025").stdout)
    assert [f"{p['path']}:{p['line']}:{p['col']}: {p['severity']}[{p['rule']}]: {p['message']}"
            for p in data["problems"]] == text
    assert data["summary"].startswith("0 个错误")
    assert (data["errors"], data["warnings"], data["infos"]) == (0, 3, 23)
    assert (data["strict"], data["exit_code"]) == (False, 0)
    strict = json.loads(run_cli("validate", "--format", "json", "--strict", SPECS / "2025").stdout)
    assert (strict["strict"], strict["exit_code"]) == (True, 1)


def test_usage_errors_exit_2(run_cli, tmp_path):
    assert run_cli("validate", tmp_path / "nowhere").exit_code == 2
    assert run_cli("validate", "--format", "xml", SPECS / "2025").exit_code == 2


def test_published_examples_have_no_errors_only_named_defects():
    from perfdoc.make.pipeline import read_specs
    for year in ("2025", "2026"):
        specs = read_specs(SPECS / year)
        assert not specs.has_errors
    warnings = [p for p in read_specs(SPECS / "2025").problems if p.severity == "warning"]
    assert sorted(p.rule for p in warnings) == ["empty-value", "satisfaction-form", "value-format"]


def test_a_huge_file_is_refused_without_reading_it(run_cli, tmp_path, monkeypatch):
    folder = unit_folder(tmp_path)
    with open(folder / "02_huge.yaml", "w", encoding="utf-8") as f:
        f.write("项目名称: x\n年度总体目标: " + "很长" * 1_100_000 + "\n")
    monkeypatch.chdir(folder)
    result = run_cli("validate", ".")
    assert "02_huge.yaml:1:1: error[file-too-large]: 文件过大" in result.stdout
    assert result.exit_code == 1


def test_billion_laughs_is_refused_quickly(run_cli, tmp_path, monkeypatch):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    monkeypatch.chdir(unit_folder(tmp_path, projects={"bomb.yaml": bomb}))
    result = run_cli("validate", ".")
    assert "bomb.yaml:2:8: error[yaml-alias]" in result.stdout


def test_a_year_that_differs_from_its_folder_is_flagged(run_cli, tmp_path, monkeypatch):
    folder = unit_folder(tmp_path)
    (tmp_path / "2025").mkdir()
    shutil.move(str(folder), tmp_path / "2025" / "x")
    renamed = tmp_path / "2024"
    shutil.move(str(tmp_path / "2025" / "x"), renamed)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "2024")
    assert lines(result)[0] == "2024/单位.yaml:2:5: warning[year-folder]: “年度”为 2025，但所在文件夹是 2024：是否忘了改年度？"
    assert result.exit_code == 0
    assert "year-folder" not in run_cli("validate", SPECS / "2025").stdout


def test_a_folder_with_no_project_files_is_flagged(run_cli, tmp_path, monkeypatch):
    folder = unit_folder(tmp_path, projects={})
    monkeypatch.chdir(folder)
    result = run_cli("validate", ".")
    assert lines(result)[0] == "单位.yaml:1:1: warning[no-projects]: . 中除单位文件外没有项目文件（*.yaml），不会生成任何表格"
    assert result.exit_code == 0


def test_only_the_shipped_templates_skip_validates_template_check(tmp_path):
    """validate trusts the built-in templates (they ship with perfdoc and the suite renders every
    example with them); the same .docx copied into another folder is checked like any other."""
    from perfdoc.input.kinds import builtin_dir
    from perfdoc.make.pipeline import is_builtin_template
    shipped = builtin_dir() / "申报表.docx"
    copy = tmp_path / "申报表.docx"
    shutil.copyfile(shipped, copy)
    assert is_builtin_template(shipped)
    assert not is_builtin_template(copy)


def test_a_slip_repeated_in_every_row_is_reported_at_each_row_with_its_suggestion(run_cli, tmp_path, monkeypatch):
    """The same misspelt column in every row (as one office's template repeats it) gets the
    same suggestion at every row, and a key too long to be a label gets the list instead."""
    ok = (INVALID / "ok.yaml").read_text(encoding="utf-8")
    rows = ok.count("三级指标:")
    slipped = ok.replace("三级指标:", "三级指表:")
    long_key = "三级指标" * 20
    monkeypatch.chdir(unit_folder(tmp_path, projects={
        "01_a.yaml": slipped, "02_b.yaml": ok.replace("项目名称: 信息化运维项目", "项目名称: 乙").replace(
            "三级指标:", f"{long_key}:", 1)}))
    out = lines(run_cli("validate", "."))
    suggested = [line for line in out if "中没有“三级指表”这一项，是否应为“三级指标”？" in line]
    assert len(suggested) == rows and all(line.startswith("01_a.yaml:") for line in suggested)
    listed = [line for line in out if f"中没有“{long_key}”这一项（可用：一级指标、二级指标、三级指标" in line]
    assert len(listed) == 1 and listed[0].startswith("02_b.yaml:")


def test_the_composer_makes_every_node_as_its_dataclass_would():
    """The composer builds nodes field by field, not through their __init__ (load.py: a third of
    the cost of a scalar): each must still have every field, with the values the class would
    give it."""
    from dataclasses import fields

    from perfdoc.input.load import Mapping, Scalar, Sequence, load_text

    text = "项目名称: 甲\n绩效指标:\n  - 指标值: '≥90.00(%)'\n    备注: |-\n      一\n      二\n  - [乙, \"丙\"]\n"
    root = load_text(Path("x.yaml"), text)

    def nodes(node):
        yield node
        for item in getattr(node, "items", ()):
            for part in (item if type(node) is Mapping else (item,)):
                yield from nodes(part)

    made = list(nodes(root))
    assert {type(n) for n in made} == {Mapping, Sequence, Scalar}
    for node in made:  # a field the composer forgot is an AttributeError here (slots, no default)
        assert node == type(node)(**{f.name: getattr(node, f.name) for f in fields(node)})
    quoted = [n for n in made if type(n) is Scalar and n.text == "≥90.00(%)"][0]
    assert (quoted.line, quoted.col, quoted.quoted, quoted.style) == (3, 10, True, "'")
    assert text[quoted.span[0]:quoted.span[1]] == "'≥90.00(%)'"
    block = [n for n in made if type(n) is Scalar and n.style == "|"][0]
    assert block.text == "一\n二" and not block.quoted
