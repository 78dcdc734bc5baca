"""Spread a build's documents over processes (`build -j N`); the bytes are those of a serial build.

Each worker renders whole documents with its own compiled template and writes them; the parent
only hands out batches. The 汇总表 holds every project, so it is as much work as all the forms
together: it goes out first, alone, while the forms follow in batches to the other workers.
"""
from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, TypeVar

Item = TypeVar("Item")
# Several batches per worker even out documents of different sizes without paying a process
# round trip (and a template compile) per document.
BATCHES_PER_JOB = 4


def batches(items: list[Item], jobs: int, weight: Callable[[Item], int]) -> list[list[Item]]:
    """Heavy items alone and first (the 汇总表); the rest in order, in batches of about
    total / (jobs × BATCHES_PER_JOB)."""
    target = max(1, sum(weight(item) for item in items) / (jobs * BATCHES_PER_JOB))
    alone = sorted(([item] for item in items if weight(item) >= target), key=lambda b: -weight(b[0]))
    grouped, current, load = [], [], 0
    for item in items:
        if weight(item) >= target:
            continue
        current.append(item)
        load += weight(item)
        if load >= target:
            grouped.append(current)
            current, load = [], 0
    return alone + grouped + ([current] if current else [])


def run_in_processes(function: Callable[[list[Item]], None], items: list[Item], *, jobs: int,
                     weight: Callable[[Item], int], done: Callable[[int], None]) -> None:
    """Call `function` on batches of `items` in `jobs` processes; `done(n)` as each batch ends."""
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        futures = {pool.submit(function, batch): len(batch) for batch in batches(items, jobs, weight)}
        for future in as_completed(futures):
            future.result()  # a worker's exception (an unwritable folder …) is raised here
            done(futures[future])


def _context():
    # On Linux a forked worker starts at once with perfdoc already imported; elsewhere the
    # platform's default (spawn) is the safe one.
    return multiprocessing.get_context("fork" if sys.platform == "linux" else None)
