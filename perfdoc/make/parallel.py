"""Spread a build's documents over processes (`build -j N`); the bytes are those of a serial build.

Workers print and render the projects, in batches of consecutive ones, and write their forms;
each sends back the deflated pieces of its projects, and the parent appends them, in order,
to the 汇总表 as they arrive (the 汇总表 is a concatenation of forms: it costs the parent a
write, not a second rendering). Where workers are forked (Linux) they inherit the checked specs,
so a batch is a pair of numbers, not a thousand pickled projects; elsewhere the projects are sent.

Processes cost: starting one, and sending pieces back. `processes` picks how many pay for the
work, and a small build stays in this process (BENCH.md says from what size -j helps).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

# Several batches per worker: one that is slowed by the rest of the machine takes fewer.
BATCHES_PER_JOB = 8
# Below this many projects per process a worker does not earn its start (fork, a template
# compiled again, pieces pickled back) — validation stays serial, so only rendering is shared
# out: measured on 2 cores, -j 2 at 1000 projects was no faster than serial (BENCH.md).
PROJECTS_PER_PROCESS = 1000

# Forked workers start at once, with perfdoc imported and the specs in memory; elsewhere the
# platform's default (spawn: Windows, macOS) is the safe one.
START_METHOD = "fork" if sys.platform == "linux" else None

# What a worker process holds: the projects and their forms' paths (as forked from the parent).
_work: tuple = ()
_renderer = None


def processes(jobs: int, projects: int) -> int:
    """How many processes to use for `projects` when asked for `jobs`: no more than the
    processors this process may run on, nor than the work pays for; 1 means stay serial."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    # Processors other programs keep busy are not ours: the load average counts this process
    # (it has been checking specs until now) and every other runnable one.
    try:
        idle = available - max(0, round(os.getloadavg()[0]) - 1)
    except (AttributeError, OSError):  # no load average (Windows)
        idle = available
    return max(1, min(jobs, idle, projects // PROJECTS_PER_PROCESS))


def write_in_processes(unit, projects: list, forms: dict, summary: Path | None, *, jobs: int,
                       done: Callable[[int], None]) -> None:
    """Render the projects in `jobs` processes: their forms (`forms`: project → path) written
    there, the 汇总表 (if `summary`) streamed here from their pieces."""
    global _work
    import multiprocessing  # imported only when processes are started: 30 ms of a small build
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from ..output.render import Renderer, project_data
    order = projects if summary else list(forms)
    context = multiprocessing.get_context(START_METHOD)
    inherited = context.get_start_method() == "fork"
    paths = [forms.get(p) for p in order]
    _work = (unit, order, paths, summary is not None) if inherited else ()
    size = max(1, -(-len(order) // (jobs * BATCHES_PER_JOB)))
    starts = range(0, len(order), size)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker) as pool:
            sent = [None if inherited else (unit, order[i:i + size], paths[i:i + size], summary is not None)
                    for i in starts]
            results = pool.map(_render, [(i, i + size) for i in starts], sent)
            renderer = Renderer()
            needs_data = summary is not None and renderer.needs_data(unit)

            def items():
                # map yields batches in order, each as soon as it and those before it are done
                start = 0
                try:
                    for start, (pieces, written) in zip(starts, results):
                        done(written)
                        for project, project_pieces in zip(order[start:start + size], pieces):
                            yield project_data(project) if needs_data else None, project_pieces
                except BrokenProcessPool:
                    lost = [p for p in paths[start:] if p is not None] + ([summary] if summary else [])
                    raise WorkerDied(_lost(lost)) from None

            if summary is None:
                for _ in items():
                    pass
                return
            renderer.write_summary(unit, projects, summary, items())
            done(1)
    finally:
        _work = ()


class WorkerDied(Exception):
    """A -j worker process ended without finishing its documents (killed, out of memory)."""


def _lost(paths: list[Path]) -> str:
    names = [path.name for path in paths]
    shown = "、".join(names[:5]) + (f" 等 {len(names)} 份" if len(names) > 5 else "")
    return (f"生成文档的进程意外退出（被终止或内存不足），{shown} 可能未写成；已写成的文档已记录，"
            f"再次运行 perfdoc build 会补齐其余的")


def _start_worker() -> None:
    global _renderer
    from ..output.render import Renderer
    _renderer = Renderer()


def _render(span: tuple[int, int], sent: tuple | None) -> tuple[list, int]:
    """Render projects [start, end) of the work, writing their forms; their pieces for the 汇总表,
    with their XML: the parent checks the whole 汇总表 is well-formed as it streams it."""
    unit, order, paths, keep = sent if sent is not None else (_work[0], _work[1][slice(*span)],
                                                               _work[2][slice(*span)], _work[3])
    pieces, written = [], 0
    for project, path in zip(order, paths):
        _, rendered = _renderer.project(unit, project, path)
        written += path is not None
        if keep:
            pieces.append(rendered)
    return pieces, written
