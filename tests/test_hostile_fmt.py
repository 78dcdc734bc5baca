"""`perfdoc fmt --write` on files from elsewhere (issue 11, item 5): it changes spelling, never a
value, and leaves a file's encoding, mode and symlink as they were."""
from __future__ import annotations

import os
import stat

import pytest

from conftest import copy_specs

SPEC = "01_绿色技术银行综合管理与运行.yaml"


@pytest.mark.parametrize("value", ["=0.004(万元)", "≤1.0049(亿元)", "≥99.995(百分比)", "=1-2.125(场)"])
def test_fmt_never_changes_a_number_and_says_so(run_cli, tmp_path, value):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.write_text(path.read_text(encoding="utf-8").replace("指标值: =2(场)", f"指标值: '{value}'"), encoding="utf-8")
    result = run_cli("fmt", "--write", path)
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert f"指标值: '{value}'" in text  # left alone
    assert "指标值: =2(场)" not in text and "≥90.00(%)" in text  # the others respelt
    assert value in result.stderr and "未改动" in result.stderr


def test_fmt_keeps_trailing_zeros_that_do_not_change_the_value(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.write_text(path.read_text(encoding="utf-8").replace("指标值: =2(场)", "指标值: =2.000(场)"), encoding="utf-8")
    run_cli("fmt", "--write", path)
    assert "指标值: =2.00(场)" in path.read_text(encoding="utf-8")


def test_fmt_keeps_a_bom(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_cli("fmt", "--write", path).exit_code == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "≥90.00(%)".encode() in data


def test_fmt_keeps_gbk_as_gbk(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert run_cli("fmt", "--write", path).exit_code == 0
    data = path.read_bytes()
    assert "≥90.00(%)" in data.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_fmt_keeps_the_file_mode(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    path.chmod(0o600)
    assert run_cli("fmt", "--write", path).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "≥90.00(%)" in path.read_text(encoding="utf-8")


def test_fmt_writes_through_a_symlink_inside_the_folder(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    (folder / SPEC).rename(folder / "real.txt")
    (folder / SPEC).symlink_to("real.txt")
    assert run_cli("fmt", "--write", folder).exit_code == 0
    assert (folder / SPEC).is_symlink()
    assert "≥90.00(%)" in (folder / "real.txt").read_text(encoding="utf-8")


def test_fmt_never_writes_to_a_link_leading_out_of_the_folder(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    outside = tmp_path / "outside.yaml"
    (folder / SPEC).rename(outside)
    before = outside.read_bytes()
    (folder / SPEC).symlink_to(outside)
    result = run_cli("fmt", "--write", folder)
    assert result.exit_code == 1 and "file-unreadable" in result.stderr
    assert outside.read_bytes() == before


@pytest.mark.parametrize("write", [False, True])
def test_fmt_of_thousands_of_values_does_not_hang(tmp_path, write):
    """14,000 values to respell in one spec: fmt rebuilt the whole text for each, and its diff
    looked for moved lines among them all — two minutes. (The timeout says only "no hang".)"""
    import subprocess
    import sys
    from conftest import REPO
    folder = copy_specs("2025", tmp_path)
    path = folder / SPEC
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("绩效指标:\n") + len("绩效指标:\n")]
    row = "  - 一级指标: 产出指标\n    二级指标: 数量指标\n    三级指标: 指标{}\n    指标值: =1(份)\n"
    path.write_text(head + "".join(row.format(i) for i in range(14_000)), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "perfdoc", "fmt", *(["--write"] if write else []), str(path)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert "14000 处指标值" in result.stderr, result.stderr[-2000:]
    if write:
        assert path.read_text(encoding="utf-8").count("指标值: =1.00(份)\n") == 14_000
    else:
        assert result.stdout.count("\n+    指标值: =1.00(份)\n") == 14_000
