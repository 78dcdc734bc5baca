"""Spec folders read straight out of git (`HEAD~1:specs/2025`, `v2025-报送:specs/2025`).

No checkout and no shell: `git` is run with an argument list, the revision and the path are
checked before they reach it (no option-like `-…`, no `..`, no absolute path, no control
characters), and only the folder's *.yaml blobs are copied — by the names git stores, each checked
to be a plain file name — into a temporary folder that perfdoc then reads like any other.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..input.folder import SPEC_SUFFIXES, UNIT_FILE_NAMES, UsageError
from ..input.load import MAX_BYTES

GIT_TIMEOUT = 60          # seconds for any one git command
MAX_FILES = 20_000        # a spec folder, not a monorepo
_REVISION = re.compile(r"^[^\s\x00-\x1f\x7f:-][^\s\x00-\x1f\x7f:]*$")
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True)
class GitSpec:
    """`REV:path` as the user wrote it, split and checked."""
    revision: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.revision}:{self.path}"


def parse_git_spec(text: str) -> GitSpec | None:
    """`REV:path` → GitSpec; None when the text has no colon (then it is a path on disk)."""
    revision, colon, path = text.partition(":")
    if not colon:
        return None
    if not _REVISION.match(revision):
        raise UsageError(f"“{text}”不是有效的 git 修订写法（应为 修订:路径，如 HEAD~1:specs/2025）")
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if path.startswith(("/", "-")) or ".." in parts or any(_BAD_NAME.search(p) for p in parts):
        raise UsageError(f"“{text}”中的路径“{path}”无效：应为仓库内的相对路径，不能含“..”")
    return GitSpec(revision, "/".join(p for p in parts if p != ".") or ".")


def _git(args: list[str], cwd: Path, *, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise UsageError("找不到 git 命令：比较 git 修订需要安装 git") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git 在 {GIT_TIMEOUT} 秒内没有完成，已终止") from None


def export_folder(spec: GitSpec, target: Path, *, cwd: Path) -> tuple[str, list[str], str | None]:
    """Copy the spec folder (or one project file and its folder's unit file) at a revision into
    `target`; return the folder's path in git, the names written, and the one project file if one
    was asked for. Raises UsageError saying what is wrong, in one line."""
    if _git(["rev-parse", "--is-inside-work-tree"], cwd).returncode != 0:
        raise UsageError(f"{cwd} 不在 git 仓库中，无法读取“{spec.label}”")
    found = _git(["rev-parse", "--verify", "--quiet", f"{spec.revision}^{{commit}}"], cwd)
    if found.returncode != 0:
        raise UsageError(f"找不到 git 修订“{spec.revision}”（{spec.label}）")
    commit = found.stdout.decode().strip()
    object_type = _git(["cat-file", "-t", f"{commit}:{spec.path}"], cwd)
    if object_type.returncode != 0:
        raise UsageError(f"修订“{spec.revision}”中没有“{spec.path}”")
    if object_type.stdout.decode().strip() == "tree":
        folder, only = spec.path, None
    else:
        folder, only = str(PurePosixPath(spec.path).parent), PurePosixPath(spec.path).name
    entries = _tree(commit, folder, cwd)
    wanted = [e for e in entries if e[2] in UNIT_FILE_NAMES or only is None or e[2] == only]
    for _, size, name in wanted:
        if size > MAX_BYTES:
            raise UsageError(f"{spec.revision}:{folder}/{name} 过大（{size // 1024} KB），不像是一份项目规格")
    contents = _blobs([oid for oid, _, _ in wanted], cwd)
    for (_, _, name), data in zip(wanted, contents):
        (target / name).write_bytes(data)
    if only is not None and only not in [name for _, _, name in wanted]:
        raise UsageError(f"“{spec.label}”不是规格文件（.yaml）")
    return folder, [name for _, _, name in wanted], only


def _tree(commit: str, folder: str, cwd: Path) -> list[tuple[str, int, str]]:
    """(blob id, size, name) of each spec file directly in the folder at the commit."""
    listing = _git(["ls-tree", "-z", "-l", f"{commit}:{folder}" if folder != "." else commit], cwd)
    if listing.returncode != 0:
        raise UsageError(f"无法列出 {folder} 中的文件：{listing.stderr.decode(errors='replace').strip()}")
    entries = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_name = record.partition(b"\t")
        mode, kind, oid, size = meta.decode().split()
        name = raw_name.decode("utf-8", errors="replace")
        if kind != "blob" or mode not in ("100644", "100755") or not name.endswith(SPEC_SUFFIXES):
            continue  # symlinks, submodules, folders and other files are not specs
        if _BAD_NAME.search(name) or name in (".", "..") or name.startswith("."):
            continue
        entries.append((oid, int(size), name))
        if len(entries) > MAX_FILES:
            raise UsageError(f"{folder} 中的文件超过 {MAX_FILES} 个，不像是一个单位的规格文件夹")
    return entries


def _blobs(oids: list[str], cwd: Path) -> list[bytes]:
    """The contents of the blobs, read in one `git cat-file --batch`."""
    if not oids:
        return []
    batch = _git(["cat-file", "--batch"], cwd, stdin="".join(f"{oid}\n" for oid in oids).encode())
    if batch.returncode != 0:
        raise UsageError(f"git 读取文件失败：{batch.stderr.decode(errors='replace').strip()}")
    out, at, contents = batch.stdout, 0, []
    for oid in oids:
        header_end = out.index(b"\n", at)
        _, kind, size = out[at:header_end].decode().split()
        start = header_end + 1
        contents.append(out[start:start + int(size)])
        at = start + int(size) + 1
    return contents
