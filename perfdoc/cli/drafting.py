"""Commands that write specs: init, selfeval init, next, import, fmt."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import SPEC_FOLDER, TEMPLATES_OPTION, _exit_code, _report, _run


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--单位", "--unit", "unit_name", help="单位全称（不写时留待在 单位.yaml 中填写）。")
@click.option("--年度", "--year", "year", type=click.IntRange(1990, 2100),
              help="年度（默认取文件夹名开头的四位年份，如 specs/2027；否则为今年）。")
@click.option("--表式", "--form", "kind_name", help="表式（默认为该年度的默认表式；可用的见 perfdoc forms）。")
@TEMPLATES_OPTION
@click.pass_context
def init(ctx, folder: Path, unit_name: str | None, year: int | None, kind_name: str | None, templates) -> None:
    """新建一个单位一年的规格：单位.yaml 和一个带注释的项目骨架（不覆盖已有文件）。

    \b
    perfdoc init specs/2027 --单位 某某中学
    然后填写空着的栏目，perfdoc validate specs/2027 列出还没填的（to-fill）。
    """
    from ..workflow.init import init_unit
    result = _run(ctx, init_unit, folder, unit_name=unit_name, year=year, kind_name=kind_name,
                  templates=list(templates))
    for path in result.existing:
        click.echo(f"{path}: 已存在，未覆盖", err=True)
    for path in result.written:
        click.echo(f"已生成 {path}")
    if result.written:
        click.echo(f"{result.year} 年度，表式“{result.kind.name}”。填写空着的栏目后运行 perfdoc validate {folder}；"
                   f"每个项目一个文件（复制 01_项目.yaml）。", err=True)
    sys.exit(0 if result.written else 1)


@click.group()
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
    from ..workflow.scaffold import scaffold_selfeval
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


@click.command("next")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="下一年度规格的文件夹（默认：把 SOURCE 文件夹名中的年度加一，如 specs/2025 → specs/2026）。")
@click.option("--force", is_flag=True, help="覆盖下一年度文件夹中已有的同名文件。")
@TEMPLATES_OPTION
@click.pass_context
def next_year(ctx, source: Path, output: Path | None, force: bool, templates) -> None:
    """由本年度的规格生成下一年度的规格，并列出要核对的地方（文件:行）。

    只改动文字本身：年度加一，日期推后一年（月末仍为月末，含 2 月 29 日），注释、键的顺序和写法原样保留。
    年度资金、成本上限、年度总体目标和文字中提到的往年照录，列出待核对；下一年度表式新要求的一级指标
    加一空行。不会覆盖已有文件，除非加 --force。
    """
    from ..workflow.rollover import roll_forward
    result = _run(ctx, roll_forward, source, output=output, force=force, templates=list(templates))
    if result.specs.unit is None or result.specs.has_errors:
        _report(result.specs.problems, "text", err=True, notes=False)
        click.echo(f"perfdoc: {source} 的规格有错误，未生成下一年度的规格", err=True)
        sys.exit(1)
    for path in result.existing:
        click.echo(f"{path}: 已存在，未覆盖（要覆盖请加 --force）", err=True)
    if result.existing:
        click.echo(f"perfdoc: 未生成任何文件：用 -o 另选文件夹，或加 --force 覆盖 {result.folder} 中的同名文件", err=True)
        sys.exit(1)
    for line in result.done:
        click.echo(f"已生成 {line}")
    for path in result.others:
        click.echo(f"{path}: 原已在 {result.folder} 中，未改动", err=True)
    click.echo(f"请核对以下 {len(result.review)} 处（{result.year} 年度的规格中沿用上一年度的内容）：")
    for review in result.review:
        click.echo(review.format())
    click.echo(f"然后运行 perfdoc validate {result.folder}")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="写入规格的文件夹，如 specs/2025（单位.yaml 和每个项目一个 01_<项目名称>.yaml）。")
@click.option("--kind", help="表式（申报表、自评表、目标表2020 …）；不写时按表中的栏目判断。")
@click.option("--force", is_flag=True, help="覆盖文件夹中已有的规格文件。")
@TEMPLATES_OPTION
@click.pass_context
def import_command(ctx, files, output: Path, kind: str | None, force: bool, templates) -> None:
    """由已有的表格生成规格：Word（.docx）、PDF（.pdf）、Excel（.xlsx）。

    \b
    perfdoc import 2024年汇总表.docx -o specs/2024          一份汇总表（多个项目）或单个项目的表
    perfdoc import 项目一.docx 项目二.docx -o specs/2025     多个文件合为一个单位
    perfdoc import 汇总表.pdf -o specs/2025                  网上公开的 PDF（扫描件不能导入）
    perfdoc import 指标.xlsx -o specs/2025                   预算系统导出的指标表或 perfdoc 导出的 Excel

    读不准的地方逐条列出（文件、第几个表第几行、写入了哪一栏）；写完后照 validate 检查一遍。
    """
    from ..workflow.importing import import_files
    result = _run(ctx, import_files, list(files), output=output, kind=kind, force=force, templates=list(templates))
    for path, why in result.refused:
        click.echo(f"{path}: 未导入：{why}", err=True)
    if result.refused:
        click.echo("perfdoc: 没有写入任何文件", err=True)
        sys.exit(1)
    for path in result.existing:
        click.echo(f"{path}: 已存在，未覆盖（要覆盖请加 --force）", err=True)
    if result.existing:
        click.echo("perfdoc: 没有写入任何文件", err=True)
        sys.exit(1)
    for doubt in result.doubts:
        click.echo(f"待核对：{doubt.format()}", err=True)
    for path in result.written:
        click.echo(f"已生成 {path}")
    _report(result.problems, "text", err=True)
    sys.exit(_exit_code(result.problems, strict=False))


@click.command()
@click.argument("target", type=SPEC_FOLDER)
@click.option("--write", is_flag=True, help="直接改写文件（默认只显示差异）。")
@click.option("--check", is_flag=True, help="有需要改写的值时退出码为 1（用于 CI）。")
@TEMPLATES_OPTION
@click.pass_context
def fmt(ctx, target: Path, write: bool, check: bool, templates) -> None:
    """把指标值改成系统格式（=2(场) → =2.00(场)，(百分比) → (%)，去掉多余空格）。

    默认只显示差异；--write 才改写文件。只改动这些值本身，注释、键的顺序和其他内容原样保留。
    """
    from ..workflow.normalize import normalize, write_respelt
    results, problems = _run(ctx, normalize, target, templates=list(templates))
    for problem in problems:
        click.echo(problem.format(), err=True)
    for result in results:
        for line in result.kept_messages():
            click.echo(line, err=True)
    changed = [r for r in results if r.changes]
    for result in changed:
        if write:
            _run(ctx, write_respelt, result)
            click.echo(f"已改写 {result.path}（{len(result.changes)} 处）")
        else:
            click.echo(result.diff(), nl=False)
    total = sum(len(r.changes) for r in changed)
    click.echo(f"{len(changed)} 个文件中有 {total} 处指标值{'已改为' if write else '可改为'}系统格式", err=True)
    sys.exit(1 if problems or (check and changed and not write) else 0)
