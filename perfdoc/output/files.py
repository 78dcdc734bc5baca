"""Files perfdoc writes: names safe on every system, and writes that are never half done."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_file_name(name: str) -> str:
    """A file name that is safe on Windows and POSIX and cannot leave the output folder."""
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    return name[:120] or "未命名项目"


def write_atomic(path: Path, data: bytes) -> Path:
    """Write to a temporary name in the same folder, then rename: never a half-written document."""
    # The folder is made only when missing, and the temporary file removed only on failure: a
    # build writes a thousand files, and each saved system call is a thousand saved.
    temporary = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}.tmp"
    try:
        try:
            file = open(temporary, "wb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            file = open(temporary, "wb")
        with file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


@contextmanager
def open_atomic(path: Path):
    """A file to write bit by bit under a temporary name, renamed into place only when the
    block ends without an error (a 汇总表 streamed to disk is never seen half written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as file:
            yield file
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
