"""`perfdoc pdf DIR`: one LibreOffice start for every document, its own profile, a timeout."""
from __future__ import annotations

import os
import shutil
import stat

import pytest

from conftest import copy_specs

needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")


@needs_soffice
def test_pdf_converts_every_document_once(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", copy_specs("2026", tmp_path), "-o", out).exit_code == 0
    result = run_cli("pdf", out)
    assert result.exit_code == 0, result.output
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.stem for p in pdfs] == sorted(p.stem for p in out.glob("*.docx"))
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert not [p for p in out.iterdir() if p.name.startswith(".perfdoc-pdf-")]  # no scratch left
    # up to date: nothing to convert, nothing rewritten
    before = {p.name: p.stat().st_mtime_ns for p in pdfs}
    again = run_cli("pdf", out)
    assert "未转换" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == before


def test_a_hung_libreoffice_is_killed_at_the_timeout(tmp_path):
    from perfdoc.output.pdf import PdfError, convert
    hung = tmp_path / "soffice"
    hung.write_text("#!/bin/sh\nsleep 60 &\nwait\n", encoding="utf-8")
    hung.chmod(hung.stat().st_mode | stat.S_IEXEC)
    document = tmp_path / "a.docx"
    document.write_bytes(b"PK")
    with pytest.raises(PdfError, match="1 秒内没有完成"):
        convert([document], timeout=1, soffice=str(hung))
    assert not (tmp_path / "a.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".perfdoc-pdf-")]


def test_missing_libreoffice_is_one_clear_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    (tmp_path / "a.docx").write_bytes(b"PK")
    result = run_cli("pdf", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("perfdoc: 找不到 LibreOffice")
    assert os.listdir(tmp_path) == ["a.docx"]
