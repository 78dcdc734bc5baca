"""Read a file from elsewhere: a regular file only, never more than a limit, never a hang.

Spec folders and templates travel by e-mail and USB stick. A "spec" may be a symlink to
/etc/passwd or /dev/zero, a FIFO that blocks forever, or a folder: such a thing is refused
with a reason, and its content is never read (so never echoed into a message).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


class NotReadable(OSError):
    """The file is not one perfdoc reads; `reason` says why, in Chinese."""

    def __init__(self, path: Path, reason: str):
        super().__init__(reason)
        self.path = Path(path)
        self.reason = reason
        self.strerror = reason


def outside_link(path: Path, root: Path) -> bool:
    """Whether `path` is a symlink (or lies under one) leading out of the folder `root`."""
    path = Path(path)
    # The common case without resolving both (an lstat per part of each path, per file): a file
    # right in the folder that is no symlink itself lies in the folder, wherever the folder is.
    if path.name not in ("", ".", "..") and path.parent == Path(root) and not os.path.islink(path):
        return False
    try:
        target = path.resolve()
        return not target.is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):
        return True  # a symlink loop: certainly not a spec


def open_regular(path: Path, *, root: Path | None = None) -> int:
    """Open a regular file for reading without following it out of `root` or blocking on a FIFO;
    return the descriptor."""
    path = Path(path)
    if root is not None and outside_link(path, root):
        raise NotReadable(path, "是指向规格文件夹以外的符号链接，不读取")
    # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal device is not ours
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotReadable(path, "是文件夹，不是文件") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "文件夹" if stat.S_ISDIR(info.st_mode) else "设备、管道或套接字等特殊文件"
        raise NotReadable(path, f"是{kind}，不是普通文件，不读取")
    return fd


def read_regular(path: Path, limit: int, *, root: Path | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (see open_regular)."""
    fd = open_regular(path, root=root)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise NotReadable(path, f"文件过大（{size // 1024} KB，上限 {limit // 1024} KB）")
        chunks, total = [], 0
        while True:  # the size may grow while we read: never read past the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise NotReadable(path, f"文件过大（超过 {limit // 1024} KB）")
        return b"".join(chunks)
    finally:
        os.close(fd)
