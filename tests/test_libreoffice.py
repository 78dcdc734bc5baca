"""A real client reads the output: LibreOffice converts the 汇总表 to PDF, and the PDF's text
holds every project name in published order. Skips only where soffice is absent (CI has it)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import SPECS, fixture, squash

pytestmark = pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"),
                                reason="LibreOffice (soffice) or pdftotext is not installed")


def to_pdf(docx, outdir, profile):
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
                   check=True, capture_output=True, timeout=240)
    pdf = outdir / (docx.stem + ".pdf")
    assert pdf.is_file(), "LibreOffice wrote no PDF"
    return pdf


@pytest.mark.parametrize("name,year", [("000", "2025"), ("003", "2026")])
def test_libreoffice_prints_the_summary_with_every_project_in_order(name, year, tmp_path):
    from perfdoc.make.pipeline import build
    result = build(SPECS / year, output=tmp_path / "out")
    summary = result.written[-1]
    pdf = to_pdf(summary, tmp_path / "pdf", tmp_path / "profile")
    text = squash(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                 capture_output=True, text=True).stdout)
    data = fixture(name)
    assert text.startswith(squash(f"{data['unit']}{data['year']}年度项目绩效目标汇总表"))
    position = 0
    for project in data["projects"]:
        found = text.find(squash(project["项目名称"]), position)
        assert found >= 0, f"{project['项目名称']} missing or out of order"
        position = found
    # A4 pages, one form at least per page
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= len(data["projects"])


def test_libreoffice_prints_the_自评表_with_every_project_and_its_figures(tmp_path):
    from perfdoc.make.pipeline import build
    result = build(SPECS / "2022", output=tmp_path / "out")
    combined = result.written[-1]
    pdf = to_pdf(combined, tmp_path / "pdf", tmp_path / "profile")
    text = squash(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                 capture_output=True, text=True).stdout)
    data = fixture("001")
    assert text.startswith(squash("上海科学技术交流中心2022年度项目支出绩效自评表"))
    position = 0
    for project in data["projects"]:
        budget = project["项目资金"]["年度资金总额"]
        for printed in (project["项目名称"], budget["执行率"], project["总分"]["得分"]):
            found = text.find(squash(printed), position)
            assert found >= 0, f"{printed} missing or out of order"
            position = found
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info


def test_libreoffice_prints_the_对照表_landscape_with_both_years_named(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from perfdoc.cli import main
    monkeypatch.chdir(SPECS.parent)
    target = tmp_path / "对照表.docx"
    result = CliRunner().invoke(main, ["diff", "specs/2025", "specs/2026", "-o", str(target)])
    assert result.exit_code == 0, result.output
    pdf = to_pdf(target, tmp_path / "pdf", tmp_path / "profile")
    text = squash(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    assert text.startswith(squash("项目绩效目标对照表（2025 年度 → 2026 年度）"))
    for printed in ("项目栏目原现说明", "新增项目", "删除项目", "上海市科学技术委员会", "上海市科学技术协会"):
        assert squash(printed) in text, printed
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    width, height = next(line for line in info.splitlines() if line.startswith("Page size:")).split()[2:5:2]
    assert (round(float(width)), round(float(height))) == (842, 595)   # A4 landscape, in points
