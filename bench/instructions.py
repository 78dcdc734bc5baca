"""Count the instructions of perfdoc's validate and of the libyaml floor, under valgrind.

    python bench/instructions.py SPEC_FOLDER [SPEC_FOLDER …]

A count of instructions (valgrind's callgrind) is the same on a busy machine as on a quiet
one, where a wall-clock ratio moves by ±20 % on a shared 2-core host: it tells whether a change
made the work smaller when the timings cannot. It is not a time — libyaml's C runs more
instructions per cycle than the interpreter does — so BENCH.md gives both. Needs valgrind
(Debian's package); about a minute per 1000 specs per command, 50 times the run.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def instructions(command: list[str]) -> int:
    """The instructions the command's process ran (its children are not followed)."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          cwd=REPO, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        raise SystemExit(f"valgrind gave no count for {command}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(folders: list[str]) -> int:
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    # this interpreter itself (a launcher script such as pyenv's shim would be what valgrind
    # counted); not resolved, so that a virtualenv's python still finds its packages
    python = sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "perfdoc")], check=True)
    for folder in folders:
        floor = instructions([python, str(BENCH / "libyaml_parse.py"), folder])
        validate = instructions([python, "-m", "perfdoc", "validate", folder])
        print(f"{folder}: validate {validate / 1e9:.2f} G, libyaml parse {floor / 1e9:.2f} G, "
              f"ratio {validate / floor:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
