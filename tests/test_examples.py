"""Every example under specs/ validates without errors and builds, so the examples never rot."""
from __future__ import annotations

import pytest

from conftest import SPECS

YEARS = sorted(p.name for p in SPECS.iterdir() if p.is_dir())


def test_there_are_examples():
    assert {"2025", "2026"} <= set(YEARS)


@pytest.mark.parametrize("year", YEARS)
def test_example_validates(run_cli, year):
    result = run_cli("validate", SPECS / year)
    assert result.exit_code == 0, result.stdout
    assert "error[" not in result.stdout


@pytest.mark.parametrize("year", YEARS)
def test_example_builds(run_cli, year, tmp_path):
    result = run_cli("build", SPECS / year, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    projects = [p for p in (SPECS / year).glob("*.yaml") if p.name != "单位.yaml"]
    assert len(list(tmp_path.glob("*.docx"))) == len(projects) + 1
