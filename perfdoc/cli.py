"""The perfdoc command line: the only module that prints or exits.

Exit codes: 0 clean (or warnings only), 1 problems found, 2 usage (click's own).
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

import click

from . import __version__

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfdoc")
@click.option("--debug", is_flag=True, hidden=True, help="出错时显示 Python 回溯。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """perfdoc：把项目绩效目标的 YAML 规格打印成官方 Word 表格。

    \b
    perfdoc init specs/2027       新建一个单位一年的规格（单位.yaml 和项目骨架）
    perfdoc validate specs/2025   检查规格，按“文件:行:列”报告问题
    perfdoc build specs/2025      生成每个项目的申报表和单位的汇总表
    perfdoc build specs/2025 --xlsx   另生成 Excel 工作簿（项目一览、绩效指标）
    perfdoc build 各单位文件夹     多个单位：各自生成，跨单位检查（加 --xlsx 另有跨单位工作簿）
    perfdoc forms                 列出表式（申报表、目标表2020 …）及其字段
    perfdoc templates export 模板  导出内置模板，在 Word/WPS 中改成本单位的版式
    perfdoc selfeval init specs/2025   由申报表规格生成该年自评表的规格
    perfdoc pdf output/2025       把生成的文档转成 PDF（LibreOffice）
    perfdoc build specs/2025 --pdf    生成文档，并在旁边生成 PDF
    perfdoc serve specs/2025      在浏览器中预览表格，问题标在单元格上，保存后自动更新
    perfdoc next specs/2025       由本年度的规格生成下一年度的（specs/2026），列出要核对的地方
    perfdoc diff specs/2025 specs/2026   按表格的栏目比较两个版本（也可以是 git 修订：HEAD~1:specs/2026）
    perfdoc import 汇总表.docx -o specs/2024   由已有的 Word/PDF/Excel 表格生成规格
    """
    ctx.obj = {"debug": debug}
    # A run holds a unit's models — hundreds of thousands of small objects, almost no cycles —
    # until it ends; the collector's default (every 700 allocations) rescans them for nothing.
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


@main.command()
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
    from .make.pipeline import validate_specs
    from .make.units import is_units_folder
    if is_units_folder(target):
        _validate_units(ctx, target, strict, output_format, list(templates), jobs or os.cpu_count() or 1)
    _note_nested_units(target)
    specs = _run(ctx, validate_specs, target, templates=list(templates))
    code = _exit_code(specs.problems, strict)
    _report(specs.problems, output_format, err=False, strict=strict)
    if output_format == "text" and code and strict and not any(p.is_error for p in specs.problems):
        click.echo("--strict：警告也算失败，退出码为 1")
    sys.exit(code)


@main.command()
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
    from .make.pipeline import build as run_build
    from .make.units import is_units_folder
    if is_units_folder(target):
        _build_units(ctx, target, output, list(templates), jobs or os.cpu_count() or 1, force, xlsx,
                     comments or "", make_pdf, replace_other)
    _note_nested_units(target)
    progress = ProgressBar(click.get_text_stream("stderr"))
    try:
        result = _run(ctx, run_build, target, output=output, templates=list(templates),
                      jobs=jobs or os.cpu_count() or 1, force=force, progress=progress,
                      comments=comments or "", pdf=make_pdf, replace_other=replace_other, xlsx=xlsx)
    finally:
        progress.finish()
    _report(result.specs.problems, "text", err=True, notes=False)  # a build shows what needs fixing
    for path, why in result.skipped:
        click.echo(f"{path}: 未生成：{why}", err=True)
    for path in result.removed:
        click.echo(f"已删除过期的 {path}", err=True)
    for path in result.written:
        click.echo(f"已生成 {path}")
    if result.unchanged:
        click.echo(f"{len(result.unchanged)} 份文档的规格、模板和 perfdoc 都没有变化，未重写")
    code = _exit_code(result.specs.problems, strict=False)
    if make_pdf:
        code = max(code, _report_pdfs(result))
    sys.exit(code)


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
    from .input.problems import summarize
    from .make.units import validate_units
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
    from .make.units import build_units

    def shown(outcome) -> None:
        for problem in outcome.problems:
            if problem.severity != "info":
                click.echo(problem.format(), err=True)
        for path, why in outcome.skipped:
            click.echo(f"{path}: 未生成：{why}", err=True)
        for path in outcome.removed:
            click.echo(f"已删除过期的 {path}", err=True)
        for path in outcome.written:
            click.echo(f"已生成 {path}")
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
    from .make.units import find_units
    nested = [u for u in find_units(target) if u != target] if target.is_dir() else []
    if nested:
        click.echo(f"perfdoc: 注意：{target} 本身是一个单位（有 单位.yaml），只处理了它；其下还有 {len(nested)} 个单位文件夹"
                   f"（如 {nested[0]}）未处理——把各单位放在一个没有 单位.yaml 的文件夹中，再指向那个文件夹", err=True)


def _unit_summary(outcome) -> str:
    from .input.problems import summarize
    return f"无法处理：{outcome.failure}" if outcome.failure else summarize(outcome.problems)


def _units_total(result) -> str:
    counts = result.counts
    failed = f"，{result.failed} 个单位无法处理" if result.failed else ""
    return (f"共 {result.units} 个单位{failed}：{counts['error']} 个错误，{counts['warning']} 个警告，"
            f"{counts['info']} 条提示（其中跨单位 {len(result.across)} 条）")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="LibreOffice 转换的时限（秒），超时即终止。")
@click.option("--force", is_flag=True, help="全部重新转换，即使 PDF 比文档新。")
def pdf(folder: Path, timeout: float, force: bool) -> None:
    """把文件夹中的 Word 文档转成 PDF：LibreOffice 只启动一次，转换全部文档。"""
    from .output.pdf import outdated
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
    from .output.pdf import PdfError, convert
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


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口（只在本机 127.0.0.1 上打开）；0 表示任选一个空闲端口。")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="perfdoc build 的输出文件夹，页面上提供其中文档的下载（默认与 build 相同）。")
@TEMPLATES_OPTION
@click.pass_context
def serve(ctx, folder: Path, port: int, output: Path | None, templates) -> None:
    """在浏览器中预览表格：每个项目的表、汇总表，问题标在所在的单元格上；保存规格后页面自动更新。"""
    from .workflow.serve import start
    server = _run(ctx, start, folder, port=port, output=output, templates=list(templates))
    click.echo(f"预览 {folder}：http://127.0.0.1:{server.port}/ （保存规格后页面自动更新；Ctrl-C 结束）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("预览已结束")
    finally:
        server.stop()


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


@main.command()
@TEMPLATES_OPTION
@click.pass_context
def forms(ctx, templates) -> None:
    """列出可用的表式：名称、年度、字段与模板。"""
    from .input.kinds import load_kinds
    kinds = _run(ctx, load_kinds, list(templates))
    for kind in kinds.values():
        click.echo("\n".join(_kind_lines(kind, kinds)) + "\n")


@main.group("templates")
def templates_group() -> None:
    """内置模板：导出一份，在 Word 或 WPS 中改成本单位的版式。"""


@templates_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖文件夹中已有的同名文件。")
@click.pass_context
def export(ctx, folder: Path, force: bool) -> None:
    """把内置模板（.docx）、表式定义（.yaml）和说明 TEMPLATES.md 写到 FOLDER。"""
    from .input.kinds import export_templates
    for path in _run(ctx, export_templates, folder, overwrite=force):
        click.echo(f"已导出 {path}")
    click.echo(f"在 Word 或 WPS 中修改这些 .docx（先读 {folder / 'TEMPLATES.md'}），然后用 "
               f"perfdoc build <规格文件夹> --templates {folder}，"
               f"或在 单位.yaml 中写“模板: <此文件夹相对于单位文件的路径>”。")


def _kind_lines(kind, kinds) -> list[str]:
    """A kind as `perfdoc forms` shows it: name and title, years, template, then its fields."""
    from .input.kinds import builtin_dir, default_kind, year_span
    defaults = [year for year in kind.years if default_kind(kinds, year) is kind]
    origin = "内置" if kind.template.parent == builtin_dir() else "自定义"
    lines = [f"{kind.name}：{kind.title}"]
    if kind.description:
        lines.append(f"  说明：{kind.description}")
    lines.append(f"  年度：{year_span(kind.years) or '不限'}"
                 + (f"（{year_span(defaults)} 年度的单位文件未写“表式”时用它）" if defaults else ""))
    lines.append(f"  模板（{origin}）：{kind.template}")
    lines.append("  字段（* 为必填）：")
    return lines + _field_lines(kind.fields, "    ")


FIELD_KINDS = {"text": "文字", "date": "日期 YYYY-MM-DD", "amount": "金额（元）", "number": "数字",
               "percent": "百分数，如 99.70%", "group": "一组", "indicators": "列表，每行一个指标"}


def _field_lines(specs, indent: str) -> list[str]:
    """One line per field: key, what it holds, the label printed where that differs."""
    lines = []
    for spec in specs:
        what = "金额（元），按原样打印" if spec.format == "amount" else FIELD_KINDS[spec.type]
        if spec.label != spec.key:
            what += f"，表中印作“{spec.label}”"
        if spec.unit_default:
            what += "，可在单位文件中统一写"
        if spec.known:
            what += f"；可填：{'、'.join(spec.known)}"
        lines.append(f"{indent}{_pad(spec.key + (' *' if spec.required else ''), 32 - len(indent))}{what}")
        lines += _field_lines(spec.fields or spec.columns, indent + "  ")
    return lines


def _pad(text: str, width: int) -> str:
    """Pad to a display width, counting a Chinese character as two columns."""
    import unicodedata
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - shown)


@main.command("init")
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
    from .workflow.init import init_unit
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
    from .workflow.scaffold import scaffold_selfeval
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


@main.command("import")
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
    from .workflow.importing import import_files
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


class _CellTooLong(Exception):
    """Stands for output.xlsx.CellTooLong until a command imports that module (and only then
    can one be raised): validate and build without --xlsx do not pay for importing xlsxwriter."""


def _cell_too_long_type():
    xlsx = sys.modules.get(f"{__package__}.output.xlsx")
    return xlsx.CellTooLong if xlsx is not None else _CellTooLong


def _run(ctx, fn, *args, **kwargs):
    """Run a pipeline step, turning a usage or template mistake into a message, not a traceback."""
    from .input.kinds import KindError, TemplateError
    from .input.folder import UsageError
    from .make.parallel import WorkerDied
    try:
        return fn(*args, **kwargs)
    except (UsageError, KindError, TemplateError, WorkerDied, _cell_too_long_type()) as exc:
        if ctx.obj.get("debug"):
            raise
        from .input.problems import visible  # a project's name may hold an ESC or a U+202E
        click.echo(f"perfdoc: {visible(str(exc))}", err=True)
        sys.exit(2 if isinstance(exc, UsageError) else 1)
    except OSError as exc:
        if ctx.obj.get("debug"):
            raise
        click.echo(f"perfdoc: 无法写入：{exc.filename or ''} {exc.strerror or exc}", err=True)
        sys.exit(1)


def _report(problems, output_format: str, err: bool, notes: bool = True, strict: bool = False) -> None:
    """Print problems and the summary line; without `notes`, infos are only counted."""
    from .input.problems import count, summarize
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


@main.command()
@click.argument("kind", required=False)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="写入此文件夹：每个表式一份 <表式>.schema.json，另加 单位.schema.json。")
@TEMPLATES_OPTION
@click.pass_context
def schema(ctx, kind: str | None, output: Path | None, templates) -> None:
    """输出规格文件的 JSON Schema（draft 7），供编辑器补全和检查。

    \b
    perfdoc schema 申报表          打印申报表项目文件的 schema
    perfdoc schema -o schema       把全部表式和单位文件的 schema 写入 schema/
    规格文件第一行写 # yaml-language-server: $schema=../../schema/申报表.schema.json
    """
    from .input.kinds import load_kinds
    from .workflow.schema import kind_schema, unit_schema
    kinds = _run(ctx, load_kinds, list(templates))
    if output is None:
        name = kind or "申报表"
        if name not in kinds:
            raise click.BadParameter(f"没有名为“{name}”的表式（可用：{'、'.join(kinds)}）", param_hint="KIND")
        click.echo(json.dumps(kind_schema(kinds[name]), ensure_ascii=False, indent=2))
        return
    from .output.files import write_atomic
    documents = {f"{name}.schema.json": kind_schema(k) for name, k in kinds.items()}
    documents["单位.schema.json"] = unit_schema(kinds)
    for file_name, document in documents.items():
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        click.echo(f"已生成 {write_atomic(output / file_name, text.encode('utf-8'))}")


@main.command()
@click.argument("target", type=SPEC_FOLDER)
@click.option("--write", is_flag=True, help="直接改写文件（默认只显示差异）。")
@click.option("--check", is_flag=True, help="有需要改写的值时退出码为 1（用于 CI）。")
@TEMPLATES_OPTION
@click.pass_context
def fmt(ctx, target: Path, write: bool, check: bool, templates) -> None:
    """把指标值改成系统格式（=2(场) → =2.00(场)，(百分比) → (%)，去掉多余空格）。

    默认只显示差异；--write 才改写文件。只改动这些值本身，注释、键的顺序和其他内容原样保留。
    """
    import difflib
    from .workflow.normalize import normalize, write_respelt
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
            click.echo("".join(difflib.unified_diff(
                result.before.splitlines(keepends=True), result.after.splitlines(keepends=True),
                fromfile=str(result.path), tofile=str(result.path))), nl=False)
    total = sum(len(r.changes) for r in changed)
    click.echo(f"{len(changed)} 个文件中有 {total} 处指标值{'已改为' if write else '可改为'}系统格式", err=True)
    sys.exit(1 if problems or (check and changed and not write) else 0)


@main.command("next")
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
    from .workflow.rollover import roll_forward
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


DIFF_OUTPUTS = {".docx": "Word 对照表", ".xlsx": "Excel 对照表", ".md": "markdown", ".json": "json"}


def _pairs(ctx, param, values):
    pairs = []
    for value in values:
        old, equals, new = value.partition("=")
        if not equals or not old.strip() or not new.strip():
            raise click.BadParameter(f"“{value}”应写作 原项目=现项目（项目名称或文件名）")
        pairs.append((old.strip(), new.strip()))
    return pairs


@main.command()
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
    from .workflow import diffreport
    from .workflow.diff import compare, read_side, rows
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
        from .output.comparison import docx_bytes, xlsx_bytes
        from .output.files import write_atomic
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
            from .output.files import write_atomic
            _run(ctx, write_atomic, output, text.encode("utf-8"))
            click.echo(f"已生成 {output}（{diffreport.summary_line(comparison)}）")
    sys.exit(1 if exit_code and comparison.has_changes else 0)
