"""The perfdoc command line: the only module that prints or exits.

Exit codes: 0 clean (or warnings only), 1 problems found, 2 usage (click's own).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__

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
    perfdoc selfeval init specs/2025   由申报表规格生成该年自评表的规格
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
@TEMPLATES_OPTION
@click.pass_context
def build(ctx, target: Path, output: Path | None, templates) -> None:
    """检查规格并生成 Word 文档：每个项目一份，另加单位的汇总表。"""
    from .pipeline import build as run_build
    result = _run(ctx, run_build, target, output=output, templates=list(templates))
    _report(result.specs.problems, "text", err=True)
    for path, why in result.skipped:
        click.echo(f"{path}: 未生成：{why}", err=True)
    for path in result.written:
        click.echo(f"已生成 {path}")
    sys.exit(_exit_code(result.specs.problems, strict=False))


@main.group()
def selfeval() -> None:
    """年度终了后的绩效自评（自评表）。"""


@selfeval.command("init")
@click.argument("source", type=SPEC_FOLDER)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="自评规格的文件夹（默认：与 SOURCE 同级的 <SOURCE>-自评，如 specs/2025-自评）。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件。")
@TEMPLATES_OPTION
@click.pass_context
def selfeval_init(ctx, source: Path, output: Path | None, force: bool, templates) -> None:
    """由一年的申报表规格生成该年自评表的规格：指标及其年度指标值照录，分值按标准权重拟定，实际完成情况留待填写。"""
    from .scaffold import scaffold_selfeval
    result = _run(ctx, scaffold_selfeval, source, output=output, force=force, templates=list(templates))
    if result.specs.has_errors:
        _report(result.problems, "text", err=True)
        click.echo(f"perfdoc: {source} 的申报表规格有错误，未生成自评表规格", err=True)
        sys.exit(1)
    for note in result.notes:
        click.echo(note, err=True)
    for path in result.existing:
        click.echo(f"{path}: 已存在，未覆盖（要覆盖请加 --force）", err=True)
    for path in result.written:
        click.echo(f"已生成 {path}")
    sys.exit(1 if result.existing else 0)


def _run(ctx, fn, *args, **kwargs):
    """Run a pipeline step, turning a usage or template mistake into a message, not a traceback."""
    from .docxjinja import TemplateError
    from .kinds import KindError
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
