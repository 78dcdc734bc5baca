"""perfdoc import: specs back from documents — perfdoc's own (round trip), foreign ones, bad ones.

The round trip is the proof that nothing is lost: every example of every kind is built, its
documents imported, the specs read back equal to the originals value by value, and built again
into byte-identical documents.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfdoc.cli import main
from perfdoc.input.folder import project_files
from perfdoc.make.pipeline import build, read_specs
from perfdoc.workflow.importing import import_files

from conftest import SPECS

YEARS = ["2020", "2022", "2025", "2026"]   # 目标表2020, 自评表, 申报表 (two years)


def spec_values(folder: Path):
    """What a folder of specs says, as perfdoc reads it: the unit, and each project's values."""
    specs = read_specs(folder)
    assert specs.unit is not None, [p.format() for p in specs.problems]
    unit = (specs.unit.name, specs.unit.year, specs.unit.kind.name, specs.unit.defaults)
    return unit, [p.values for p in specs.projects]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each example year built once: {year: (output folder, summary document, per-project documents)}."""
    result = {}
    for year in YEARS:
        out = tmp_path_factory.mktemp(f"built{year}")
        build(SPECS / year, output=out)
        specs = read_specs(SPECS / year)
        names = [specs.unit.kind.file_name.format(项目名称=p.name) + ".docx" for p in specs.projects]
        summary = out / (specs.unit.summary_title + ".docx")
        assert summary.is_file() and all((out / n).is_file() for n in names)
        result[year] = (out, summary, [out / n for n in names])
    return result


def assert_round_trip(year: str, documents: list[Path], built_out: Path, tmp_path: Path) -> None:
    target = tmp_path / "specs" / year
    result = import_files(documents, output=target)
    assert not result.refused and not result.existing
    original_unit, original_projects = spec_values(SPECS / year)
    unit, projects = spec_values(target)
    assert unit[:3] == original_unit[:3]
    assert len(projects) == len(original_projects)
    for mine, theirs in zip(projects, original_projects):
        assert mine == theirs, mine.get("项目名称")
    # … and built again, the same bytes.
    again = tmp_path / "again"
    build(target, output=again)
    rebuilt = sorted(p.name for p in again.glob("*.docx"))
    assert rebuilt == sorted(p.name for p in built_out.glob("*.docx"))
    for name in rebuilt:
        assert (again / name).read_bytes() == (built_out / name).read_bytes(), name


@pytest.mark.parametrize("year", YEARS)
def test_summary_document_round_trips(year, built, tmp_path):
    out, summary, _ = built[year]
    assert_round_trip(year, [summary], out, tmp_path)


@pytest.mark.parametrize("year", YEARS)
def test_per_project_documents_round_trip(year, built, tmp_path):
    out, _, singles = built[year]
    assert_round_trip(year, singles, out, tmp_path)


def test_import_writes_specs_in_the_examples_style(built, tmp_path):
    out, summary, _ = built["2025"]
    target = tmp_path / "specs" / "2025"
    import_files([summary], output=target)
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted(p.name for p in [*project_files(SPECS / "2025"), SPECS / "2025" / "单位.yaml"])
    text = (target / "02_信息化运维项目.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/申报表.schema.json\n")
    assert "  年度资金申请总额: 311,966.00\n" in text          # amounts as printed, unquoted
    assert "    指标值: ≥90(百分比)\n" in text                 # values exactly as printed
    unit = (target / "单位.yaml").read_text(encoding="utf-8")
    assert "主管部门: 上海市科学技术委员会\n" in unit and "表式: 申报表\n" in unit


def test_cli_import_refuses_to_overwrite_without_force(built, tmp_path):
    _, summary, _ = built["2026"]
    target = tmp_path / "2026"
    runner = CliRunner()
    first = runner.invoke(main, ["import", str(summary), "-o", str(target)])
    assert first.exit_code == 0, first.output
    assert f"已生成 {target / '单位.yaml'}" in first.output
    before = {p: p.read_bytes() for p in target.iterdir()}
    (target / "01_企业科技创新服务.yaml").write_text("项目名称: 改过\n", encoding="utf-8")
    second = runner.invoke(main, ["import", str(summary), "-o", str(target)])
    assert second.exit_code == 1
    assert "已存在，未覆盖（要覆盖请加 --force）" in second.output
    assert (target / "01_企业科技创新服务.yaml").read_text(encoding="utf-8") == "项目名称: 改过\n"
    third = runner.invoke(main, ["import", str(summary), "-o", str(target), "--force"])
    assert third.exit_code == 0
    assert {p: p.read_bytes() for p in target.iterdir()} == before
