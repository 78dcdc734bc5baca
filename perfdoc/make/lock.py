"""One build at a time into an output folder: a lock file beside the manifest.

Two builds writing one folder interleave their documents and manifests: a 汇总表 built from a
spec as it was before an edit could be recorded as built from the edited one. So a build holds
`.perfdoc-lock` in the output folder while it reads the specs, writes and records; a second
build waits for it. The lock is the operating system's (flock): a killed build releases it
with its process, so there is no stale lock to guess about, and nothing is written into it. Where flock is missing, the file
is created exclusively and holds the builder's pid; a lock whose process is gone is taken over.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from ..input.reading import read_regular

LOCK_NAME = ".perfdoc-lock"
WAIT_SECONDS = 600.0  # a build of 1000 projects takes seconds; ten minutes means something is stuck


class BuildLocked(OSError):
    """Another build holds the output folder for longer than WAIT_SECONDS."""


class OutputLock:
    """`with OutputLock(out):` — hold the output folder's lock, waiting for another build."""

    def __init__(self, folder: Path, wait: float = WAIT_SECONDS):
        self.path = Path(folder) / LOCK_NAME
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        self._created = not self.path.parent.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait
        while not self._try_acquire():
            if time.monotonic() > deadline:
                raise BuildLocked(f"{self.path.parent}: 另一个 perfdoc build{self._holder_text()}"
                                  f"正在写入此文件夹，已等待 {self.wait:.0f} 秒；确认它已结束后重试")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is None:
            return
        folder = self.path.parent
        # a build that wrote nothing into a folder it created leaves no folder behind
        leave_nothing = self._created and [p.name for p in folder.iterdir()] == [LOCK_NAME]
        if _fcntl is None or leave_nothing:
            os.unlink(self.path)  # safe under flock: a waiter re-checks that it locked the live file
        os.close(self._fd)
        self._fd = None
        if leave_nothing:
            try:
                folder.rmdir()
            except OSError:
                pass

    def _try_acquire(self) -> bool:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        if _fcntl is None:
            return self._try_exclusive()
        try:
            fd = os.open(self.path, flags, 0o644)  # O_NOFOLLOW: a planted symlink is refused (ELOOP)
        except FileNotFoundError:  # the build we waited for removed the folder it had created
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return False
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        try:
            live = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:
            live = None
        mine = os.fstat(fd)
        if live is None or (live.st_ino, live.st_dev) != (mine.st_ino, mine.st_dev):
            os.close(fd)  # the holder removed the file as we waited for it: lock the new one
            return False
        self._fd = fd  # nothing written: a build that finds nothing changed touches no file
        return True

    def _try_exclusive(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = self._holder()
            if holder is not None and not _alive(holder):
                try:
                    os.unlink(self.path)  # stale: its build was killed
                except FileNotFoundError:
                    pass
            return False
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def _holder_text(self) -> str:
        holder = self._holder() if _fcntl is None else None
        return f"（进程 {holder}）" if holder else ""

    def _holder(self) -> int | None:
        try:
            text = read_regular(self.path, 64).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else None
        except OSError:
            return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


try:
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None
