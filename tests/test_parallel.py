"""`build -j N` writes exactly the bytes a serial build writes, and the progress bar shows only
at a terminal."""
from __future__ import annotations

import io
import sys
from pathlib import Path

from conftest import REPO, copy_specs

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402  (the benchmark's synthetic units)


def documents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.docx")}


def test_parallel_build_is_byte_identical_to_serial(run_cli, tmp_path, monkeypatch):
    from perfdoc.make import parallel
    monkeypatch.setattr(parallel, "PROJECTS_PER_PROCESS", 1)  # 40 projects would stay serial
    monkeypatch.setattr(parallel, "processes", lambda jobs, projects: jobs)  # even on one core
    specs = tmp_path / "specs"
    generate(40, specs)
    assert run_cli("build", specs, "-o", tmp_path / "serial").exit_code == 0
    assert run_cli("build", specs, "-o", tmp_path / "parallel", "-j", "2").exit_code == 0
    serial, parallel = documents(tmp_path / "serial"), documents(tmp_path / "parallel")
    assert len(serial) == 41 and serial == parallel


def test_spawned_workers_as_on_windows_write_the_same_bytes(run_cli, tmp_path, monkeypatch):
    from perfdoc.make import parallel
    folder = copy_specs("2025", tmp_path)
    assert run_cli("build", folder, "-o", tmp_path / "serial").exit_code == 0
    monkeypatch.setattr(parallel, "START_METHOD", "spawn")  # the documents are sent, not inherited
    monkeypatch.setattr(parallel, "processes", lambda jobs, projects: jobs)
    assert run_cli("build", folder, "-o", tmp_path / "spawned", "-j", "2").exit_code == 0
    assert documents(tmp_path / "serial") == documents(tmp_path / "spawned")


def test_jobs_zero_means_one_per_core(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    assert run_cli("build", folder, "-o", tmp_path / "a").exit_code == 0
    assert run_cli("build", folder, "-o", tmp_path / "b", "-j", "0").exit_code == 0
    assert documents(tmp_path / "a") == documents(tmp_path / "b")


def test_processes_are_chosen_from_the_work(monkeypatch):
    from perfdoc.make import parallel
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # this build alone
    assert parallel.processes(8, 10_000) == 2           # no more than the processors
    assert parallel.processes(2, 100) == 1              # a small unit stays in one process
    assert parallel.processes(2, 2 * parallel.PROJECTS_PER_PROCESS) == 2
    assert parallel.processes(1, 10_000) == 1
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (3.0, 3.0, 3.0))  # both cores busy elsewhere
    assert parallel.processes(2, 10_000) == 1


def test_no_progress_bar_when_not_at_a_terminal(run_cli, tmp_path, monkeypatch):
    from perfdoc.cli import common
    monkeypatch.setattr(common, "PROGRESS_AFTER", 0.0)  # even a build that is slow enough
    result = run_cli("build", copy_specs("2025", tmp_path), "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert "生成文档" not in result.stderr and "生成文档" not in result.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_at_a_terminal_once_a_build_has_run_a_second():
    from perfdoc.cli import ProgressBar
    now = [0.0]
    screen = Terminal()
    progress = ProgressBar(screen, clock=lambda: now[0])
    progress(1, 100)  # the first half second: nothing yet
    assert screen.getvalue() == ""
    now[0] = 1.5
    progress(50, 100)
    progress(100, 100)
    progress.finish()
    assert "生成文档" in screen.getvalue() and "100%" in screen.getvalue()


def test_a_quick_build_shows_no_bar_even_at_a_terminal():
    from perfdoc.cli import ProgressBar
    screen = Terminal()
    progress = ProgressBar(screen, clock=lambda: 0.0)
    for done in range(1, 11):
        progress(done, 10)
    progress.finish()
    assert screen.getvalue() == ""
