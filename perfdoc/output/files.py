"""Files perfdoc writes: names safe on every system, and writes that are never half done."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Windows refuses these as a file's name, whatever the extension (CON.docx is the console).
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"{p}{n}" for p in ("COM", "LPT") for n in "123456789¹²³")}
# Invisible characters that reorder or hide text (U+202E makes "…exe‮.docx" read as "….docx"):
# control, format (bidi, zero-width), separators, private use, unassigned, surrogates.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"}
# File systems allow 255 bytes a name; the stem keeps room for "_12.docx" and a temporary
# file's ".….XXXXXXXX.tmp" around it.
MAX_STEM_BYTES = 200
TEMPORARY_SUFFIX = ".tmp"


def safe_file_name(name: str) -> str:
    """A file name that is safe on Windows, macOS and POSIX and cannot leave the output folder:
    NFC, no path or invisible characters, not a reserved device name, at most MAX_STEM_BYTES."""
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if unicodedata.category(c) in _INVISIBLE else c for c in name)
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    name = cut_to_bytes(name, MAX_STEM_BYTES).rstrip(". ")
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = "_" + name
    return name or "未命名项目"


def cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 is at most `limit` bytes (whole characters)."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def same_name_key(name: str) -> str:
    """Two names one file on Windows or macOS: they differ only by case or Unicode normalization."""
    return unicodedata.normalize("NFC", name).casefold()


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _default_mode()


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> Path:
    """Write to a new temporary file in the same folder, then rename: never a half-written
    document. The temporary file is created exclusively (O_EXCL, unpredictable name): a symlink
    planted in the output folder is never followed; a symlink at `path` itself is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{cut_to_bytes(path.name, 220)}.", suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temporary, _FILE_MODE if mode is None else mode)
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    return path


def remove_temporary_litter(folder: Path, suffixes: tuple[str, ...] = (".docx", ".json")) -> list[Path]:
    """Delete the temporary files a killed build left (`.<name>.docx.XXXXXXXX.tmp`); call it only
    while holding the folder's lock, so no running build's file is taken."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if (name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)
                and any(f"{s}." in name for s in suffixes) and entry.is_file(follow_symlinks=False)):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed
