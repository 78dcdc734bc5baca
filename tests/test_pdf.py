"""`perfdoc pdf DIR`: one LibreOffice start for every document, its own profile, a timeout."""
from __future__ import annotations

import os
import shutil
import stat

import pytest

from conftest import copy_specs

def minimal_docx(path):
    """The smallest file that is a Word document as far as the check before LibreOffice goes."""
    import zipfile
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", '<w:document xmlns:w="urn:w"><w:body/></w:document>')
    return path


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
    document = minimal_docx(tmp_path / "a.docx")
    with pytest.raises(PdfError, match="1 秒内没有完成"):
        convert([document], timeout=1, soffice=str(hung))
    assert not (tmp_path / "a.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".perfdoc-pdf-")]


def test_missing_libreoffice_is_one_clear_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    minimal_docx(tmp_path / "a.docx")
    result = run_cli("pdf", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("perfdoc: 找不到 LibreOffice")
    assert os.listdir(tmp_path) == ["a.docx"]


@needs_soffice
def test_a_relative_folder_and_a_garbage_docx(run_cli, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run_cli("build", copy_specs("2026", tmp_path), "-o", out).exit_code == 0
    (out / "乱码.docx").write_bytes(os.urandom(3000))
    (out / "别的压缩包.docx").write_bytes(minimal_docx(tmp_path / "x.zip").read_bytes().replace(b"word/", b"xxxx/"))
    (out / "乱码.pdf").write_bytes(b"%PDF-1.4 of what it said before")
    os.utime(out / "乱码.pdf", ns=(0, 0))  # older than the document: its PDF is out of date
    monkeypatch.chdir(tmp_path)
    result = run_cli("pdf", "out")  # the README's own form: a relative folder
    assert result.exit_code == 1
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(
        p.stem + ".pdf" for p in out.glob("*.docx") if p.stem not in ("乱码", "别的压缩包"))
    assert "out/乱码.docx: 未转换：不是 Word 文档（.docx）：文件不是有效的压缩包，可能已损坏" in result.stderr
    assert "out/别的压缩包.docx: 未转换：不是 Word 文档（.docx 压缩包中没有 word/document.xml）" in result.stderr
    assert "乱码" not in result.stdout and "别的压缩包" not in result.stdout  # not reported as converted
    assert not (out / "乱码.pdf").exists()  # no PDF of what the file used to be


def test_a_folder_without_documents_has_nothing_to_convert(run_cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    result = run_cli("pdf", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == f"perfdoc: {tmp_path} 中没有 Word 文档（.docx），没有可转换的\n"
    assert "最新" not in result.output


@needs_soffice
def test_build_pdf_keeps_every_pdf_in_step_with_its_document(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    result = run_cli("build", folder, "-o", out, "--pdf")
    assert result.exit_code == 0, result.output
    stems = sorted(p.stem for p in out.glob("*.docx"))
    assert len(stems) == 9 and sorted(p.stem for p in out.glob("*.pdf")) == stems
    assert all(p.read_bytes().startswith(b"%PDF-") for p in out.glob("*.pdf"))
    # a project renamed: its old form and PDF go, and the 汇总表's PDF is made again
    summary_pdf = out / "上海科学技术交流中心2025年度项目绩效目标汇总表.pdf"
    summary_before = summary_pdf.stat().st_mtime_ns
    spec = folder / "02_信息化运维项目.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("项目名称: 信息化运维项目", "项目名称: 信息化运维"),
                    encoding="utf-8")
    result = run_cli("build", folder, "-o", out, "--pdf")
    assert result.exit_code == 0, result.output
    assert not (out / "信息化运维项目.pdf").exists() and (out / "信息化运维.pdf").is_file()
    assert summary_pdf.stat().st_mtime_ns > summary_before
    assert sorted(p.stem for p in out.glob("*.pdf")) == sorted(p.stem for p in out.glob("*.docx"))
    # a project now with errors, built without --pdf: no PDF of its form or of the 汇总表 is left
    spec.write_text(spec.read_text(encoding="utf-8").replace("311,966.00", "31万", 1), encoding="utf-8")
    assert run_cli("build", folder, "-o", out).exit_code == 1
    assert not (out / "信息化运维.pdf").exists() and not summary_pdf.exists()
    assert sorted(p.stem for p in out.glob("*.pdf")) == sorted(p.stem for p in out.glob("*.docx"))
