"""The docxtpl alternative: the script a Python developer would write for the same forms.

One DocxTemplate per document, `render(context, autoescape=True)`, `save()`; the 汇总表 is the
same template rendered with every project. The specs are read with libyaml (CSafeLoader), as
generously fast as PyYAML gets; no validation.

The template is perfdoc's 申报表.docx without its `{%vm …%}` and `{%keep …%}` tags (rows then keep
the template's pagination): docxtpl's `{% vm %}` merges a
whole `{%tr for %}` column (it keys on loop.first), so it cannot merge 一级 over 二级 groups;
this script prints 一级 and 二级 on every row instead. A newline in a value becomes a line break
(w:br) in docxtpl, a new paragraph in perfdoc. Without autoescape=True a value such as
`技术+金融 <A&B>` would corrupt the document (docs/PITFALLS), so it is on.

    python bench/docxtpl_script.py SPEC_FOLDER OUT_FOLDER
"""
from __future__ import annotations

import re
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import yaml
from docxtpl import DocxTemplate

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "申报表.docx"


def docxtpl_template(folder: Path) -> Path:
    """perfdoc's template with the {%vm …%} and {%keep …%} tags docxtpl does not understand removed."""
    path = folder / "申报表-docxtpl.docx"
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = re.sub(rb"\{%(vm|keep) [^%]*%\}", b"", data)
            target.writestr(info, data)
    return path


def labels(unit: dict) -> dict:
    """The year's printed words (申报表.yaml `labels`, as `perfdoc forms` would show them)."""
    kind = yaml.load(TEMPLATE.with_suffix(".yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    words = dict(kind.get("labels") or {})
    for entry in kind.get("labels_by_year") or ():
        if unit["年度"] in entry["years"]:
            words.update({k: v for k, v in entry.items() if k != "years"})
    return {k: v.replace("{年度}", str(unit["年度"])) for k, v in words.items()}


def money(value) -> str:
    return "" if value is None else f"{Decimal(str(value).replace(',', '')):,.2f}"


def project_context(path: Path, unit: dict) -> dict:
    project = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    funding = project.get("项目资金") or {}
    detail = funding.get("项目资金总额明细") or {}
    project["项目资金"] = {key: money(funding.get(key)) for key in
                         ("项目资金总额", "年度资金申请总额", "当年财政拨款", "上年结转资金", "其他资金")}
    project["项目资金"]["项目资金总额明细"] = {key: money(detail.get(key)) for key in ("财政资金", "其他资金")}
    project.setdefault("主管部门", unit["主管部门"])
    project.setdefault("实施单位", unit["实施单位"])
    project["项目总目标"] = project.get("项目总目标") or ""
    return project


def render(template: Path, context: dict, out: Path) -> None:
    document = DocxTemplate(template)
    document.render(context, autoescape=True)
    document.save(out)


def main(specs: Path, out: Path) -> None:
    unit = yaml.load((specs / "单位.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        template = docxtpl_template(Path(scratch))
        projects = [project_context(p, unit) for p in sorted(specs.glob("*.yaml")) if p.name != "单位.yaml"]
        for project in projects:
            render(template, {"汇总表标题": "", "年度": unit["年度"], "栏目": labels(unit), "项目列表": [project]},
                   out / f"{project['项目名称']}.docx")
        title = f"{unit['单位']}{unit['年度']}年度项目绩效目标汇总表"
        render(template, {"汇总表标题": title, "年度": unit["年度"], "栏目": labels(unit), "项目列表": projects},
               out / f"{title}.docx")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
