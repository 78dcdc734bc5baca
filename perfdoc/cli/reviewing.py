"""Commands for the reader: diff (what changed) and serve (the forms in a browser)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import TEMPLATES_OPTION, _run


DIFF_OUTPUTS = {".docx": "Word 对照表", ".xlsx": "Excel 对照表", ".md": "markdown", ".json": "json"}


def _pairs(ctx, param, values):
    pairs = []
    for value in values:
        old, equals, new = value.partition("=")
        if not equals or not old.strip() or not new.strip():
            raise click.BadParameter(f"“{value}”应写作 原项目=现项目（项目名称或文件名）")
        pairs.append((old.strip(), new.strip()))
    return pairs


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text",
              help="输出格式：text（终端，默认）、markdown（合并请求）、json（脚本与 CI，键见 README）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="写入文件而不打印：.docx（Word 对照表）、.xlsx（Excel 对照表）、.md、.json。")
@click.option("--pair", "pairs", multiple=True, callback=_pairs, metavar="原=现",
              help="指定两个项目为同一项目（项目名称或文件名），可重复；其余按名称和内容配对。")
@click.option("--exit-code", is_flag=True, help="有差别时退出码为 1（如 git diff --exit-code）。")
@click.option("--color", "colour", type=click.Choice(["auto", "always", "never"]), default="auto",
              help="text 格式是否着色：auto（默认，终端中着色）、always、never。")
@TEMPLATES_OPTION
@click.pass_context
def diff(ctx, old: str, new: str, output_format: str, output: Path | None, pairs, exit_code: bool,
         colour: str, templates) -> None:
    """比较同一单位两个版本的规格，按表格的栏目说出改了什么。

    \b
    OLD、NEW 是规格文件夹或项目文件，也可以是 git 修订中的（修订:路径，不用检出）：
    perfdoc diff specs/2025 specs/2026
    perfdoc diff v2025-报送:specs/2025 specs/2025      与报送时的版本比较
    perfdoc diff HEAD~1:specs/2026 specs/2026 -o 对照表.docx
    """
    import tempfile
    from ..workflow import diffreport
    from ..workflow.diff import compare, read_side, rows
    if output is not None and output.suffix.lower() not in DIFF_OUTPUTS:
        raise click.BadParameter(f"不认识的文件类型“{output.suffix}”（可用：{'、'.join(DIFF_OUTPUTS)}）",
                                 param_hint="-o")
    with tempfile.TemporaryDirectory(prefix="perfdoc-diff-") as workdir:
        sides = [_run(ctx, read_side, source, cwd=Path.cwd(), workdir=Path(workdir), templates=list(templates))
                 for source in (old, new)]
        comparison = _run(ctx, compare, *sides, pinned=pairs)
    for note in sides[0].notes + sides[1].notes:
        click.echo(note, err=True)
    suffix = output.suffix.lower() if output else None
    if suffix in (".docx", ".xlsx"):
        from ..output.comparison import docx_bytes, xlsx_bytes
        from ..output.files import write_atomic
        write = docx_bytes if suffix == ".docx" else xlsx_bytes
        data = write(diffreport.title(comparison), diffreport.subtitle(comparison), rows(comparison))
        _run(ctx, write_atomic, output, data)
        click.echo(f"已生成 {output}（{diffreport.summary_line(comparison)}）")
    else:
        output_format = {".md": "markdown", ".json": "json"}.get(suffix, output_format)
        if output_format == "json":
            text = diffreport.json_report(comparison)
        elif output_format == "markdown":
            text = diffreport.markdown_report(comparison)
        else:
            tty = sys.stdout.isatty() if output is None else False
            text = diffreport.text_report(comparison, colour=colour == "always" or (colour == "auto" and tty))
        if output is None:
            click.echo(text, nl=False, color=True)
        else:
            from ..output.files import write_atomic
            _run(ctx, write_atomic, output, text.encode("utf-8"))
            click.echo(f"已生成 {output}（{diffreport.summary_line(comparison)}）")
    sys.exit(1 if exit_code and comparison.has_changes else 0)


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口（只在本机 127.0.0.1 上打开）；0 表示任选一个空闲端口。")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="perfdoc build 的输出文件夹，页面上提供其中文档的下载（默认与 build 相同）。")
@TEMPLATES_OPTION
@click.pass_context
def serve(ctx, folder: Path, port: int, output: Path | None, templates) -> None:
    """在浏览器中预览表格：每个项目的表、汇总表，问题标在所在的单元格上；保存规格后页面自动更新。"""
    from ..workflow.serve import start
    server = _run(ctx, start, folder, port=port, output=output, templates=list(templates))
    click.echo(f"预览 {folder}：http://127.0.0.1:{server.port}/ （保存规格后页面自动更新；Ctrl-C 结束）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("预览已结束")
    finally:
        server.stop()
