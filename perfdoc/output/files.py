"""Files perfdoc writes: names safe on every system, and writes that are never half done."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
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


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> Path:
    """Write to a new temporary file in the same folder, then rename: never a half-written
    document. The temporary file is created exclusively (O_EXCL, O_NOFOLLOW, a random name): a
    symlink planted in the output folder is never followed; a symlink at `path` itself is
    replaced. It gets the mode any new file gets (0666 less the umask) unless `mode` is given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = _create_exclusive(path)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    return path


_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _create_exclusive(path: Path) -> tuple[int, str]:
    """A new file beside `path`, named `.<name>.<random>.tmp`, that did not exist before."""
    stem = cut_to_bytes(path.name, 220)
    while True:
        # os.urandom, as secrets.token_hex reads it, without importing hmac, hashlib and random
        temporary = os.path.join(path.parent, f".{stem}.{os.urandom(6).hex()}{TEMPORARY_SUFFIX}")
        try:
            return os.open(temporary, _EXCLUSIVE, 0o666), temporary
        except FileExistsError:
            continue  # a name someone planted (or a one in 2⁴⁸ coincidence): draw another


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


@contextmanager
def open_atomic(path: Path):
    """A file to write bit by bit, created as write_atomic creates its temporary file (exclusive,
    never through a symlink) and renamed into place only when the block ends without an error:
    a 汇总表 streamed to disk is never seen half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = _create_exclusive(path)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
