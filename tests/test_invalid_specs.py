"""Each broken spec under tests/invalid/ gets exactly the messages in its .expected file.

A case is a pair: `<case>.yaml` (a project file, validated beside the `_单位.yaml` of its folder:
invalid/ for the 申报表, invalid/自评表/ for the 自评表) and `<case>.expected` (perfdoc validate's
output, then `exit N`). Adding a case needs no Python:
write the .yaml, run `python tests/test_invalid_specs.py --update`, read the .expected.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "invalid"
CASES = sorted(p.relative_to(HERE).with_suffix("").as_posix() for p in HERE.rglob("*.yaml")
               if not p.name.startswith("_"))


def run_case(case: str, workdir: Path) -> str:
    from click.testing import CliRunner
    from perfdoc.cli import main
    spec = HERE / f"{case}.yaml"
    shutil.copy(spec.parent / "_单位.yaml", workdir / "单位.yaml")
    shutil.copy(spec, workdir / spec.name)
    # validate is run from inside the folder, so messages name the file as a clerk types it
    here = os.getcwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(main, ["validate", spec.name], catch_exceptions=False)
    finally:
        os.chdir(here)
    return f"{result.stdout}exit {result.exit_code}\n"


@pytest.mark.parametrize("case", CASES)
def test_invalid_spec_messages(case, tmp_path):
    expected = (HERE / f"{case}.expected").read_text(encoding="utf-8")
    assert run_case(case, tmp_path) == expected


def test_every_case_has_an_expectation():
    assert CASES, "no cases found"
    missing = [c for c in CASES if not (HERE / f"{c}.expected").exists()]
    assert not missing


if __name__ == "__main__" and "--update" in sys.argv:
    import tempfile
    sys.path.insert(0, str(HERE.parent.parent))
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            (HERE / f"{case}.expected").write_text(run_case(case, Path(tmp)), encoding="utf-8")
    print(f"updated {len(CASES)} cases")
