"""The benchmark runs and prints its table (here at N = 10, once). Speed is asserted nowhere:
the figures are in BENCH.md, from a run on a quiet machine."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_benchmark_runs_at_n_10_and_prints_its_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--sizes", "10", "--repeat", "1", "--no-docxtpl",
         "--problems", "--work", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    table = result.stdout
    for row in ("validate", "libyaml parse only", "build", "build -j 2", "rebuild, nothing changed",
                "rebuild, one spec changed", "near-limit writer", "tightened writer", "perfdoc --help",
                "perfdoc validate <one spec>", "perfdoc build <one spec>",
                "build / near-limit writer", "validate / libyaml parse", "diff of two folders",
                "diff / validate of both folders", "validate (many problems)", "libyaml parse only (slips)"):
        assert f"\n{row} " in table, row
    # the slips row's validate exits 1 (its specs have errors: a misspelt column) and only that is accepted
    assert "  the same, another office's slips" in table
    assert "N = 10" in table and "machine:" in table
    assert "files rewritten by the unchanged rebuild: 0" in table
    assert "-j 2 output identical to serial: yes" in table
    assert "perfdoc and the tightened writer write the same bytes: yes" in table
    assert "perfdoc and near-limit write the same XML (every part): yes" in table


def test_benchmark_builds_many_units_and_compares_them_with_one(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--sizes", "3", "--repeat", "1", "--no-docxtpl",
         "--units", "2,3", "--unit-projects", "2", "--work", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    table = result.stdout
    assert "\none unit alone " in table and "\n2 units × 2 projects " in table and "\n3 units × 2 projects " in table
    assert "peak memory, 3 units / 2 units:" in table
    assert "3 units: workbook across units: 上海市科学技术委员会2025年度项目绩效目标汇总表.xlsx, 9 documents" in table
