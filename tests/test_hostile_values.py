"""Values from elsewhere (issue 11, "also answer well"): one rule for digits, -0.00 is zero,
no amount outgrows exact arithmetic, a rate over a zero budget is said, a year is a year."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SPECS, copy_specs, table_rows

SPEC = SPECS / "2025" / "02_信息化运维项目.yaml"


def unit_with(tmp_path: Path, *replacements: tuple[str, str], unit: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    unit_text = (SPECS / "2025" / "单位.yaml").read_text(encoding="utf-8")
    (folder / "单位.yaml").write_text(unit_text.replace(*unit) if unit else unit_text, encoding="utf-8")
    text = SPEC.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    (folder / "02_信息化运维项目.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("old, new, rule", [
    ("当年财政拨款: 311,966.00", "当年财政拨款: ３１１,９６６.００", "error[amount]"),
    ("计划开始日期: 2025-01-01", "计划开始日期: ２０２５-01-01", "error[date]"),
    ("指标值: =1(份)", "指标值: =１(份)", "warning[value-format]"),
])
def test_digits_other_than_ascii_follow_one_rule_everywhere(run_cli, tmp_path, old, new, rule):
    result = run_cli("validate", unit_with(tmp_path, (old, new)))
    lines = [line for line in result.output.splitlines() if rule in line]
    assert lines and "半角数字" in lines[0], result.output


def test_minus_zero_is_zero_not_negative(run_cli, tmp_path):
    folder = unit_with(tmp_path, ("上年结转资金: 0.00", "上年结转资金: -0.00"))
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0 and "amount-negative" not in result.output, result.output
    assert any("0.00" in row and "-0.00" not in row for row in table_rows(tmp_path / "out" / "信息化运维项目.docx"))


def test_a_real_negative_amount_is_still_an_error(run_cli, tmp_path):
    result = run_cli("validate", unit_with(tmp_path, ("上年结转资金: 0.00", "上年结转资金: -0.01")))
    assert "error[amount-negative]" in result.output


def test_amounts_beyond_any_budget_are_refused_not_summed_wrongly(run_cli, tmp_path):
    huge = "9" * 27 + "1.00"
    folder = unit_with(tmp_path, ("年度资金申请总额: 311,966.00", f"年度资金申请总额: {huge}"),
                       ("当年财政拨款: 311,966.00", f"当年财政拨款: {'9' * 27}0.99"), ("其他资金: 0.00", "其他资金: 0.01"))
    result = run_cli("validate", folder)
    assert result.exit_code == 1 and "超出任何预算" in result.output
    assert "funding-sum" not in result.output  # no verdict from rounded arithmetic


def test_large_but_plausible_amounts_sum_exactly(run_cli, tmp_path):
    folder = unit_with(tmp_path, ("年度资金申请总额: 311,966.00", "年度资金申请总额: 123456789012345.68"),
                       ("当年财政拨款: 311,966.00", "当年财政拨款: 123456789012345.67"), ("其他资金: 0.00", "其他资金: 0.01"))
    result = run_cli("validate", folder)
    assert "funding-sum" not in result.output and "超出" not in result.output, result.output


@pytest.mark.parametrize("year", ["0025", "２０２５", "9999"])
def test_a_year_is_a_plausible_four_digit_year(run_cli, tmp_path, year):
    folder = unit_with(tmp_path, unit=("年度: 2025", f"年度: {year}"))
    result = run_cli("validate", folder)
    assert result.exit_code == 1 and "error[year]" in result.output


def test_a_zero_budget_rate_is_a_warning_not_a_silent_blank(run_cli, tmp_path):
    folder = copy_specs("2022", tmp_path)
    path = folder / "01_绿色技术银行综合管理与运行.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    全年预算数: 1216145.00\n", "    全年预算数: 0\n", 1).replace("    执行率: 99.70%\n", "    执行率:\n", 1)
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", path)
    assert "warning[rate-without-budget]" in result.output and "留空" in result.output


def test_control_and_bidi_characters_never_reach_the_terminal(run_cli, tmp_path):
    # U+202E reorders the line; U+009B is the 8-bit CSI some terminals obey (XML allows both)
    folder = unit_with(tmp_path, ("当年财政拨款: 311,966.00", '当年财政拨款: "311\\u202e9\\x9b66"'))
    result = run_cli("validate", folder)
    assert "\x9b" not in result.output and "\u202e" not in result.output
    assert "311\\u202e9\\x9b66" in result.output  # shown, as escapes
