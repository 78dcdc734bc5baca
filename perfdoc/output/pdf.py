"""Print the built documents to PDF with LibreOffice: one start for many files.

Starting soffice costs seconds; converting one form costs little. So every document that needs a
PDF goes to a single `soffice --convert-to pdf` run, which has its own profile folder (runs that
share one collide on its lock and fail without a word) and a timeout after which the whole
process group is killed (a hung soffice would otherwise block the build for ever). The PDFs are
written to a scratch folder beside the output and moved into place: never half a PDF.

A PDF newer than its .docx is up to date and is not converted again.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice")
# where the installers put it when it is not on PATH (Windows, macOS)
SOFFICE_PLACES = (Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
                  Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
TIMEOUT = 600.0  # seconds for one run; a 1000-project 汇总表 is a few thousand pages


class PdfError(Exception):
    """LibreOffice is missing, failed, or did not finish in time."""


def find_soffice() -> str | None:
    on_path = next((found for name in SOFFICE_NAMES if (found := shutil.which(name))), None)
    return on_path or next((str(place) for place in SOFFICE_PLACES if place.is_file()), None)


def outdated(folder: Path) -> list[Path]:
    """The .docx files in `folder` whose PDF is missing or older than the document."""
    stale = []
    for document in sorted(folder.glob("*.docx")):
        pdf = document.with_suffix(".pdf")
        if not pdf.is_file() or pdf.stat().st_mtime_ns < document.stat().st_mtime_ns:
            stale.append(document)
    return stale


def convert(documents: list[Path], *, timeout: float = TIMEOUT, soffice: str | None = None) -> list[Path]:
    """Convert documents of one folder to PDFs beside them, in one LibreOffice run."""
    if not documents:
        return []
    soffice = soffice or find_soffice()
    if soffice is None:
        raise PdfError("找不到 LibreOffice（soffice）：请先安装，如 apt-get install libreoffice-writer-nogui")
    folder = documents[0].parent
    with tempfile.TemporaryDirectory(prefix=".perfdoc-pdf-", dir=folder) as scratch:
        scratch = Path(scratch)
        _run(_command(soffice, scratch, documents), timeout)
        pdfs = [d.with_suffix(".pdf") for d in documents]
        missing = [pdf.name for pdf in pdfs if not (scratch / "pdf" / pdf.name).is_file()]
        if missing:
            raise PdfError(f"LibreOffice 没有生成这些 PDF：{'、'.join(missing)}")
        for pdf in pdfs:
            os.replace(scratch / "pdf" / pdf.name, pdf)
        return pdfs


def _command(soffice: str, scratch: Path, documents: list[Path]) -> list[str]:
    return [soffice, f"-env:UserInstallation={(scratch / 'profile').as_uri()}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(scratch / "pdf"), *(str(d.absolute()) for d in documents)]
    # absolute: a document named "-env:….docx" must never read as an option to soffice


def _run(command: list[str], timeout: float) -> None:
    # Its own session, so that a timeout kills soffice.bin too, not only the wrapper script.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        process.communicate()
        raise PdfError(f"LibreOffice 在 {timeout:g} 秒内没有完成转换，已终止（可用 --timeout 放宽）") from None
    if process.returncode != 0:
        raise PdfError(f"LibreOffice 转换失败（退出码 {process.returncode}）：{output.decode(errors='replace')[-500:]}")


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill soffice and what it started (soffice.bin)."""
    if hasattr(os, "killpg"):
        os.killpg(process.pid, signal.SIGKILL)
    else:  # Windows: no process groups from start_new_session
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True)
