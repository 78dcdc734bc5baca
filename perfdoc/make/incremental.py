"""Rebuild only what changed: the manifest in the output folder remembers what each document was
built from.

A document's content depends on perfdoc itself (its version and code: rules and rendering), the
form kinds (definitions and .docx templates, built-in and --templates), the unit file, and the
specs in it — one for a project's form, all of them, in order, for the 汇总表. The validation
outcome depends on exactly the same. So the manifest keeps a digest of all of these, the problems
they gave, and for each document written the digest of its own inputs and the size and mtime the
file had. A build whose inputs digest is unchanged, and whose documents are all still as written,
replays the problems and writes nothing — not even the manifest. Otherwise every spec is checked
again and only documents whose own digest changed, or whose file was touched, are rewritten.

    output/2025/.perfdoc-manifest.json
"""
from __future__ import annotations

import hashlib
import json
import os
import stat as stat_module
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import __version__
from ..input.kinds import builtin_dir
from ..input.problems import Problem
from ..input.reading import open_regular, read_regular

MANIFEST_NAME = ".perfdoc-manifest.json"
FORMAT = 1
# A manifest lists a unit's documents and problems: a few MB for a thousand projects.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_INPUT_BYTES = 512 * 1024 * 1024  # no spec or template is near this; a bigger file is refused
_KIND_FILES = ("*.yaml", "*.docx")


def _digest(*chunks: bytes | str) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for chunk in chunks:
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        hasher.update(len(data).to_bytes(8, "little"))  # so ("ab", "c") and ("a", "bc") differ
        hasher.update(data)
    return hasher.hexdigest()


def _file_digest(path: Path) -> str:
    """The digest of a regular file's bytes, read in chunks up to MAX_INPUT_BYTES; a FIFO, a
    device or a folder is never read (validation says why; the digest only has to differ)."""
    try:
        fd = open_regular(path)
    except OSError:
        return "unreadable"
    hasher, total = hashlib.blake2b(digest_size=16), 0
    with os.fdopen(fd, "rb") as file:
        while chunk := file.read(1 << 20):
            total += len(chunk)
            if total > MAX_INPUT_BYTES:
                return "too-large"
            hasher.update(chunk)
    return _digest(hasher.digest())


PACKAGE = Path(__file__).resolve().parent.parent  # perfdoc/, with every stage's sub-package


def code_digest(package: Path = PACKAGE) -> str:
    """perfdoc's version and its own source, every stage's sub-package included — a changed rule
    or renderer invalidates every output — and the Python and PyYAML that read the specs. (Jinja
    is not imported just for its version: a build that renders nothing must not pay for it.)"""
    files = sorted(package.rglob("*.py"))
    return _digest(__version__, sys.version, yaml.__version__,
                   *(p.relative_to(package).as_posix() for p in files), *(p.read_bytes() for p in files))


def kinds_digest(templates: list[Path]) -> str:
    """Every kind definition and template perfdoc may read: built-in first, then --templates."""
    chunks = []
    for folder in [builtin_dir(), *templates]:
        chunks.append(str(Path(folder).resolve()))
        for pattern in _KIND_FILES:
            for path in sorted(Path(folder).glob(pattern)):
                chunks += [path.name, _file_digest(path)]
    return _digest(*chunks)


@dataclass(frozen=True)
class Inputs:
    """The digests of everything a build of one spec folder depends on."""
    common: str                 # perfdoc, the kinds and the unit file
    specs: dict[str, str]       # project spec file name → digest, in the 汇总表's order
    stats: dict[str, list[int]] = field(default_factory=dict, compare=False)  # name → [size, mtime_ns]

    @property
    def digest(self) -> str:
        # one string, not 20,000 chunks: a file name holds no NUL, a digest is hex
        return _digest(self.common, "\0".join(f"{name}\0{digest}" for name, digest in self.specs.items()))

    def with_option(self, option: str) -> Inputs:
        """The inputs of a build with an option that changes every document (--comments)."""
        return Inputs(_digest(self.common, option), self.specs, self.stats)

    def document_key(self, spec_names: list[str], file_name: str) -> str:
        """What one document is built from: the shared inputs, its specs and its own name."""
        return _digest(self.common, file_name, *(self.specs.get(name, "unread") for name in spec_names))

    @classmethod
    def untrusted(cls) -> Inputs:
        """Digests that match nothing: the next build rebuilds everything."""
        return cls("untrusted-" + os.urandom(16).hex(), {})


# A file changed less than this before the last manifest was written may have changed again
# within the same mtime tick (coarse on some file systems): it is read and hashed, not trusted.
RACY_NS = 2_000_000_000


def read_inputs(unit_path: Path, spec_names: list[str], templates: list[Path],
                previous: "Manifest | None" = None) -> Inputs:
    """Digest every input of a build; reads the files' bytes but parses nothing.

    A spec whose size and mtime are those the last build recorded keeps its recorded digest
    unread (as make and git do): a no-op rebuild of 10,000 specs stats them instead of reading
    and hashing 90 MB."""
    common = _digest(code_digest(), kinds_digest(list(templates)), _file_digest(unit_path))
    known = previous.spec_stats if previous else {}
    trusted_before = (previous.written_ns - RACY_NS) if previous else 0
    specs, stats = {}, {}
    folder = unit_path.parent
    for name in spec_names:
        path = os.path.join(folder, name)
        try:
            stat = os.stat(path)
        except OSError:
            specs[name] = "unreadable"
            continue
        stats[name] = [stat.st_size, stat.st_mtime_ns]
        record = known.get(name)
        if record and record[:2] == stats[name] and stat.st_mtime_ns < trusted_before:
            specs[name] = record[2]
        else:
            specs[name] = _file_digest(Path(path))
    return Inputs(common, specs, stats)


@dataclass
class Entry:
    """A document as the last build wrote it."""
    key: str
    size: int
    mtime_ns: int

    def matches(self, path: Path) -> bool:
        """The file is still the regular file the last build wrote (a symlink never is)."""
        try:
            return self.same_stat(path.lstat())
        except OSError:
            return False

    def same_stat(self, stat: os.stat_result) -> bool:
        """`stat` (not following a symlink) is the regular file the last build wrote."""
        return (stat_module.S_ISREG(stat.st_mode) and stat.st_size == self.size
                and stat.st_mtime_ns == self.mtime_ns)


_UNREAD = object()  # the manifest's JSON not read yet


def _read_manifest(out: Path):
    """The manifest's JSON, read as a bounded regular file; None when it cannot be."""
    try:
        return json.loads(read_regular(out / MANIFEST_NAME, MAX_MANIFEST_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def is_plain_name(name) -> bool:
    """A plain name of a file in a folder: no folder, no `..`, not absolute, not hidden."""
    # (no Path(name).name: with no separator and no leading ".", a name is its own base name,
    # and a no-op rebuild of 10,000 documents would make 10,000 Paths to learn that)
    return (isinstance(name, str) and 0 < len(name) <= 255
            and "/" not in name and "\\" not in name and "\0" not in name and not name.startswith(".")
            and ":" not in name)


@dataclass
class Manifest:
    """What the last build of a spec folder into an output folder read, found and wrote."""
    specs: str                                   # the spec folder, resolved
    inputs: str = ""                             # Inputs.digest
    problems: list[dict] = field(default_factory=list)
    skipped: list[list[str]] = field(default_factory=list)   # [where, name, why]
    documents: dict[str, Entry] = field(default_factory=dict)
    spec_stats: dict[str, list] = field(default_factory=dict)  # name → [size, mtime_ns, digest]
    written_ns: int = 0

    @classmethod
    def load(cls, out: Path, specs: Path, data=_UNREAD) -> Manifest | None:
        """The manifest of the last build of `specs` into `out`; None if there is none for it, or
        if it is not one this tool wrote (any other shape, size or kind of file). `data` is its
        JSON if already read (read_json), so a build reads the file once."""
        try:
            if data is _UNREAD:
                data = json.loads(read_regular(out / MANIFEST_NAME, MAX_MANIFEST_BYTES).decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("specs") != str(specs.resolve()):
                return None
            manifest = cls(data["specs"], data["inputs"], data["problems"], data["skipped"],
                           {name: Entry(**entry) for name, entry in data["documents"].items()},
                           _spec_stats(data.get("spec_stats")), _integer(data.get("written_ns")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # absent, or damaged: build everything and write a new one
        return manifest if manifest.well_formed() else None

    def well_formed(self) -> bool:
        """Every field has the type this tool writes, and every document is a plain file name."""
        entries_ok = all(is_document_name(name) and type(e.key) is str and type(e.size) is int
                         and type(e.mtime_ns) is int for name, e in self.documents.items())
        problems_ok = all(isinstance(p, dict) and isinstance(p.get("path"), str) and type(p.get("line")) is int
                          and type(p.get("col")) is int and isinstance(p.get("message"), str)
                          and isinstance(p.get("rule"), str) and isinstance(p.get("severity"), str)
                          for p in self.problems)
        skipped_ok = all(isinstance(s, list) and len(s) == 3 and all(isinstance(x, str) for x in s)
                         and s[0] in ("specs", "output") and is_plain_name(s[1]) for s in self.skipped)
        return (isinstance(self.inputs, str) and isinstance(self.specs, str)
                and isinstance(self.problems, list) and isinstance(self.skipped, list)
                and entries_ok and problems_ok and skipped_ok)

    @staticmethod
    def read_json(out: Path):
        """The manifest's JSON in `out` as it is (None if there is none to read): for owner and load."""
        return _read_manifest(out)

    @staticmethod
    def owner(out: Path, data=_UNREAD) -> str | None:
        """The spec folder whose build wrote the manifest in `out` (None if there is none to read)."""
        data = _read_manifest(out) if data is _UNREAD else data
        return data["specs"] if isinstance(data, dict) and isinstance(data.get("specs"), str) else None

    @staticmethod
    def entries_in(out: Path) -> dict[str, Entry]:
        """The documents the manifest in `out` lists, whoever built them: only plain .docx names
        with entries of the shape this tool writes, since the manifest is read from disk."""
        data = _read_manifest(out)
        documents = data.get("documents") if isinstance(data, dict) else None
        if not isinstance(documents, dict):
            return {}
        entries = {}
        for name, entry in documents.items():
            try:
                entry = Entry(**entry)
            except TypeError:
                continue
            if is_document_name(name) and type(entry.size) is int and type(entry.mtime_ns) is int:
                entries[name] = entry
        return entries

    @staticmethod
    def documents_in(out: Path) -> list[str]:
        """The plain .docx and .xlsx names the manifest in `out` lists, whoever built them."""
        return list(Manifest.entries_in(out))

    def to_bytes(self) -> bytes:
        """The manifest as written to the output folder (MANIFEST_NAME)."""
        data = {"format": FORMAT, "perfdoc": __version__, "specs": self.specs, "inputs": self.inputs,
                "problems": self.problems, "skipped": self.skipped,
                "documents": {name: vars(entry) for name, entry in sorted(self.documents.items())},
                "spec_stats": self.spec_stats, "written_ns": self.written_ns}
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

    def is_up_to_date(self, inputs: Inputs, out: Path) -> bool:
        """Nothing the build reads has changed, and every document is still as it was written."""
        if self.inputs != inputs.digest:
            return False
        try:  # one listing of the output folder, not a Path and a lookup per document
            with os.scandir(out) as listing:
                found = {e.name: e for e in listing if e.name in self.documents}
            return len(found) == len(self.documents) and all(
                entry.same_stat(found[name].stat(follow_symlinks=False)) for name, entry in self.documents.items())
        except OSError:
            return False

    def is_current(self, name: str, key: str, out: Path) -> bool:
        entry = self.documents.get(name)
        return entry is not None and entry.key == key and entry.matches(out / name)

    def remember_specs(self, inputs: Inputs) -> None:
        """Each spec's size, mtime and digest, so that the next build need not read it."""
        self.spec_stats = {name: [*inputs.stats[name], digest] for name, digest in inputs.specs.items()
                           if name in inputs.stats}
        self.written_ns = time.time_ns()

    def record(self, path: Path, key: str) -> None:
        stat = path.stat()
        self.documents[path.name] = Entry(key, stat.st_size, stat.st_mtime_ns)


def is_document_name(name) -> bool:
    """A name a build may have written into its output folder: a plain .docx (or, with --xlsx,
    the unit's .xlsx) name."""
    return is_plain_name(name) and name.endswith((".docx", ".xlsx"))


def _spec_stats(data) -> dict[str, list]:
    """The recorded [size, mtime_ns, digest] of each spec, only entries of that exact shape (the
    manifest is read from disk); anything else is dropped, and that spec is read and hashed."""
    if not isinstance(data, dict):
        return {}
    return {name: record for name, record in data.items()
            if isinstance(name, str) and isinstance(record, list) and len(record) == 3
            and type(record[0]) is int and type(record[1]) is int and isinstance(record[2], str)}


def _integer(value) -> int:
    return value if type(value) is int else 0


def problem_record(problem: Problem, folder: Path) -> dict:
    """A problem as stored: its file named relative to the spec folder, so the replay can print
    it as the folder is named now (specs/2025/… or an absolute path)."""
    record = problem.as_dict()
    if problem.path.parent == folder:
        record["path"] = problem.path.name
        record["in_specs"] = True
    return record


def replayed_problem(record: dict, folder: Path) -> Problem:
    path = folder / record["path"] if record.get("in_specs") else Path(record["path"])
    return Problem(path, record["line"], record["col"], record["severity"], record["rule"], record["message"])

