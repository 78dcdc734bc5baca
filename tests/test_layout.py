"""The package's folders are the stages of the data's flow, one direction:

    input ← rules ← output ← make ← workflow ← cli

A module may import from its own stage or a lower one, never from a higher one, and no modules
import each other in a circle (deferred imports inside functions count too: they are imports).
The layout is read from the code's own import statements, so it stays true as code is added.
"""
from __future__ import annotations

import ast
from pathlib import Path

import perfdoc

PACKAGE = Path(perfdoc.__file__).resolve().parent
STAGES = ["input", "rules", "output", "make", "workflow"]  # lowest first; cli/ is above them all


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    if len(parts) > 1 and parts[1] in ("cli", "__main__"):  # the command line, a package of its own
        return len(STAGES)
    return -1  # perfdoc/__init__.py (the version) and perfdoc.templates (data): below every stage


def imports_of(path: Path) -> set[str]:
    """perfdoc modules that this file imports, resolved to module names."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if not target.startswith("perfdoc"):
                continue
            # `from . import x` names modules; `from .m import x` names things in m
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("perfdoc"))
    return {m for m in found if m in MODULES and m != here}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_the_graph_is_read():
    # the test would pass vacuously if it found no imports: the story of a build imports the rules
    assert "perfdoc.rules.check" in GRAPH["perfdoc.make.pipeline"]
    assert "perfdoc.make.pipeline" in GRAPH["perfdoc.workflow.scaffold"]
    assert all(stage_of(m) >= 0 for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in STAGES)


def test_no_module_imports_a_higher_stage():
    upward = [f"{name} ({STAGES[stage_of(name)] if stage_of(name) < len(STAGES) else 'cli'}) → {target}"
              for name, targets in GRAPH.items() for target in targets
              if stage_of(target) > stage_of(name)]
    assert upward == []


def test_no_import_circles():
    circles, state = [], {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(GRAPH[name]):
            if state.get(target) == "open":
                circles.append(" → ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_every_stage_is_a_package():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file()
