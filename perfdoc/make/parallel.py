"""Spread a build's documents over processes (`build -j N`); the bytes are those of a serial build.

Each worker compiles the template once and renders and writes whole documents; the parent only
hands out batches. Where workers are forked (Linux) they inherit the checked specs, so a batch
is a list of numbers, not a thousand pickled projects; elsewhere the documents are sent.

The 汇总表 holds every project, so it is as much work as all the forms together: it goes out
first, alone, and the forms follow in small batches to whichever worker is free.
"""
from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, TypeVar

Item = TypeVar("Item")
# Several batches per worker let the one that finishes the 汇总表 first take a share of the forms.
BATCHES_PER_JOB = 8

# Forked workers start at once, with perfdoc imported and the specs in memory; elsewhere the
# platform's default (spawn: Windows, macOS) is the safe one.
START_METHOD = "fork" if sys.platform == "linux" else None

# What a worker process holds: the documents (as forked from the parent) and its renderer.
_documents: list = []
_renderer = None


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


def write_in_processes(documents: list, *, jobs: int, done: Callable[[int], None]) -> None:
    """Render and write the documents in `jobs` processes; `done(n)` as each batch of n ends."""
    global _documents
    context = multiprocessing.get_context(START_METHOD)
    inherited = context.get_start_method() == "fork"
    _documents = documents if inherited else []
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker) as pool:
            futures, batch_of = {}, {}
            for batch in batches(list(range(len(documents))), jobs, lambda i: len(documents[i].projects)):
                sent = None if inherited else [documents[i] for i in batch]
                future = pool.submit(_write, batch, sent)
                futures[future], batch_of[future] = len(batch), batch
            for future in as_completed(futures):
                try:
                    future.result()  # a worker's exception (an unwritable folder …) is raised here
                except BrokenProcessPool:
                    wait(futures)  # every batch not finished ends with the same exception
                    lost = [n for f, batch in batch_of.items() if f.exception() is not None for n in batch]
                    raise WorkerDied(_lost(documents, sorted(lost))) from None
                done(futures[future])
    finally:
        _documents = []


class WorkerDied(Exception):
    """A -j worker process ended without finishing its documents (killed, out of memory)."""


def _lost(documents: list, batch: list[int]) -> str:
    names = [documents[i].path.name for i in batch]
    shown = "、".join(names[:5]) + (f" 等 {len(names)} 份" if len(names) > 5 else "")
    return (f"生成文档的进程意外退出（被终止或内存不足），{shown} 可能未写成；已写成的文档已记录，"
            f"再次运行 perfdoc build 会补齐其余的")


def _start_worker() -> None:
    global _renderer
    from ..output.render import Renderer
    _renderer = Renderer()


def _write(numbers: list[int], sent: list | None) -> None:
    from .documents import write_document
    for document in sent if sent is not None else [_documents[n] for n in numbers]:
        write_document(document, _renderer)
