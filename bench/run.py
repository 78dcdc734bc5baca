"""Time perfdoc against the alternatives on synthetic units of N = 10, 100, 1000 projects.

Every figure is a separate process, timed by wall clock, with its peak memory (the child's own
max RSS, from wait4); each is run --repeat times and the median printed. One run prints the
machine, the table, and the ratios the targets are stated in (BENCH.md).

    python bench/run.py                         # N = 10, 100, 1000; 3 repetitions
    python bench/run.py --sizes 10 --repeat 1   # a quick check (the test suite runs this)
    python bench/run.py --sizes 25 --units 50,200 --repeat 1   # a 财政局: 200 units × 25 projects

perfdoc runs as `python -m perfdoc` from the checkout, or as the command given with --perfdoc
(the installed console script, as users start it: see BENCH.md). The docxtpl row needs docxtpl
importable by --python, and is left out, with a note, if it is not.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
from generate import generate, generate_units  # noqa: E402  (bench/ is not a package)


@dataclass
class Timing:
    """Median wall clock and largest peak memory over the repetitions of one command."""
    seconds: float
    peak_mb: float
    note: str = ""

    def cell(self) -> str:
        return f"{self.seconds:7.2f} s {self.peak_mb:5.0f} MB"


class CommandFailed(Exception):
    pass


def run_once(command: list[str]) -> tuple[float, float]:
    """Run a command to its end; return (seconds, peak MB of that process alone)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        raise CommandFailed(f"{shlex.join(command)} exited with {process.returncode}:\n"
                            f"{stderr.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def measure(command: list[str], repeat: int, before: Callable[[int], None] | None = None) -> Timing:
    """Run `command` `repeat` times (calling `before(i)` first, untimed); the median and peak."""
    runs = []
    for i in range(repeat):
        if before:
            before(i)
        runs.append(run_once(command))
    return Timing(statistics.median(s for s, _ in runs), max(m for _, m in runs))


def clear(folder: Path) -> Callable[[int], None]:
    return lambda _: shutil.rmtree(folder, ignore_errors=True)


def edited_copy(specs: Path, work: Path) -> Path:
    """The unit again with every tenth project's first target raised: what `perfdoc diff` compares."""
    copy = work / "specs-edited"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(specs, copy)
    for path in sorted(copy.glob("[0-9]*.yaml"))[::10]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("≥90.00(%)", "≥95.00(%)", 1), encoding="utf-8")
    return copy


def modification_times(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def rewritten(before: dict[str, int], folder: Path) -> list[str]:
    """The files of `folder` written since `before` was taken."""
    after = modification_times(folder)
    return sorted(name for name in after if before.get(name) != after[name])


def same_files(a: Path, b: Path, pattern: str = "*.docx") -> bool:
    names = sorted(p.name for p in a.glob(pattern))
    return names == sorted(p.name for p in b.glob(pattern)) and \
        all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


class Bench:
    def __init__(self, args):
        self.args = args
        self.python = [args.python]
        self.perfdoc = shlex.split(args.perfdoc) if args.perfdoc else default_perfdoc(args.python)
        self.has_docxtpl = not args.no_docxtpl and subprocess.run(
            [args.python, "-c", "import docxtpl"], capture_output=True).returncode == 0
        self.results: dict[int, dict[str, Timing]] = {}
        self.checks: dict[int, dict[str, str]] = {}
        self.units_rows: dict[int, Timing] = {}
        self.units_checks: dict[int, str] = {}

    def script(self, name: str) -> list[str]:
        return [*self.python, str(BENCH / name)]

    def run_size(self, n: int, work: Path) -> None:
        """Every row of one column of the table: a fresh unit of n projects, each command on it."""
        specs, out = work / "specs", work / "perfdoc"
        generate(n, specs)
        rows, checks = {}, {}
        self.time_perfdoc(specs, out, work, rows, checks)
        self.time_rebuilds(specs, out, rows, checks)
        self.time_alternatives(specs, out, work, rows, checks)
        self.results[n], self.checks[n] = rows, checks

    def time_perfdoc(self, specs: Path, out: Path, work: Path, rows: dict, checks: dict) -> None:
        repeat, jobs, parallel = self.args.repeat, self.args.jobs, work / f"perfdoc-j{self.args.jobs}"
        rows["validate"] = measure([*self.perfdoc, "validate", str(specs)], repeat)
        rows["libyaml parse only"] = measure([*self.script("libyaml_parse.py"), str(specs)], repeat)
        rows["diff of two folders"] = measure([*self.perfdoc, "diff", str(specs), str(edited_copy(specs, work))], repeat)
        rows["build"] = measure(self.build(specs, out), repeat, clear(out))
        rows[f"build -j {jobs}"] = measure([*self.build(specs, parallel), "-j", str(jobs)], repeat, clear(parallel))
        checks[f"-j {jobs} output identical to serial"] = yes(same_files(out, parallel))

    def time_rebuilds(self, specs: Path, out: Path, rows: dict, checks: dict) -> None:
        before = modification_times(out)
        rows["rebuild, nothing changed"] = measure(self.build(specs, out), self.args.repeat)
        checks["files rewritten by the unchanged rebuild"] = str(len(rewritten(before, out)))

        projects = sorted(specs.glob("[0-9]*.yaml"))
        edited = projects[len(projects) // 2]
        original = edited.read_text(encoding="utf-8")

        def edit(i: int) -> None:  # a different comment each time: new bytes, the same form
            nonlocal before
            before = modification_times(out)
            edited.write_text(original + f"# edit {i}\n", encoding="utf-8")

        rows["rebuild, one spec changed"] = measure(self.build(specs, out), self.args.repeat, edit)
        checks["files rewritten when one spec changed"] = ", ".join(rewritten(before, out))
        edited.write_text(original, encoding="utf-8")

    def time_alternatives(self, specs: Path, out: Path, work: Path, rows: dict, checks: dict) -> None:
        near, docxtpl = work / "near-limit", work / "docxtpl"
        rows["near-limit writer"] = measure([*self.script("near_limit.py"), str(specs), str(near)],
                                            self.args.repeat, clear(near))
        checks["perfdoc and near-limit write the same bytes"] = yes(same_files(out, near))
        if self.has_docxtpl:
            rows["docxtpl script"] = measure([*self.script("docxtpl_script.py"), str(specs), str(docxtpl)],
                                             self.args.docxtpl_repeat or self.args.repeat, clear(docxtpl))

    def build(self, specs: Path, out: Path) -> list[str]:
        return [*self.perfdoc, "build", str(specs), "-o", str(out)]

    def run_units(self, counts: list[int], projects: int, work: Path) -> None:
        """Many units (a 财政局's year): U unit folders of `projects` projects each, built with
        --xlsx in one command, against one such unit built alone; peak memory should not grow
        with U (one unit is held at a time, the workbook across units is streamed)."""
        one, one_out = work / "one", work / "one-out"
        generate(projects, one)
        self.units_single = measure([*self.build(one, one_out), "--xlsx"], self.args.repeat, clear(one_out))
        self.units_rows: dict[int, Timing] = {}
        for count in counts:
            specs, out = work / f"units-{count}", work / f"units-{count}-out"
            generate_units(count, projects, specs)
            self.units_rows[count] = measure([*self.build(specs, out), "--xlsx"], self.args.repeat, clear(out))
            workbooks = list(out.glob("*.xlsx"))
            self.units_checks[count] = f"workbook across units: {workbooks[0].name if workbooks else 'NONE'}" \
                + f", {sum(1 for _ in out.rglob('*.docx'))} documents"
            shutil.rmtree(specs, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
        self.units_projects = projects

    def run_startup(self, work: Path) -> dict[str, Timing]:
        one = sorted((work / "specs").glob("[0-9]*.yaml"))[0]
        repeat = max(5, 3 * self.args.repeat)
        return {"perfdoc --help": measure([*self.perfdoc, "--help"], repeat),
                "perfdoc validate <one spec>": measure([*self.perfdoc, "validate", str(one)], repeat),
                "python -c pass": measure([*self.python, "-c", "pass"], repeat)}


def default_perfdoc(python: str) -> list[str]:
    """The checkout's perfdoc (`python -m perfdoc` from the repository root)."""
    return [python, "-m", "perfdoc"]


def load_average() -> str:
    """Other work on the machine: each unit of load is a core busy elsewhere, timings noisier."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def yes(flag: bool) -> str:
    return "yes" if flag else "NO"


# -- the report ------------------------------------------------------------------------------
def machine(bench: Bench, load_at_start: str) -> list[str]:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    version = subprocess.run([*bench.perfdoc, "--version"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    python = subprocess.run([*bench.python, "-c", "import sys; print(sys.version.split()[0])"],
                            capture_output=True, text=True).stdout.strip()
    return [f"machine: {os.cpu_count()} × {model}, {platform.system()} {platform.release()}",
            f"python {python} ({bench.python[0]}); {version} as `{shlex.join(bench.perfdoc)}`",
            f"load average (1, 5, 15 min) at start: {load_at_start}"]


def table(bench: Bench, startup: dict[str, Timing]) -> list[str]:
    sizes = sorted(bench.results)
    names = list(dict.fromkeys(name for rows in bench.results.values() for name in rows))
    width = max(len(n) for n in [*names, *startup]) + 2
    lines = [f"median of {bench.args.repeat} runs: wall clock, peak memory of the process", "",
             "".ljust(width) + "".join(f"N = {n}".rjust(20) for n in sizes)]
    for name in names:
        cells = [bench.results[n][name].cell() if name in bench.results[n] else "n/a" for n in sizes]
        lines.append(name.ljust(width) + "".join(c.rjust(20) for c in cells))
    if not bench.has_docxtpl:
        lines.append("(docxtpl script left out: docxtpl is not importable by this Python)")
    lines.append("")
    for name, timing in startup.items():
        lines.append(name.ljust(width) + timing.cell().rjust(20))
    return lines


def ratios(bench: Bench) -> list[str]:
    sizes = sorted(bench.results)
    lines = ["", "ratios".ljust(44) + "".join(f"N = {n}".rjust(10) for n in sizes)]

    def row(label: str, top: str, bottom: str) -> None:
        cells = []
        for n in sizes:
            rows = bench.results[n]
            cells.append(f"{rows[top].seconds / rows[bottom].seconds:9.2f}×"
                         if top in rows and bottom in rows else "n/a".rjust(10))
        lines.append(label.ljust(44) + "".join(cells))

    row("build / near-limit            (target ≤ 1.5)", "build", "near-limit writer")
    row("docxtpl / build, how much faster (≥ 10)", "docxtpl script", "build")
    row(f"build / build -j {bench.args.jobs}", "build", f"build -j {bench.args.jobs}")
    row("validate / libyaml parse      (target ≤ 1.5)", "validate", "libyaml parse only")
    lines.append("diff / validate of both folders (target ≤ 1)".ljust(44) + "".join(
        f"{bench.results[n]['diff of two folders'].seconds / (2 * bench.results[n]['validate'].seconds):9.2f}×"
        for n in sizes))
    for big, small in zip(sizes[1:], sizes):
        for name in ("validate", "build", "rebuild, nothing changed", "near-limit writer"):
            a, b = bench.results[big].get(name), bench.results[small].get(name)
            if a and b:
                lines.append(f"scaling {name}, N = {big} / N = {small}".ljust(44) + f"{a.seconds / b.seconds:9.2f}×"
                             + (f"   (target ≤ {1.1 * big / small:.0f})" if name == "build" else ""))
    lines.append("")
    for n in sizes:
        for check, answer in bench.checks[n].items():
            lines.append(f"N = {n}: {check}: {answer}")
    return lines


def units_table(bench: Bench) -> list[str]:
    """The many-units rows: time and peak memory, per project against one unit alone."""
    if not bench.units_rows:
        return []
    p, single = bench.units_projects, bench.units_single
    lines = ["", f"many units, build --xlsx (each unit {p} projects; median of {bench.args.repeat} runs)",
             f"{'one unit alone':<34}{single.cell():>20}   {single.seconds / p * 1000:6.1f} ms per project"]
    for count, timing in sorted(bench.units_rows.items()):
        per_project = timing.seconds / (count * p)
        lines.append(f"{f'{count} units × {p} projects':<34}{timing.cell():>20}   {per_project * 1000:6.1f} ms per project"
                     f"   ({per_project / (single.seconds / p):.2f}× one unit's)")
    counts = sorted(bench.units_rows)
    if len(counts) > 1:
        small, big = bench.units_rows[counts[0]], bench.units_rows[counts[-1]]
        lines.append(f"peak memory, {counts[-1]} units / {counts[0]} units: {big.peak_mb / small.peak_mb:.2f}×"
                     f"   (units: {counts[-1] / counts[0]:.0f}×; flat is 1.0)")
    lines += [f"{count} units: {check}" for count, check in sorted(bench.units_checks.items())]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="numbers of projects (default 10,100,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each command (median)")
    parser.add_argument("--docxtpl-repeat", type=int, default=0, help="repetitions of the slow docxtpl script")
    parser.add_argument("--jobs", type=int, default=2, help="the -j of the parallel build row")
    parser.add_argument("--python", default=sys.executable, help="the Python for the alternatives")
    parser.add_argument("--perfdoc", help="the perfdoc command (default: see above)")
    parser.add_argument("--no-docxtpl", action="store_true", help="leave the docxtpl script out")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--units", default="", help="also build this many unit folders at once, e.g. 50,200")
    parser.add_argument("--unit-projects", type=int, default=25, help="projects in each of those units")
    args = parser.parse_args(argv)
    bench = Bench(args)
    load_at_start = load_average()
    work = args.work or Path(tempfile.mkdtemp(prefix="perfdoc-bench-"))
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            bench.run_size(n, work / str(n))
        startup = bench.run_startup(work / str(min(bench.results)))
        if args.units:
            bench.run_units([int(s) for s in args.units.split(",")], args.unit_projects, work / "units")
    except CommandFailed as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join([*machine(bench, load_at_start), *table(bench, startup), *ratios(bench), *units_table(bench),
                     f"load average (1, 5, 15 min) at end: {load_average()}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
