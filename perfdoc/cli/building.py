"""validate, build and pdf: check a unit (or a folder of units) and print its forms."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .common import OTHER_SPECS_OPTION, SPEC_FOLDER, TEMPLATES_OPTION, ProgressBar, _exit_code, _report, _run


@click.command()
@click.argument("target", type=SPEC_FOLDER)
@click.option("--strict", is_flag=True, help="把警告也当作错误（退出码 1）。")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="输出格式：text（默认）或 json。")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="多个单位时同时检查的进程数；0 表示每个 CPU 核一个。")
@TEMPLATES_OPTION
@click.pass_context
def validate(ctx, target: Path, strict: bool, output_format: str, templates, jobs: int = 1) -> None:
    """检查一个单位的规格文件夹（或其中一个项目文件），以及生成时要用的表式定义和 Word 模板；
    TARGET 下是多个单位文件夹时逐个检查，并做跨单位检查。"""
    from ..make.pipeline import validate_specs
    from ..make.units import is_units_folder
    if is_units_folder(target):
        _validate_units(ctx, target, strict, output_format, list(templates), jobs or os.cpu_count() or 1)
    _note_nested_units(target)
    specs = _run(ctx, validate_specs, target, templates=list(templates))
    code = _exit_code(specs.problems, strict)
    _report(specs.problems, output_format, err=False, strict=strict)
    if output_format == "text" and code and strict and not any(p.is_error for p in specs.problems):
        click.echo("--strict：警告也算失败，退出码为 1")
    sys.exit(code)


@click.command()
@click.argument("target", type=SPEC_FOLDER)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹（默认 output/ 下与规格文件夹同名的路径，如 specs/2025 → output/2025）。")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="同时生成的进程数上限；0 表示每个 CPU 核一个。项目少（每进程不足 1000 个）或 CPU 正忙时"
                   "只用一个进程，因为多开进程反而更慢。结果与单进程逐字节相同。")
@click.option("--force", is_flag=True, help="全部重新生成，即使规格、模板和 perfdoc 都没有变化。")
@click.option("--comments", type=click.Choice(["warnings", "all"]), is_flag=False, flag_value="warnings",
              default=None, help="把每个警告（和错误）作为 Word 批注写在它所在的单元格上，作者为 perfdoc；"
                                 "--comments=all 连提示也写（写在规格文件夹之后：perfdoc build specs/2025 --comments）。"
                                 "不加此项时文档与以前逐字节相同。")
@click.option("--pdf", "make_pdf", is_flag=True,
              help="同时在文档旁生成 PDF（LibreOffice，只转换 PDF 缺失或过期的文档）。")
@click.option("--xlsx", is_flag=True,
              help="另生成 Excel 工作簿 <单位><年度>年度项目绩效目标汇总表.xlsx（项目一览、绩效指标…）；"
                   "多个单位时另有跨单位的主管部门工作簿。")
@OTHER_SPECS_OPTION
@TEMPLATES_OPTION
@click.pass_context
def build(ctx, target: Path, output: Path | None, jobs: int, force: bool, comments: str | None,
          make_pdf: bool, replace_other: bool, templates, xlsx: bool = False) -> None:
    """检查规格并生成 Word 文档：每个项目一份，另加单位的汇总表。

    再次生成时只重写输入有变化的文档（输出文件夹中的 .perfdoc-manifest.json 记录了每份文档的来源）。
    TARGET 下是多个单位文件夹（各有 单位.yaml）时，每个单位生成到自己的输出文件夹，-j 按单位并行。
    同一输出文件夹同时只有一个 build 在写（.perfdoc-lock），另一个等它结束。
    """
    from ..make.pipeline import build as run_build
    from ..make.units import is_units_folder
    if is_units_folder(target):
        _build_units(ctx, target, output, list(templates), jobs or os.cpu_count() or 1, force, xlsx,
                     comments or "", make_pdf, replace_other)
    _note_nested_units(target)
    progress = ProgressBar(sys.stderr)
    try:
        result = _run(ctx, run_build, target, output=output, templates=list(templates),
                      jobs=jobs or os.cpu_count() or 1, force=force, progress=progress,
                      comments=comments or "", pdf=make_pdf, replace_other=replace_other, xlsx=xlsx)
    finally:
        progress.finish()
    _report(result.specs.problems, "text", err=True, notes=False)  # a build shows what needs fixing
    _print_files(result.skipped, result.removed, result.written)
    if result.unchanged:
        click.echo(f"{len(result.unchanged)} 份文档的规格、模板和 perfdoc 都没有变化，未重写")
    code = _exit_code(result.specs.problems, strict=False)
    if make_pdf:
        code = max(code, _report_pdfs(result))
    sys.exit(code)


def _print_files(skipped, removed, written) -> None:
    """What a build did with each file: not written (and why), removed as outdated, written."""
    for path, why in skipped:
        click.echo(f"{path}: 未生成：{why}", err=True)
    for path in removed:
        click.echo(f"已删除过期的 {path}", err=True)
    for path in written:
        click.echo(f"已生成 {path}")


def _report_pdfs(result) -> int:
    """What `build --pdf` printed; 1 if a PDF could not be made."""
    if result.pdf_error:
        click.echo(f"perfdoc: 未生成 PDF：{result.pdf_error}", err=True)
        return 1
    if not result.pdfs.converted and not result.pdfs.failed and (result.written or result.unchanged):
        click.echo("每份文档的 PDF 都已是最新，未转换")
    return _print_conversion(result.pdfs)


def _validate_units(ctx, target: Path, strict: bool, output_format: str, templates, jobs: int) -> None:
    """validate over many unit folders: each unit's problems and summary line, the problems
    across units, then the total; the exit code is the worst unit's."""
    from ..input.problems import summarize
    from ..make.units import validate_units
    units_json = []

    def shown(outcome) -> None:
        if output_format == "json":
            units_json.append({"folder": str(outcome.folder), "failure": outcome.failure,
                               "problems": [p.as_dict() for p in outcome.problems],
                               "summary": summarize(outcome.problems)})
            return
        for problem in outcome.problems:
            click.echo(problem.format())
        click.echo(f"{outcome.folder}: {_unit_summary(outcome)}")

    result = _run(ctx, validate_units, target, templates=templates, jobs=jobs, on_unit=shown)
    if output_format == "json":
        click.echo(json.dumps({"units": units_json, "across": [p.as_dict() for p in result.across],
                               "summary": _units_total(result)}, ensure_ascii=False, indent=2))
    else:
        for problem in result.across:
            click.echo(problem.format())
        click.echo(_units_total(result))
    failed = result.has_errors or (strict and result.counts["warning"] > 0)
    sys.exit(1 if failed else 0)


def _build_units(ctx, target: Path, output, templates, jobs: int, force: bool, xlsx: bool, comments: str,
                 make_pdf: bool = False, replace_other: bool = False) -> None:
    """build over many unit folders: per unit its problems, files and summary line; then the
    problems across units, the workbook across units (--xlsx) and the total."""
    from ..make.units import build_units

    def shown(outcome) -> None:
        for problem in outcome.problems:
            if problem.severity != "info":
                click.echo(problem.format(), err=True)
        _print_files(outcome.skipped, outcome.removed, outcome.written)
        files = f"生成 {len(outcome.written)} 份" + (f"，{outcome.unchanged} 份没有变化" if outcome.unchanged else "")
        click.echo(f"{outcome.folder} → {outcome.out}: {files}；{_unit_summary(outcome)}")

    result = _run(ctx, build_units, target, output=output, templates=templates, jobs=jobs, force=force,
                  xlsx=xlsx, comments=comments, pdf=make_pdf, replace_other=replace_other, on_unit=shown)
    for problem in result.across:
        click.echo(problem.format(), err=True)
    if result.workbook_skipped:
        click.echo(f"perfdoc: {result.workbook_skipped}", err=True)
    elif result.workbook and result.workbook_unchanged:
        click.echo(f"{result.workbook} 的各单位规格都没有变化，未重写")
    elif result.workbook:
        click.echo(f"已生成 {result.workbook}")
    click.echo(_units_total(result))
    sys.exit(1 if result.has_errors else 0)


def _note_nested_units(target: Path) -> None:
    """A unit folder with unit folders below it is built as the one unit it is: say so."""
    from ..make.units import find_units
    nested = [u for u in find_units(target) if u != target] if target.is_dir() else []
    if nested:
        click.echo(f"perfdoc: 注意：{target} 本身是一个单位（有 单位.yaml），只处理了它；其下还有 {len(nested)} 个单位文件夹"
                   f"（如 {nested[0]}）未处理——把各单位放在一个没有 单位.yaml 的文件夹中，再指向那个文件夹", err=True)


def _unit_summary(outcome) -> str:
    from ..input.problems import summarize
    return f"无法处理：{outcome.failure}" if outcome.failure else summarize(outcome.problems)


def _units_total(result) -> str:
    counts = result.counts
    failed = f"，{result.failed} 个单位无法处理" if result.failed else ""
    return (f"共 {result.units} 个单位{failed}：{counts['error']} 个错误，{counts['warning']} 个警告，"
            f"{counts['info']} 条提示（其中跨单位 {len(result.across)} 条）")


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="LibreOffice 转换的时限（秒），超时即终止。")
@click.option("--force", is_flag=True, help="全部重新转换，即使 PDF 比文档新。")
def pdf(folder: Path, timeout: float, force: bool) -> None:
    """把文件夹中的 Word 文档转成 PDF：LibreOffice 只启动一次，转换全部文档。"""
    from ..output.pdf import outdated
    every = sorted(folder.glob("*.docx"))
    if not every:
        click.echo(f"perfdoc: {folder} 中没有 Word 文档（.docx），没有可转换的", err=True)
        sys.exit(1)
    documents = every if force else outdated(folder)
    if not documents:
        click.echo(f"{len(every)} 份文档的 PDF 都已是最新，未转换")
        return
    sys.exit(_convert_to_pdf(documents, timeout))


def _convert_to_pdf(documents: list[Path], timeout: float) -> int:
    """Convert, print what was made and what failed; the exit code (1 if any failed)."""
    from ..output.pdf import PdfError, convert
    try:
        return _print_conversion(convert(documents, timeout=timeout))
    except PdfError as exc:
        click.echo(f"perfdoc: {exc}", err=True)
        return 1


def _print_conversion(conversion) -> int:
    """Print the PDFs made and the documents that failed; 1 if any failed."""
    for path in conversion.converted:
        click.echo(f"已生成 {path}")
    for path, why in conversion.failed:
        click.echo(f"{path}: 未转换：{why}", err=True)
    return 1 if conversion.failed else 0
