"""The perfdoc command line: the only module that prints or exits.

Exit codes: 0 clean (or warnings only), 1 problems found, 2 usage (click's own).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from . import __version__

PROGRESS_AFTER = 1.0  # seconds a build runs before it shows a progress bar
SPEC_FOLDER = click.Path(exists=True, path_type=Path)
TEMPLATES_OPTION = click.option(
    "--templates", "templates", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="额外的表式/模板文件夹（可重复）：同名 .docx 覆盖内置模板，.yaml 定义新表式。")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfdoc")
@click.option("--debug", is_flag=True, hidden=True, help="出错时显示 Python 回溯。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """perfdoc：把项目绩效目标的 YAML 规格打印成官方 Word 表格。

    \b
    perfdoc validate specs/2025   检查规格，按“文件:行:列”报告问题
    perfdoc build specs/2025      生成每个项目的申报表和单位的汇总表
    """
    ctx.obj = {"debug": debug}


@main.command()
@click.argument("target", type=SPEC_FOLDER)
@click.option("--strict", is_flag=True, help="把警告也当作错误（退出码 1）。")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="输出格式：text（默认）或 json。")
@TEMPLATES_OPTION
@click.pass_context
def validate(ctx, target: Path, strict: bool, output_format: str, templates) -> None:
    """检查一个单位的规格文件夹（或其中一个项目文件）。"""
    from .pipeline import read_specs
    specs = _run(ctx, read_specs, target, templates=list(templates))
    _report(specs.problems, output_format, err=False)
    sys.exit(_exit_code(specs.problems, strict))


@main.command()
@click.argument("target", type=SPEC_FOLDER)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹（默认 output/<年度>）。")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="同时生成的进程数；0 表示每个 CPU 核一个。结果与单进程逐字节相同。")
@click.option("--force", is_flag=True, help="全部重新生成，即使规格、模板和 perfdoc 都没有变化。")
@TEMPLATES_OPTION
@click.pass_context
def build(ctx, target: Path, output: Path | None, jobs: int, force: bool, templates) -> None:
    """检查规格并生成 Word 文档：每个项目一份，另加单位的汇总表。

    再次生成时只重写输入有变化的文档（输出文件夹中的 .perfdoc-manifest.json 记录了每份文档的来源）。
    """
    from .pipeline import build as run_build
    progress = ProgressBar(click.get_text_stream("stderr"))
    try:
        result = _run(ctx, run_build, target, output=output, templates=list(templates),
                      jobs=jobs or os.cpu_count() or 1, force=force, progress=progress)
    finally:
        progress.finish()
    _report(result.specs.problems, "text", err=True)
    for path, why in result.skipped:
        click.echo(f"{path}: 未生成：{why}", err=True)
    for path in result.removed:
        click.echo(f"已删除过期的 {path}", err=True)
    for path in result.written:
        click.echo(f"已生成 {path}")
    if result.unchanged:
        click.echo(f"{len(result.unchanged)} 份文档的规格、模板和 perfdoc 都没有变化，未重写")
    sys.exit(_exit_code(result.specs.problems, strict=False))


class ProgressBar:
    """click's progress bar for a build, on stderr, shown only at a terminal and only once the
    build has run PROGRESS_AFTER seconds: a quick build, or one piped into a log, stays quiet."""

    def __init__(self, stream, clock=time.monotonic):
        self.stream, self.clock = stream, clock
        self.started = clock()
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if done >= total or self.clock() - self.started < PROGRESS_AFTER or not self.stream.isatty():
                return
            self.bar = click.progressbar(length=total, label="生成文档", file=self.stream)
        self.bar.update(done - self.bar.pos)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


def _run(ctx, fn, *args, **kwargs):
    """Run a pipeline step, turning a usage or template mistake into a message, not a traceback."""
    from .kinds import KindError, TemplateError
    from .pipeline import UsageError
    try:
        return fn(*args, **kwargs)
    except (UsageError, KindError, TemplateError) as exc:
        if ctx.obj.get("debug"):
            raise
        click.echo(f"perfdoc: {exc}", err=True)
        sys.exit(2 if isinstance(exc, UsageError) else 1)
    except OSError as exc:
        if ctx.obj.get("debug"):
            raise
        click.echo(f"perfdoc: 无法写入：{exc.filename or ''} {exc.strerror or exc}", err=True)
        sys.exit(1)


def _report(problems, output_format: str, err: bool) -> None:
    from .problems import summarize
    if output_format == "json":
        click.echo(json.dumps({"problems": [p.as_dict() for p in problems], "summary": summarize(problems)},
                              ensure_ascii=False, indent=2))
        return
    for problem in problems:
        click.echo(problem.format(), err=err)
    click.echo(summarize(problems), err=err)


def _exit_code(problems, strict: bool) -> int:
    if any(p.is_error for p in problems):
        return 1
    if strict and any(p.severity == "warning" for p in problems):
        return 1
    return 0
