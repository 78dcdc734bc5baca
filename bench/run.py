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
    """Every run of one command: wall clock and peak memory, run i in round i of the table."""
    runs: list[float]
    peaks: list[float]

    @property
    def seconds(self) -> float:
        return statistics.median(self.runs)

    @property
    def peak_mb(self) -> float:
        return max(self.peaks)

    def cell(self) -> str:
        return f"{self.seconds:7.2f} s {self.peak_mb:5.0f} MB"


def paired(top: Timing, bottom: Timing) -> list[float]:
    """The ratio of the two commands' runs in the same round: the machine's drift (other work
    on a shared machine) touches both sides of a pair alike."""
    return [a / b for a, b in zip(top.runs, bottom.runs)]


class CommandFailed(Exception):
    pass


def run_once(command: list[str], exit_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run a command to its end; return (seconds, peak MB of that process alone)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode not in exit_codes:
        raise CommandFailed(f"{shlex.join(command)} exited with {process.returncode}:\n"
                            f"{stderr.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


@dataclass
class Step:
    """One row's command, what to do untimed before each run, and what to check after the last."""
    name: str
    command: list[str]
    before: Callable[[int], None] | None = None
    rounds: int = 0  # 0: every round
    exit_codes: tuple[int, ...] = (0,)  # validate of specs with errors exits 1, as it should


def measure_rounds(steps: list[Step], repeat: int) -> dict[str, Timing]:
    """Run the steps in turn, `repeat` rounds: A B C … A B C …, so that run i of every row is
    from the same stretch of time and ratios can be taken pair by pair."""
    rows = {step.name: Timing([], []) for step in steps}
    for i in range(repeat):
        for step in steps:
            if step.rounds and i >= step.rounds:
                continue
            if step.before:
                step.before(i)
            seconds, peak = run_once(step.command, step.exit_codes)
            rows[step.name].runs.append(seconds)
            rows[step.name].peaks.append(peak)
    return rows


def measure(command: list[str], repeat: int, before: Callable[[int], None] | None = None) -> Timing:
    """One command alone, `repeat` times (calling `before(i)` first, untimed)."""
    return measure_rounds([Step("", command, before)], repeat)[""]


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


def same_parts(a: Path, b: Path) -> bool:
    """The same documents, part by part once unzipped (the compressed bytes may differ)."""
    import zipfile
    names = sorted(p.name for p in a.glob("*.docx"))
    if names != sorted(p.name for p in b.glob("*.docx")):
        return False
    for name in names:
        with zipfile.ZipFile(a / name) as x, zipfile.ZipFile(b / name) as y:
            if [i.filename for i in x.infolist()] != [i.filename for i in y.infolist()] or \
                    any(x.read(i) != y.read(i.filename) for i in x.infolist()):
                return False
    return True


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
        self.pending_checks: list[Callable[[], None]] = []
        self.checks: dict[int, dict[str, str]] = {}
        self.units_rows: dict[int, Timing] = {}
        self.units_checks: dict[int, str] = {}

    def script(self, name: str) -> list[str]:
        return [*self.python, str(BENCH / name)]

    def run_size(self, n: int, work: Path) -> None:
        """Every row of one column of the table: a fresh unit of n projects, each command on it,
        round by round."""
        specs, out = work / "specs", work / "perfdoc"
        self.generate(n, specs)
        checks: dict[str, str] = {}
        steps = [*self.perfdoc_steps(specs, out, work, checks), *self.alternatives(specs, work)]
        rows = measure_rounds(steps, self.args.repeat)
        if self.args.problems:
            rows.update(self.with_problems(n, work))
        # checked after every timing: reading 1000 documents grows this process, and a command
        # started from a large process reports that size as its own peak (ru_maxrss of the fork)
        self.pending_checks.append(lambda: self.check(specs, out, work, checks))
        self.results[n], self.checks[n] = rows, checks

    def generate(self, n: int, specs: Path, *flags: str) -> None:
        """Write the unit in a child process: each command's peak memory is read from wait4, and
        a child forked from a parent that had generated 10,000 specs would start that large."""
        subprocess.run([*self.script("generate.py"), str(n), str(specs), *flags], check=True)

    def perfdoc_steps(self, specs: Path, out: Path, work: Path, checks: dict) -> list[Step]:
        jobs, parallel = self.args.jobs, work / f"perfdoc-j{self.args.jobs}"
        edited, original = self.edited(specs)

        def fresh(i: int) -> None:  # the edited spec as generated, no output yet
            edited.write_text(original, encoding="utf-8")
            clear(out)(i)

        def edit(i: int) -> None:  # a different comment each time: new bytes, the same form
            edited.write_text(original + f"# edit {i}\n", encoding="utf-8")

        return [Step("validate", [*self.perfdoc, "validate", str(specs)]),
                Step("libyaml parse only", [*self.script("libyaml_parse.py"), str(specs)]),
                Step("diff of two folders", [*self.perfdoc, "diff", str(specs), str(edited_copy(specs, work))]),
                Step("build", self.build(specs, out), fresh),
                Step(f"build -j {jobs}", [*self.build(specs, parallel), "-j", str(jobs)], clear(parallel)),
                Step("rebuild, nothing changed", self.build(specs, out)),
                Step("rebuild, one spec changed", self.build(specs, out), edit)]

    @staticmethod
    def edited(specs: Path) -> tuple[Path, str]:
        """The spec the one-spec-changed rebuild edits, and its text as generated."""
        projects = sorted(specs.glob("[0-9]*.yaml"))
        edited = projects[len(projects) // 2]
        return edited, edited.read_text(encoding="utf-8").split("# edit ")[0]

    def alternatives(self, specs: Path, work: Path) -> list[Step]:
        near, tight, docxtpl = work / "near-limit", work / "tightened", work / "docxtpl"
        steps = [Step("near-limit writer", [*self.script("near_limit.py"), str(specs), str(near)], clear(near)),
                 Step("tightened writer", [*self.script("tight_writer.py"), str(specs), str(tight)], clear(tight))]
        if self.has_docxtpl:
            steps.append(Step("docxtpl script", [*self.script("docxtpl_script.py"), str(specs), str(docxtpl)],
                              clear(docxtpl), self.args.docxtpl_repeat or self.args.repeat))
        return steps

    def check(self, specs: Path, out: Path, work: Path, checks: dict) -> None:
        """After the rounds: what rebuilds rewrite, and the same documents whoever wrote them."""
        edited, original = self.edited(specs)
        edited.write_text(original, encoding="utf-8")
        run_once(self.build(specs, out))  # the last round left the edited spec built
        before = modification_times(out)
        run_once(self.build(specs, out))
        checks["files rewritten by the unchanged rebuild"] = str(len(rewritten(before, out)))
        edited.write_text(original + "# edit\n", encoding="utf-8")
        before = modification_times(out)
        run_once(self.build(specs, out))
        checks["files rewritten when one spec changed"] = ", ".join(rewritten(before, out))
        edited.write_text(original, encoding="utf-8")
        run_once(self.build(specs, out))
        jobs = self.args.jobs
        checks[f"-j {jobs} output identical to serial"] = yes(same_files(out, work / f"perfdoc-j{jobs}"))
        checks["perfdoc and the tightened writer write the same bytes"] = yes(same_files(out, work / "tightened"))
        checks["perfdoc and near-limit write the same XML (every part)"] = yes(same_parts(out, work / "near-limit"))

    def with_problems(self, n: int, work: Path) -> dict[str, Timing]:
        """validate against the libyaml parse on the same unit with problems planted in it, and
        on the unit with another office's slips (misspelt columns, comments in values…)."""
        rows = {}
        for flag, label in (("--problems", "many problems"), ("--slips", "slips")):
            specs = work / f"specs{flag}"
            self.generate(n, specs, flag)
            rows.update({f"{name} ({label})": timing for name, timing in measure_rounds(
                [Step("validate", [*self.perfdoc, "validate", str(specs)], exit_codes=(1,) if flag == "--slips" else (0,)),
                 Step("libyaml parse only", [*self.script("libyaml_parse.py"), str(specs)])],
                self.args.repeat).items()})
        return rows

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
        out = work / "one"
        return measure_rounds([Step("perfdoc --help", [*self.perfdoc, "--help"]),
                               Step("perfdoc validate <one spec>", [*self.perfdoc, "validate", str(one)]),
                               Step("perfdoc build <one spec>", self.build(one, out), clear(out)),
                               Step("python -c pass", [*self.python, "-c", "pass"])],
                              max(5, 3 * self.args.repeat))


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
            f"load average (1, 5, 15 min) at start: {load_at_start}", bytecode(bench)]


def compile_checkout(python: str) -> None:
    """Compile the checkout's modules before timing, as `pip install` does for an installed
    perfdoc. Where PYTHONDONTWRITEBYTECODE is set (as on some CI machines), `python -m perfdoc`
    from a checkout would otherwise compile every module again at every start — about 0.05 s,
    half of a one-spec validate — a cost no installed perfdoc pays. The library the baselines
    use (PyYAML, Jinja2) is installed, hence compiled, already."""
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "perfdoc")], check=True)


def bytecode(bench: Bench) -> str:
    """Whether the commands start from compiled modules."""
    if not bench.args.perfdoc:
        return "bytecode: the checkout's modules compiled before timing (compileall), as an installed perfdoc's are"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return ("bytecode: PYTHONDONTWRITEBYTECODE is set — modules without a cached .pyc are compiled "
                "at every start (the start-up rows include it)")
    return "bytecode: cached as Python does by default"


def table(bench: Bench, startup: dict[str, Timing]) -> list[str]:
    sizes = sorted(bench.results)
    names = list(dict.fromkeys(name for rows in bench.results.values() for name in rows))
    width = max(len(n) for n in [*names, *startup]) + 2
    lines = [f"median of {bench.args.repeat} runs: wall clock; largest peak memory of the process", "",
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


RATIOS = [  # (label, top row, bottom row): each the median, min and max of the per-round ratios
    ("build / near-limit writer        (target ≤ 1.0)", "build", "near-limit writer"),
    ("build / tightened writer", "build", "tightened writer"),
    ("docxtpl / build, how much faster", "docxtpl script", "build"),
    ("build -j {jobs} / build           (≤ 1.0)", "build -j {jobs}", "build"),
    ("validate / libyaml parse         (target ≤ 1.15)", "validate", "libyaml parse only"),
    ("  the same, many problems        (target ≤ 1.15)", "validate (many problems)",
     "libyaml parse only (many problems)"),
    ("  the same, another office's slips (≤ 1.15)", "validate (slips)", "libyaml parse only (slips)"),
]
STARTUP_RATIOS = [("perfdoc --help / python -c pass", "perfdoc --help"),
                  ("validate <one spec> / python -c pass", "perfdoc validate <one spec>"),
                  ("build <one spec> / python -c pass", "perfdoc build <one spec>")]


def spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"


def ratios(bench: Bench, startup: dict[str, Timing]) -> list[str]:
    sizes = sorted(bench.results)
    lines = ["", "ratios, paired by round: median (min–max)".ljust(50)
             + "".join(f"N = {n}".rjust(24) for n in sizes)]
    for label, top, bottom in RATIOS:
        top, bottom = top.format(jobs=bench.args.jobs), bottom.format(jobs=bench.args.jobs)
        cells = [spread(paired(rows[top], rows[bottom])) if top in rows and bottom in rows else "n/a"
                 for rows in (bench.results[n] for n in sizes)]
        lines.append(label.format(jobs=bench.args.jobs).ljust(50) + "".join(c.rjust(24) for c in cells))
    lines.append("diff / validate of both folders (target ≤ 1)".ljust(50) + "".join(
        spread([d / (2 * v) for d, v in zip(bench.results[n]["diff of two folders"].runs,
                                             bench.results[n]["validate"].runs)]).rjust(24) for n in sizes))
    for big, small in zip(sizes[1:], sizes):
        for name in ("validate", "build", "rebuild, nothing changed", "near-limit writer"):
            a, b = bench.results[big].get(name), bench.results[small].get(name)
            if a and b:
                lines.append(f"scaling {name}, N = {big} / N = {small}".ljust(50) + f"{a.seconds / b.seconds:9.2f}×")
    lines.append("")
    for label, name in STARTUP_RATIOS:
        lines.append(label.ljust(50) + spread(paired(startup[name], startup["python -c pass"])).rjust(24))
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
    parser.add_argument("--problems", action="store_true",
                        help="also validate a unit with problems planted in every spec (the many-problems row)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--units", default="", help="also build this many unit folders at once, e.g. 50,200")
    parser.add_argument("--unit-projects", type=int, default=25, help="projects in each of those units")
    args = parser.parse_args(argv)
    bench = Bench(args)
    if not args.perfdoc:
        compile_checkout(args.python)
    load_at_start = load_average()
    work = args.work or Path(tempfile.mkdtemp(prefix="perfdoc-bench-"))
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            bench.run_size(n, work / str(n))
        startup = bench.run_startup(work / str(min(bench.results)))
        if args.units:
            bench.run_units([int(s) for s in args.units.split(",")], args.unit_projects, work / "units")
        for check in bench.pending_checks:
            check()
    except CommandFailed as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join([*machine(bench, load_at_start), *table(bench, startup), *ratios(bench, startup),
                     *units_table(bench),
                     f"load average (1, 5, 15 min) at end: {load_average()}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
