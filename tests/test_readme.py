"""The README's set-up is what CI runs: a virtualenv, then two commands, verbatim in .ci/run."""
from __future__ import annotations

import re

from conftest import REPO


def setup_blocks() -> list[list[str]]:
    """The command lines of the ```sh blocks in the README's 安装与运行 section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 安装与运行", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [[line for line in block.splitlines() if line.strip() and not line.startswith("#")] for block in blocks]


def test_the_readme_says_make_a_virtualenv_then_two_commands():
    venv, commands = setup_blocks()
    assert venv == ["python3 -m venv .venv && . .venv/bin/activate"]
    assert commands == ["pip install . && perfdoc build specs/2025", "pip install '.[test]' && python -m pytest"]


def test_ci_runs_the_readmes_virtualenv_and_second_command_verbatim():
    venv, commands = setup_blocks()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert venv[0] in ci and commands[1] in ci
    assert ci.index(venv[0]) < ci.index(commands[1])
    assert "../shared" not in "\n".join(ci)
