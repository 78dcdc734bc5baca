"""The benchmark runs and prints its table (here at N = 10, once). Speed is asserted nowhere:
the figures are in BENCH.md, from a run on a quiet machine."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_benchmark_runs_at_n_10_and_prints_its_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--sizes", "10", "--repeat", "1", "--no-docxtpl",
         "--work", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    table = result.stdout
    for row in ("validate", "libyaml parse only", "build", "build -j 2", "rebuild, nothing changed",
                "rebuild, one spec changed", "near-limit writer", "perfdoc --help", "perfdoc validate <one spec>",
                "build / near-limit", "validate / libyaml parse", "diff of two folders", "diff / validate of both folders"):
        assert f"\n{row} " in table, row
    assert "N = 10" in table and "machine:" in table
    assert "files rewritten by the unchanged rebuild: 0" in table
    assert "-j 2 output identical to serial: yes" in table
    assert "perfdoc and near-limit write the same bytes: yes" in table
