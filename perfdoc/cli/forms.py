"""The form kinds: forms (list them), templates export, schema."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .common import TEMPLATES_OPTION, _run


@click.command()
@TEMPLATES_OPTION
@click.pass_context
def forms(ctx, templates) -> None:
    """列出可用的表式：名称、年度、字段与模板。"""
    from ..input.kinds import load_kinds
    kinds = _run(ctx, load_kinds, list(templates))
    for kind in kinds.values():
        click.echo("\n".join(_kind_lines(kind, kinds)) + "\n")


@click.group("templates")
def templates_group() -> None:
    """内置模板：导出一份，在 Word 或 WPS 中改成本单位的版式。"""


@templates_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖文件夹中已有的同名文件。")
@click.pass_context
def export(ctx, folder: Path, force: bool) -> None:
    """把内置模板（.docx）、表式定义（.yaml）和说明 TEMPLATES.md 写到 FOLDER。"""
    from ..input.kinds import export_templates
    for path in _run(ctx, export_templates, folder, overwrite=force):
        click.echo(f"已导出 {path}")
    click.echo(f"在 Word 或 WPS 中修改这些 .docx（先读 {folder / 'TEMPLATES.md'}），然后用 "
               f"perfdoc build <规格文件夹> --templates {folder}，"
               f"或在 单位.yaml 中写“模板: <此文件夹相对于单位文件的路径>”。")


def _kind_lines(kind, kinds) -> list[str]:
    """A kind as `perfdoc forms` shows it: name and title, years, template, then its fields."""
    from ..input.kinds import builtin_dir, default_kind, year_span
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


@click.command()
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
    from ..input.kinds import load_kinds
    from ..workflow.schema import kind_schema, unit_schema
    kinds = _run(ctx, load_kinds, list(templates))
    if output is None:
        name = kind or "申报表"
        if name not in kinds:
            raise click.BadParameter(f"没有名为“{name}”的表式（可用：{'、'.join(kinds)}）", param_hint="KIND")
        click.echo(json.dumps(kind_schema(kinds[name]), ensure_ascii=False, indent=2))
        return
    from ..output.files import write_atomic
    documents = {f"{name}.schema.json": kind_schema(k) for name, k in kinds.items()}
    documents["单位.schema.json"] = unit_schema(kinds)
    for file_name, document in documents.items():
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        click.echo(f"已生成 {write_atomic(output / file_name, text.encode('utf-8'))}")
