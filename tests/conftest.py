"""Shared test helpers: where the golden fixtures are, and how to read a .docx back as a reader sees it."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: CI shares its machine, and an example that renders a document can
# take longer than hypothesis's 200 ms there without anything being wrong (a flaky failure).
# Speed is measured in bench/, not here.
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"  # the published forms, cell by cell (tests/fixtures/README.md)
SPECS = REPO / "specs"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def squash(text) -> str:
    """Compare whitespace-insensitively, as fixtures/README.md asks."""
    return re.sub(r"\s+", "", str(text or ""))


def table_rows(path: Path) -> list[list[str]]:
    """Every row of every table (see tables())."""
    return [row for table in tables(path) for row in table]


def tables(path: Path) -> list[list[list[str]]]:
    """Each table's rows, merged cells resolved: one entry per distinct cell, in order.

    python-docx repeats a horizontally merged cell once per grid column and returns the top cell
    for a vertically merged one; consecutive repeats of the same cell collapse to one entry.
    """
    import docx
    result = []
    for table in docx.Document(str(path)).tables:
        rows = []
        for row in table.rows:
            cells, last = [], None
            for cell in row.cells:
                if cell._tc is not last:
                    cells.append(cell.text)
                last = cell._tc
            rows.append(cells)
        result.append(rows)
    return result


def paragraphs(path: Path) -> list[str]:
    import docx
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def copy_specs(year: str, target: Path) -> Path:
    folder = target / year
    shutil.copytree(SPECS / year, folder)
    return folder


@pytest.fixture
def run_cli():
    """Invoke perfdoc's CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    from click.testing import CliRunner
    from perfdoc.cli import main

    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return run
