"""Print the built documents to PDF with LibreOffice: one start for many files.

Starting soffice costs seconds; converting one form costs little. So every document that needs a
PDF goes to a single `soffice --convert-to pdf` run, which has its own profile folder (runs that
share one collide on its lock and fail without a word) and a timeout after which the whole
process group is killed (a hung soffice would otherwise block the build for ever). The PDFs are
written to a scratch folder beside the output and moved into place: never half a PDF.

A PDF newer than its .docx is up to date and is not converted again. A file that is not a Word
document is not handed to LibreOffice at all (it would import any bytes as plain text and print
pages of mojibake), and what LibreOffice returns must be a PDF: each such document is reported as
failed, never as converted.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
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
    return [document for document in sorted(folder.glob("*.docx")) if needs_pdf(document)]


def needs_pdf(document: Path) -> bool:
    """Whether the document's PDF is missing or older than the document."""
    pdf = document.with_suffix(".pdf")
    return not pdf.is_file() or pdf.stat().st_mtime_ns < document.stat().st_mtime_ns


@dataclass
class Conversion:
    """What one run made: the PDFs written, and each document that could not be converted, with why."""
    converted: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def not_a_document(path: Path) -> str | None:
    """Why `path` is not a Word document LibreOffice should print (None if it is one): a .docx is a
    zip holding word/document.xml whose root is w:document."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return "不是 Word 文档（.docx 压缩包中没有 word/document.xml）"
            with package.open("word/document.xml") as part:
                head = part.read(4096)
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError):
        return "不是 Word 文档（.docx）：文件不是有效的压缩包，可能已损坏"
    if b"<w:document" not in head and b":document " not in head:
        return "不是 Word 文档（.docx）：word/document.xml 不是 Word 的正文"
    return None


def convert(documents: list[Path], *, timeout: float = TIMEOUT, soffice: str | None = None) -> Conversion:
    """Convert documents of one folder to PDFs beside them, in one LibreOffice run."""
    result = Conversion()
    good = []
    for document in documents:
        why = not_a_document(document)
        (result.failed.append((document, why)) if why else good.append(document))
    if not good:
        return _without_stale(result)
    soffice = soffice or find_soffice()
    if soffice is None:
        raise PdfError("找不到 LibreOffice（soffice）：请先安装，如 apt-get install libreoffice-writer-nogui")
    # Absolute paths: a profile must be a file URI, and soffice resolves names from its own folder.
    folder = good[0].parent.resolve()
    with tempfile.TemporaryDirectory(prefix=".perfdoc-pdf-", dir=folder) as scratch:
        scratch = Path(scratch)
        _run(_command(soffice, scratch, [d.resolve() for d in good]), timeout)
        for document in good:
            made = scratch / "pdf" / (document.stem + ".pdf")
            if not _is_pdf(made):
                result.failed.append((document, "LibreOffice 没有把它转成 PDF"))
                continue
            os.replace(made, document.with_suffix(".pdf"))
            result.converted.append(document.with_suffix(".pdf"))
    return _without_stale(result)


def _without_stale(result: Conversion) -> Conversion:
    """A document that could not be converted keeps no PDF of what it used to say."""
    remove_stale(result.failed[0][0].parent if result.failed else Path(), [d.name for d, _ in result.failed])
    return result


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(5) == b"%PDF-"
    except OSError:
        return False


def remove_stale(folder: Path, names: list[str]) -> list[Path]:
    """Delete the PDFs of these documents (file names ending .docx) in `folder`: a PDF must never
    show what its document no longer says. Returns the PDFs removed."""
    removed = []
    for name in names:
        pdf = (folder / name).with_suffix(".pdf")
        if pdf.is_file():
            pdf.unlink()
            removed.append(pdf)
    return removed


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
