"""What every command shares: the options, running a step with its mistakes turned into messages,
and printing problems with the exit code they mean."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from ..input.folder import UsageError

PROGRESS_AFTER = 1.0  # seconds a build runs before it shows a progress bar


SPEC_FOLDER = click.Path(exists=True, path_type=Path)


def _existing_folders(ctx, param, folders):
    """Refuse a --templates folder that is not there, in one line rather than click's usage text."""
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            click.echo(f"perfdoc: {folder} 是文件，不是模板文件夹（--templates 应指向放 .docx 与 .yaml 的文件夹）", err=True)
            ctx.exit(2)
        if not folder.is_dir():
            click.echo(f"perfdoc: 模板文件夹不存在：{folder}", err=True)
            ctx.exit(2)
    return folders


OTHER_SPECS_OPTION = click.option(
    "--replace-other-specs", "replace_other", is_flag=True,
    help="输出文件夹已由另一个规格文件夹生成时，仍写入它：删除那些规格的文档，改由本规格文件夹生成"
         "（不加时拒绝写入，以免两个单位或申报表与自评表互相覆盖）。")


TEMPLATES_OPTION = click.option(
    "--templates", "templates", multiple=True, type=click.Path(path_type=Path), callback=_existing_folders,
    help="额外的表式/模板文件夹（可重复）：同名 .docx 覆盖内置模板，.yaml 定义新表式。")


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
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        if ctx.obj.get("debug"):
            raise
        if isinstance(exc, _mistakes()):
            from ..input.problems import visible  # a project's name may hold an ESC or a U+202E
            click.echo(f"perfdoc: {visible(str(exc))}", err=True)
            sys.exit(2 if isinstance(exc, UsageError) else 1)
        if isinstance(exc, OSError):
            click.echo(f"perfdoc: 无法写入：{exc.filename or ''} {exc.strerror or exc}", err=True)
            sys.exit(1)
        raise


# The exceptions that mean a mistake to report, by the module that defines each. Such a module
# is not imported just to catch its exception: if it was never loaded, it raised nothing (and
# a build that finds nothing changed loads neither the kinds, nor -j, nor the workbook).
_MISTAKES = (("perfdoc.input.folder", "UsageError"), ("perfdoc.input.kinds", "KindError"),
             ("perfdoc.make.parallel", "WorkerDied"), ("perfdoc.output.xlsx", "CellTooLong"))


def _mistakes() -> tuple[type, ...]:
    """The mistake exceptions of the modules loaded so far (TemplateError is a KindError)."""
    return tuple(getattr(sys.modules[module], name) for module, name in _MISTAKES if module in sys.modules)


def _report(problems, output_format: str, err: bool, notes: bool = True, strict: bool = False) -> None:
    """Print problems and the summary line; without `notes`, infos are only counted."""
    from ..input.problems import count, summarize
    if output_format == "json":
        counts = count(problems)
        click.echo(json.dumps({"problems": [p.as_dict() for p in problems], "summary": summarize(problems),
                               "errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"],
                               "strict": strict, "exit_code": _exit_code(problems, strict)},
                              ensure_ascii=False, indent=2))
        return
    # one write for all the lines: thousands of warnings cost what reading them costs
    lines = [problem.format() for problem in problems if notes or problem.severity != "info"]
    if lines:
        click.echo("\n".join(lines), err=err)
    summary = summarize(problems)
    if not notes and any(p.severity == "info" for p in problems):
        summary += "（提示未列出，用 perfdoc validate 查看）"
    click.echo(summary, err=err)


def _exit_code(problems, strict: bool) -> int:
    if any(p.is_error for p in problems):
        return 1
    if strict and any(p.severity == "warning" for p in problems):
        return 1
    return 0
