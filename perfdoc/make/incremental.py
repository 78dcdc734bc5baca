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

import json
import os
import stat as stat_module
import sys
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from itertools import repeat
from pathlib import Path

from .. import __version__
from ..input.folder import builtin_dir, listed_project_file_names
from ..input.problems import Problem
from ..input.reading import open_regular, read_regular

MANIFEST_NAME = ".perfdoc-manifest.json"
FORMAT = 2  # 2: the documents and the specs as columns (1: an object per document, per spec)
# A manifest lists a unit's documents and problems: a few MB for a thousand projects.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_INPUT_BYTES = 512 * 1024 * 1024  # no spec or template is near this; a bigger file is refused
_KIND_FILES = ("*.yaml", "*.docx")


def _hasher():
    import hashlib  # here, not at the top: validate loads this module (pipeline does) and digests nothing
    return hashlib.blake2b(digest_size=16)


def _digest(*chunks: bytes | str) -> str:
    hasher = _hasher()
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
    hasher, total = _hasher(), 0
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
    or renderer invalidates every output — and the Python and PyYAML that read the specs. (Neither
    Jinja nor PyYAML is imported for its version: a build that renders and reads nothing must not
    pay for them. PyYAML's __init__.py, which states its version, is read instead.)"""
    files = sorted(package.rglob("*.py"))
    return _digest(__version__, sys.version, _yaml_identity(),
                   *(p.relative_to(package).as_posix() for p in files), *(p.read_bytes() for p in files))


def _yaml_identity() -> bytes:
    """The bytes of the PyYAML module that reads the specs (its version is in them)."""
    spec = find_spec("yaml")
    try:
        return Path(spec.origin).read_bytes() if spec and spec.origin else b"no yaml"
    except OSError:
        return b"unreadable yaml"


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


def common_digest(unit_path: Path, templates: list[Path]) -> str:
    """What every document depends on: perfdoc, the kinds (built-in, the unit's 模板 folder and
    --templates, in that order, as `templates`) and the unit file."""
    return _digest(code_digest(), kinds_digest(list(templates)), _file_digest(unit_path))


# A file changed less than this before the last manifest was written may have changed again
# within the same mtime tick (coarse on some file systems): it is read and hashed, not trusted.
RACY_NS = 2_000_000_000


def read_inputs(unit_path: Path, spec_names: list[str], templates: list[Path],
                previous: "Manifest | None" = None) -> Inputs:
    """Digest every input of a build; reads the files' bytes but parses nothing.

    A spec whose size and mtime are those the last build recorded keeps its recorded digest
    unread (as make and git do): a no-op rebuild of 10,000 specs stats them instead of reading
    and hashing 90 MB."""
    common = common_digest(unit_path, templates)
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


# The manifest's two tables, stored as columns (a list per field) rather than an object per
# row: 10,000 documents and 10,000 specs decode in a third of the time, and are checked a column
# at a time.
_DOCUMENT_COLUMNS = (("names", str), ("keys", str), ("sizes", int), ("mtimes", int))
_SPEC_COLUMNS = (("names", str), ("sizes", int), ("mtimes", int), ("digests", str))


def _columns(table, columns: tuple[tuple[str, type], ...]) -> list[list] | None:
    """A table's columns, each a list of values of exactly its type, all as long; else None."""
    if not isinstance(table, dict):
        return None
    found = [table.get(name) for name, _ in columns]
    if not all(type(column) is list for column in found) or len({len(column) for column in found}) != 1:
        return None
    for column, (_, kind) in zip(found, columns):
        if column and set(map(type, column)) != {kind}:  # exactly str or int: no bool, no float
            return None
    return found


def _table(columns: tuple[tuple[str, type], ...], rows: list[tuple]) -> dict[str, list]:
    """Rows as the manifest stores them: a list per column."""
    return {name: [row[i] for row in rows] for i, (name, _) in enumerate(columns)}


@dataclass
class Recorded:
    """A manifest as read from disk, checked: every field of the type this tool writes, every
    document a plain file name (or no Recorded at all). Its tables stay columns, so a build that
    finds nothing changed makes no object per document or spec."""
    specs: str
    inputs: str
    problems: list[dict]
    skipped: list[list[str]]
    documents: list[list]           # names, keys, sizes, mtimes
    spec_stats: list[list]          # names, sizes, mtimes, digests (empty columns if damaged)
    written_ns: int
    unit_templates: list[str] | None  # the unit file's 模板 folder, relative to it, if read cleanly

    @classmethod
    def read(cls, data, specs: Path) -> Recorded | None:
        """`data` (the manifest's JSON) if it is a manifest of this format for the spec folder `specs`."""
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("specs") != str(specs.resolve()):
            return None
        documents = _columns(data.get("documents"), _DOCUMENT_COLUMNS)
        # a damaged spec table costs reading the specs again, not the manifest
        spec_stats = _columns(data.get("spec_stats"), _SPEC_COLUMNS) or [[], [], [], []]
        templates = data.get("unit_templates")
        if templates is not None and not (type(templates) is list and len(templates) <= 1
                                          and all(isinstance(t, str) and t and "\0" not in t for t in templates)):
            return None
        recorded = cls(data["specs"], data.get("inputs"), data.get("problems"), data.get("skipped"), documents,
                       spec_stats, _integer(data.get("written_ns")), templates)
        return recorded if documents is not None and recorded.well_formed() else None

    def well_formed(self) -> bool:
        """Every field has the type this tool writes, and every document is a plain file name."""
        names = self.documents[0]
        return (isinstance(self.inputs, str) and isinstance(self.problems, list) and isinstance(self.skipped, list)
                and all(isinstance(p, dict) and isinstance(p.get("path"), str) and type(p.get("line")) is int
                        and type(p.get("col")) is int and isinstance(p.get("message"), str)
                        and isinstance(p.get("rule"), str) and isinstance(p.get("severity"), str)
                        for p in self.problems)
                and all(isinstance(s, list) and len(s) == 3 and all(isinstance(x, str) for x in s)
                        and s[0] in ("specs", "output") and is_plain_name(s[1]) for s in self.skipped)
                and all_document_names(names) and len(set(names)) == len(names))

    @property
    def document_names(self) -> list[str]:
        """The documents the last build wrote, by file name, in name order."""
        return self.documents[0]

    def manifest(self) -> Manifest:
        """As a Manifest, with an entry per document and a record per spec (for a build that writes)."""
        return Manifest(self.specs, self.inputs, self.problems, self.skipped,
                        {name: Entry(key, size, mtime) for name, key, size, mtime in zip(*self.documents)},
                        {name: [size, mtime, digest] for name, size, mtime, digest in zip(*self.spec_stats)},
                        self.written_ns, self.unit_templates)


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
    unit_templates: list[str] | None = None      # Recorded.unit_templates

    @property
    def document_names(self) -> list[str]:
        """The documents the last build wrote, by file name (as Recorded.document_names)."""
        return list(self.documents)

    @classmethod
    def load(cls, out: Path, specs: Path, data=_UNREAD) -> Manifest | None:
        """The manifest of the last build of `specs` into `out`; None if there is none for it, or
        if it is not one this tool wrote (any other shape, size or kind of file). `data` is its
        JSON if already read (read_json), so a build reads the file once."""
        recorded = Recorded.read(_read_manifest(out) if data is _UNREAD else data, specs)
        return recorded.manifest() if recorded else None  # absent or damaged: build everything

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
        columns = _columns(data.get("documents"), _DOCUMENT_COLUMNS) if isinstance(data, dict) else None
        if columns is None:
            return {}
        return {name: Entry(key, size, mtime) for name, key, size, mtime in zip(*columns) if is_document_name(name)}

    @staticmethod
    def documents_in(out: Path) -> list[str]:
        """The plain .docx and .xlsx names the manifest in `out` lists, whoever built them."""
        return list(Manifest.entries_in(out))

    def to_bytes(self) -> bytes:
        """The manifest as written to the output folder (MANIFEST_NAME): one line per field."""
        documents = [(name, e.key, e.size, e.mtime_ns) for name, e in sorted(self.documents.items())]
        specs = [(name, *record) for name, record in self.spec_stats.items()]
        data = {"format": FORMAT, "perfdoc": __version__, "specs": self.specs, "inputs": self.inputs,
                "written_ns": self.written_ns, "unit_templates": self.unit_templates,
                "problems": self.problems, "skipped": self.skipped,
                "documents": _table(_DOCUMENT_COLUMNS, documents), "spec_stats": _table(_SPEC_COLUMNS, specs)}
        return ("{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False, separators=(',', ':'))}"
                                   for key, value in data.items()) + "\n}\n").encode("utf-8")

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


def all_document_names(names: list[str]) -> bool:
    """Whether every one of these strings is_document_name, checked over the names joined by NUL
    (which no name may hold) rather than by a Python call per name: a no-op rebuild reads 10,000."""
    if not names:
        return True
    joined = "\0".join(names)
    if joined.count("\0") != len(names) - 1:  # a name holds a NUL
        return False
    if joined.startswith(".") or any(bad in joined for bad in ("\0.", "/", "\\", ":")):  # hidden, or not plain
        return False
    if min(map(len, names)) == 0 or max(map(len, names)) > 255:
        return False
    return all(map(str.endswith, names, repeat((".docx", ".xlsx"))))


def is_document_name(name) -> bool:
    """A name a build may have written into its output folder: a plain .docx (or, with --xlsx,
    the unit's .xlsx) name."""
    return is_plain_name(name) and name.endswith((".docx", ".xlsx"))


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


def unchanged(out: Path, folder: Path, unit_path: Path, templates: list[Path], option: str = "") -> Recorded | None:
    """The last build's record if nothing it read has changed and every document it wrote is
    still as written, told from the manifest and the files' sizes and mtimes alone; None when it
    cannot be told so (then the build reads the unit file and decides as before).

    This is the decision `Manifest.is_up_to_date` makes, without reading the unit file, loading
    the kinds or sorting the spec names: the unit file's 模板 folder is the one recorded — the
    unit file's digest is in the inputs, so while it is unchanged it names the same folder (and
    it must still be a folder, as reading it requires) — and the specs listed are the ones
    recorded, whose order the last build already sorted. `option` is Inputs.with_option's."""
    recorded = Recorded.read(_read_manifest(out), folder)
    if recorded is None or recorded.unit_templates is None:
        return None
    unit_folders = [unit_path.parent / name for name in recorded.unit_templates]
    names, sizes, mtimes, digests = recorded.spec_stats
    listed = listed_project_file_names(folder)
    if (not all(f.is_dir() for f in unit_folders) or len(listed) != len(names) or set(listed) != set(names)
            or not _specs_as_recorded(folder, names, sizes, mtimes, recorded.written_ns - RACY_NS)
            or not _documents_as_written(out, *recorded.documents)):
        return None
    inputs = Inputs(common_digest(unit_path, [*unit_folders, *templates]), dict(zip(names, digests)))
    inputs = inputs.with_option(option) if option else inputs
    return recorded if inputs.digest == recorded.inputs else None


def _specs_as_recorded(folder: Path, names: list[str], sizes: list[int], mtimes: list[int],
                       trusted_before: int) -> bool:
    """Each spec (followed if a link, as read_inputs stats it) has its recorded size and mtime,
    older than the racy window (read_inputs would read a newer one again)."""
    try:
        return all(stat.st_size == size and stat.st_mtime_ns == mtime and mtime < trusted_before
                   for stat, size, mtime in zip(_stats(folder, names, True), sizes, mtimes))
    except OSError:
        return False


def _documents_as_written(out: Path, names: list[str], keys: list[str], sizes: list[int], mtimes: list[int]) -> bool:
    """Every document is still the regular file the last build wrote (Entry.same_stat)."""
    try:
        return all(stat_module.S_ISREG(stat.st_mode) and stat.st_size == size and stat.st_mtime_ns == mtime
                   for stat, size, mtime in zip(_stats(out, names, False), sizes, mtimes))
    except OSError:
        return False


def _stats(folder: Path, names: list[str], follow_symlinks: bool):
    """The stat of each plain file name in `folder`, relative to the folder's descriptor where
    the system allows (no path joined and walked per file). Raises OSError for a missing one."""
    if os.stat not in os.supports_dir_fd:
        for name in names:
            yield os.stat(os.path.join(folder, name), follow_symlinks=follow_symlinks)
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for name in names:
            yield os.stat(name, dir_fd=descriptor, follow_symlinks=follow_symlinks)
    finally:
        os.close(descriptor)
