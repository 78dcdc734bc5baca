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
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import __version__
from ..input.kinds import builtin_dir
from ..input.problems import Problem

MANIFEST_NAME = ".perfdoc-manifest.json"
FORMAT = 1
_KIND_FILES = ("*.yaml", "*.docx")


def _digest(*chunks: bytes | str) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for chunk in chunks:
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        hasher.update(len(data).to_bytes(8, "little"))  # so ("ab", "c") and ("a", "bc") differ
        hasher.update(data)
    return hasher.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return "unreadable"  # validation will say why; the digest only has to differ from a good one


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

    @property
    def digest(self) -> str:
        return _digest(self.common, *(part for item in self.specs.items() for part in item))

    def with_option(self, option: str) -> Inputs:
        """The inputs of a build with an option that changes every document (--comments)."""
        return Inputs(_digest(self.common, option), self.specs)

    def document_key(self, spec_names: list[str], file_name: str) -> str:
        """What one document is built from: the shared inputs, its specs and its own name."""
        return _digest(self.common, file_name, *(self.specs[name] for name in spec_names))


def read_inputs(unit_path: Path, spec_paths: list[Path], templates: list[Path]) -> Inputs:
    """Digest every input of a build; reads the files' bytes but parses nothing."""
    common = _digest(code_digest(), kinds_digest(list(templates)), _file_digest(unit_path))
    return Inputs(common, {path.name: _file_digest(path) for path in spec_paths})


@dataclass
class Entry:
    """A document as the last build wrote it."""
    key: str
    size: int
    mtime_ns: int

    def matches(self, path: Path) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


@dataclass
class Manifest:
    """What the last build of a spec folder into an output folder read, found and wrote."""
    specs: str                                   # the spec folder, resolved
    inputs: str = ""                             # Inputs.digest
    problems: list[dict] = field(default_factory=list)
    skipped: list[list[str]] = field(default_factory=list)   # [where, name, why]
    documents: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, out: Path, specs: Path) -> Manifest | None:
        """The manifest of the last build of `specs` into `out`; None if there is none for it."""
        try:
            data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("specs") != str(specs.resolve()):
                return None
            return cls(data["specs"], data["inputs"], data["problems"], data["skipped"],
                       {name: Entry(**entry) for name, entry in data["documents"].items()})
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or damaged: build everything and write a new one

    @staticmethod
    def owner(out: Path) -> str | None:
        """The spec folder whose build wrote the manifest in `out` (None if there is none to read)."""
        try:
            data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
            return data["specs"] if isinstance(data.get("specs"), str) else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    @staticmethod
    def documents_in(out: Path) -> list[str]:
        """The file names of the documents the manifest in `out` lists, whoever built them: only
        plain .docx names, since the manifest is read from disk and names no other place."""
        try:
            names = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["documents"]
            return [n for n in names if isinstance(n, str) and is_document_name(n)]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return []

    def to_bytes(self) -> bytes:
        """The manifest as written to the output folder (MANIFEST_NAME)."""
        data = {"format": FORMAT, "perfdoc": __version__, "specs": self.specs, "inputs": self.inputs,
                "problems": self.problems, "skipped": self.skipped,
                "documents": {name: vars(entry) for name, entry in sorted(self.documents.items())}}
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

    def is_up_to_date(self, inputs: Inputs, out: Path) -> bool:
        """Nothing the build reads has changed, and every document is still as it was written."""
        return self.inputs == inputs.digest and all(
            entry.matches(out / name) for name, entry in self.documents.items())

    def is_current(self, name: str, key: str, out: Path) -> bool:
        entry = self.documents.get(name)
        return entry is not None and entry.key == key and entry.matches(out / name)

    def record(self, path: Path, key: str) -> None:
        stat = path.stat()
        self.documents[path.name] = Entry(key, stat.st_size, stat.st_mtime_ns)


def is_document_name(name: str) -> bool:
    """A name a build may have written into its output folder: a .docx with no folder part."""
    return name.endswith(".docx") and Path(name).name == name and "\\" not in name and not name.startswith(".")


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

