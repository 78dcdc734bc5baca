"""perfdoc fmt respells indicator values on request and leaves every other byte alone."""
from __future__ import annotations

from conftest import copy_specs

SPEC = "01_绿色技术银行综合管理与运行.yaml"


def test_fmt_shows_a_diff_and_changes_nothing(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    before = (folder / SPEC).read_bytes()
    result = run_cli("fmt", folder)
    assert result.exit_code == 0
    assert "-    指标值: ≥ 90.00 (百分比)\n+    指标值: ≥90.00(%)\n" in result.stdout
    assert "-    指标值: =2(场)\n+    指标值: =2.00(场)\n" in result.stdout
    assert (folder / SPEC).read_bytes() == before


def test_fmt_write_changes_only_the_values(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    original = "# 作者的注释\n" + path.read_text(encoding="utf-8").replace(
        "指标值: =2(场)", "指标值: =2(场)   # 保留这条注释").replace("指标值: =1.00(场)", "指标值: '>= 1 (场)'", 1)
    path.write_text(original, encoding="utf-8")
    result = run_cli("fmt", "--write", path)
    assert result.exit_code == 0, result.output
    expected = original.replace("=2(场)   #", "=2.00(场)   #").replace("≥ 90.00 (百分比)", "≥90.00(%)") \
        .replace("'>= 1 (场)'", "'≥1.00(场)'")
    assert path.read_text(encoding="utf-8") == expected
    # a second run finds nothing more to do
    assert run_cli("fmt", "--check", path).exit_code == 0


def test_fmt_quotes_a_value_that_yaml_would_misread(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.write_text(path.read_text(encoding="utf-8").replace("指标值: =2(场)", "指标值: '> 2 (场)'"), encoding="utf-8")
    run_cli("fmt", "--write", path)
    assert "指标值: '>2.00(场)'" in path.read_text(encoding="utf-8")
    assert run_cli("validate", path).exit_code == 0


def test_fmt_check_fails_when_values_need_respelling(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    assert run_cli("fmt", "--check", folder).exit_code == 1
    assert run_cli("fmt", "--check", copy_specs("2026", tmp_path)).exit_code == 0


def test_fmt_leaves_qualitative_and_unitless_values(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.write_text(path.read_text(encoding="utf-8").replace("指标值: =2(场)", "指标值: =100"), encoding="utf-8")
    result = run_cli("fmt", path)
    assert "=100" not in result.stdout  # no unit to suggest: left for the author


def test_fmt_refuses_a_broken_file_with_its_location(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    path = folder / "01_企业科技创新服务.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "项目名称: 重复\n", encoding="utf-8")
    result = run_cli("fmt", "--write", folder)
    assert result.exit_code == 1
    assert "error[duplicate-key]" in result.stderr
