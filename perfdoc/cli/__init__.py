"""The perfdoc command line: the only package that prints or exits.

One module per group of commands: building (validate, build, pdf), drafting (init, selfeval init,
next, import, fmt), reviewing (diff, serve), forms (forms, templates export, schema); common holds
what they share. Exit codes: 0 clean (or warnings only), 1 problems found, 2 usage (click's own).
"""
from __future__ import annotations

import gc

import click

from .. import __version__
from . import building, drafting, forms, reviewing
from .common import ProgressBar  # noqa: F401  (the build's progress bar, for tests and callers)


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


for command in (drafting.init, building.validate, building.build, building.pdf, reviewing.serve, reviewing.diff,
                drafting.next_year, drafting.import_command, drafting.fmt, drafting.selfeval,
                forms.forms, forms.templates_group, forms.schema):
    main.add_command(command)
