"""Form kinds as data: `perfdoc forms`, `perfdoc templates export`, restyled templates used via
--templates or the unit file's 模板, a kind defined only in test data, and every name a template
uses present in the data it is given (no silent blanks)."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes
from lxml import etree

from conftest import REPO, SPECS, copy_specs, paragraphs, table_rows
from perfdoc.input.kinds import builtin_dir, load_kinds

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


# -- helpers: edit a .docx the way Word would, through its XML ------------------------------
def edit_part(docx: Path, part: str, change) -> None:
    """Rewrite one XML part of a .docx in place: change(root) edits the parsed tree."""
    with zipfile.ZipFile(docx) as package:
        items = [(info, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in items:
            if info.filename == part:
                root = etree.fromstring(data)
                change(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            package.writestr(info, data)


def read_part(docx: Path, part: str):
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read(part))


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def restyle_title(root, size: int, east_asia: str) -> None:
    """styles.xml: the 表名 style (FormTitle) gets another size and Chinese font."""
    style = root.find("w:style[@w:styleId='FormTitle']", NS)
    style.find("w:rPr/w:sz", NS).set(w("val"), str(size))
    style.find("w:rPr/w:rFonts", NS).set(w("eastAsia"), east_asia)


def add_line_before_title(root, text: str) -> None:
    """document.xml: a line of the organisation's own (a logo's text) above each form's title."""
    title = next(p for p in root.iter(w("p")) if "项目.表名" in "".join(p.itertext()))
    line = etree.Element(w("p"))
    run = etree.SubElement(line, w("r"))
    etree.SubElement(run, w("t")).text = text
    title.addprevious(line)


def replace_text(root, old: str, new: str) -> None:
    for t in root.iter(w("t")):
        if t.text and old in t.text:
            t.text = t.text.replace(old, new)


# -- perfdoc forms ------------------------------------------------------------------------
def test_forms_shows_the_accepted_values(run_cli):
    lines = run_cli("forms").stdout.splitlines()
    assert any(line.split() == ["项目性质", "*", "文字；可填：其他一次性项目、其他经常性项目"] for line in lines)
    assert any(line.split() == ["项目类别", "*", "文字；可填：特定目标类、其他运转类"] for line in lines)


def test_forms_lists_every_kind_with_years_fields_and_template(run_cli):
    result = run_cli("forms")
    assert result.exit_code == 0
    out = result.stdout
    assert "目标表2020：财政项目支出绩效目标表" in out and "申报表：财政项目支出绩效目标申报表" in out
    assert "年度：2020（2020 年度的单位文件未写“表式”时用它）" in out
    assert "年度：2024–2030" in out
    for field in ("保证项目实施的制度、措施", "同名项目上年预算执行数", "指标目标值", "项目名称 *"):
        assert field in out
    assert str(builtin_dir() / "目标表2020.docx") in out


def test_a_2020_unit_without_a_kind_gets_the_2020_form(run_cli, tmp_path):
    folder = copy_specs("2020", tmp_path)
    unit = folder / "单位.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("表式: 目标表2020\n", ""), encoding="utf-8")
    assert run_cli("build", folder, "-o", tmp_path / "out").exit_code == 0
    assert paragraphs(tmp_path / "out" / "技术转移合作.docx")[0] == "财政项目支出绩效目标表"


# -- export and restyle --------------------------------------------------------------------
@pytest.fixture
def exported(run_cli, tmp_path) -> Path:
    folder = tmp_path / "模板"
    result = run_cli("templates", "export", folder)
    assert result.exit_code == 0, result.output
    return folder


def test_export_writes_templates_definitions_and_documentation(exported, run_cli):
    names = {p.name for p in exported.iterdir()}
    assert {"申报表.docx", "申报表.yaml", "目标表2020.docx", "目标表2020.yaml", "TEMPLATES.md"} <= names
    again = run_cli("templates", "export", exported)
    assert again.exit_code == 1 and "--force" in again.stderr
    assert run_cli("templates", "export", exported, "--force").exit_code == 0


def test_a_restyled_template_is_followed(exported, run_cli, tmp_path):
    template = exported / "目标表2020.docx"
    edit_part(template, "word/styles.xml", lambda root: restyle_title(root, 44, "仿宋"))
    edit_part(template, "word/document.xml", lambda root: add_line_before_title(root, "【某某研究院 徽标】"))
    out = tmp_path / "out"
    result = run_cli("build", SPECS / "2020", "-o", out, "--templates", exported)
    assert result.exit_code == 0, result.output

    document = out / "技术转移合作.docx"
    assert paragraphs(document)[:2] == ["【某某研究院 徽标】", "财政项目支出绩效目标表"]
    title = read_part(document, "word/styles.xml").find("w:style[@w:styleId='FormTitle']", NS)
    assert title.find("w:rPr/w:sz", NS).get(w("val")) == "44"
    assert title.find("w:rPr/w:rFonts", NS).get(w("eastAsia")) == "仿宋"
    summary = paragraphs(out / "上海科学技术交流中心2020年度项目绩效目标汇总表.docx")
    assert summary.count("【某某研究院 徽标】") == 5
    # the other kind keeps the built-in look
    assert run_cli("build", SPECS / "2026", "-o", tmp_path / "o26", "--templates", exported).exit_code == 0
    assert "【某某研究院 徽标】" not in paragraphs(tmp_path / "o26" / "企业科技创新服务.docx")


def test_the_unit_file_names_its_templates_folder(exported, run_cli, tmp_path):
    """Only the restyled .docx is kept: the built-in kind definition still applies."""
    for definition in exported.glob("*.yaml"):
        definition.unlink()
    edit_part(exported / "目标表2020.docx", "word/document.xml",
              lambda root: replace_text(root, "项目名称：", "项目名称（全称）："))
    folder = copy_specs("2020", tmp_path / "specs")
    with (folder / "单位.yaml").open("a", encoding="utf-8") as unit:
        unit.write("模板: ../../模板\n")
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert table_rows(tmp_path / "out" / "技术转移合作.docx")[0][:2] == ["项目名称（全称）：", "技术转移合作"]


# -- a kind defined only in test data ------------------------------------------------------
def make_province_kind(folder: Path) -> None:
    """A province's 申报表 with two more fields: its .yaml and a .docx with one more row."""
    folder.mkdir()
    definition = (builtin_dir() / "申报表.yaml").read_text(encoding="utf-8")
    definition = definition.replace("name: 申报表", "name: 申报表（某省）").replace(
        "template: 申报表.docx", "template: 某省申报表.docx").replace(
        "  实施单位: {type: text, required: true, unit_default: true}\n",
        "  实施单位: {type: text, required: true, unit_default: true}\n"
        "  项目负责人: {type: text, required: true}\n  联系电话: {type: text}\n")
    (folder / "某省申报表.yaml").write_text(definition, encoding="utf-8")
    template = folder / "某省申报表.docx"
    shutil.copy(builtin_dir() / "申报表.docx", template)

    def add_row(root):
        unit_row = next(tr for tr in root.iter(w("tr")) if "主管部门" in "".join(tr.itertext()))
        new_row = etree.fromstring(etree.tostring(unit_row))
        for old, new in (("{{ 项目.主管部门 }}", "{{ 项目.项目负责人 }}"), ("{{ 项目.实施单位 }}", "{{ 项目.联系电话 }}"),
                         ("主管部门", "项目负责人"), ("实施单位", "联系电话")):
            replace_text(new_row, old, new)
        unit_row.addnext(new_row)
    edit_part(template, "word/document.xml", add_row)


def test_a_kind_outside_the_package_needs_no_code(run_cli, tmp_path):
    kinds = tmp_path / "某省表式"
    make_province_kind(kinds)
    folder = copy_specs("2026", tmp_path)
    unit = folder / "单位.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("表式: 申报表", "表式: 申报表（某省）"), encoding="utf-8")
    spec = folder / "01_企业科技创新服务.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("项目性质:", "项目负责人: 张三\n联系电话: 021-12345678\n项目性质:"),
                    encoding="utf-8")

    listed = run_cli("forms", "--templates", kinds).stdout
    assert "申报表（某省）：财政项目支出绩效目标申报表" in listed and "项目负责人 *" in listed

    checked = run_cli("validate", folder, "--templates", kinds)
    assert checked.exit_code == 1
    assert "02_国际科技人文交流与合作.yaml:2:1: error[missing-field]: 缺少必填项“项目负责人”" in checked.stdout

    (folder / "02_国际科技人文交流与合作.yaml").unlink()
    result = run_cli("build", folder, "-o", tmp_path / "out", "--templates", kinds)
    assert result.exit_code == 0, result.output
    rows = table_rows(tmp_path / "out" / "企业科技创新服务.docx")
    assert ["项目负责人", "张三", "联系电话", "021-12345678"] in rows


# -- no silent blanks ---------------------------------------------------------------------
ANY = object()  # a value the walk cannot look into (loop, a string's methods …)


class Missing(Exception):
    pass


def template_sources(path: Path) -> list[str]:
    """The Jinja source perfdoc compiles from each templated part of a .docx."""
    from perfdoc.output.docxjinja import _TEMPLATED_PART, DocxTemplate
    template = DocxTemplate(path)
    with zipfile.ZipFile(path) as package:
        return [template.compile_xml(package.read(n)) for n in package.namelist() if _TEMPLATED_PART.match(n)]


def dotted(expr) -> str:
    if isinstance(expr, nodes.Name):
        return expr.name
    if isinstance(expr, nodes.Getattr):
        return f"{dotted(expr.node)}.{expr.attr}"
    if isinstance(expr, nodes.Getitem) and isinstance(expr.arg, nodes.Const):
        return f'{dotted(expr.node)}["{expr.arg.value}"]'
    return "…"


def resolve(expr, scope):
    """The value a name, attribute or constant subscript stands for in the data; Missing if none."""
    if isinstance(expr, nodes.Name):
        if expr.name not in scope:
            raise Missing(expr.name)
        return scope[expr.name]
    key = expr.attr if isinstance(expr, nodes.Getattr) else expr.arg.value
    base = resolve(expr.node, scope)
    if base is ANY or not isinstance(base, dict):
        return ANY
    if key not in base:
        raise Missing(dotted(expr))
    return base[key]


def walk(node, scope, used: set, missing: list) -> None:
    """Check every name the template reads against the data, binding loop variables to a sample."""
    if isinstance(node, nodes.For):
        walk(node.iter, scope, used, missing)
        items = resolve(node.iter, scope)
        sample = items[0] if items not in (ANY, None) and len(items) else ANY
        inner = {**scope, node.target.name: sample, "loop": ANY}
        for child in [*node.body, *node.else_]:
            walk(child, inner, used, missing)
        return
    if isinstance(node, (nodes.Name, nodes.Getattr)) or (
            isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const)):
        used.add(dotted(node))
        try:
            resolve(node, scope)
        except Missing as exc:
            missing.append(str(exc))
        return
    for child in node.iter_child_nodes():
        walk(child, scope, used, missing)


def kinds_with_examples():
    """Each built-in kind with an example under specs/ written in it."""
    from perfdoc.make.pipeline import read_specs
    found = {}
    for folder in sorted(p for p in SPECS.iterdir() if p.is_dir()):
        specs = read_specs(folder)
        if specs.unit is not None and specs.projects:
            found.setdefault(specs.unit.kind.name, specs)
    return found


@pytest.mark.parametrize("kind_name", sorted(load_kinds()))
def test_every_name_a_template_uses_is_in_its_data_and_documented(kind_name):
    from perfdoc.output.render import document_data
    examples = kinds_with_examples()
    assert kind_name in examples, f"no example under specs/ uses the kind {kind_name}"
    specs = examples[kind_name]
    data = document_data(specs.unit, specs.projects, summary=True)
    used, missing = set(), []
    for source in template_sources(specs.unit.kind.template):
        walk(jinja2.Environment().parse(source), data, used, missing)
    assert not missing, f"{kind_name}: the template uses names the data lacks: {missing}"
    documentation = (builtin_dir() / "TEMPLATES.md").read_text(encoding="utf-8")
    undocumented = sorted(n for n in used if not n.startswith("loop.") and n not in documentation)
    assert not undocumented, f"TEMPLATES.md does not describe {undocumented}"


def test_the_walk_finds_a_misspelt_name():
    data = {"项目列表": [{"项目名称": "x", "绩效目标": [{"一级目标": "a"}]}]}
    source = "{% for 项目 in 项目列表 %}{{ 项目.项目名 }}{% for 行 in 项目.绩效目标 %}{{ 行.二级目标 }}{% endfor %}{% endfor %}"
    missing: list = []
    walk(jinja2.Environment().parse(source), data, set(), missing)
    assert missing == ["项目.项目名", "行.二级目标"]


def test_templates_documentation_ships_with_the_package():
    setup = (REPO / "setup.cfg").read_text(encoding="utf-8")
    assert "perfdoc.templates = *.yaml, *.docx, *.md" in setup
    assert (builtin_dir() / "TEMPLATES.md").is_file()


# -- bad input: a message, never a traceback ------------------------------------------------
def test_an_unknown_kind_is_reported_at_its_line(run_cli, tmp_path):
    folder = copy_specs("2020", tmp_path)
    unit = folder / "单位.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("表式: 目标表2020", "表式: 目标表2021"), encoding="utf-8")
    result = run_cli("validate", folder)
    assert result.exit_code == 1
    assert f"{unit}:5:5: error[unknown-kind]: 没有名为“目标表2021”的表式，是否应为“目标表2020”？" in result.stdout


def test_a_kind_for_another_year_is_a_warning(run_cli, tmp_path):
    folder = copy_specs("2020", tmp_path)
    unit = folder / "单位.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("年度: 2020", "年度: 2021"), encoding="utf-8")
    result = run_cli("validate", folder)
    assert f"{unit}:5:5: warning[kind-year]: 表式“目标表2020”用于 2020 年度，单位文件的“年度”是 2021" in result.stdout


def test_a_missing_templates_folder(run_cli, tmp_path):
    result = run_cli("build", SPECS / "2020", "-o", tmp_path, "--templates", tmp_path / "没有")
    assert result.exit_code == 2
    assert result.stderr == f"perfdoc: 模板文件夹不存在：{tmp_path / '没有'}\n"

    folder = copy_specs("2020", tmp_path)
    with (folder / "单位.yaml").open("a", encoding="utf-8") as unit:
        unit.write("模板: ../模板\n")
    result = run_cli("validate", folder)
    assert result.exit_code == 1
    assert f"单位.yaml:6:5: error[templates-folder]: “模板”文件夹“../模板”不存在" in result.stdout


def break_jinja(root):
    replace_text(root, "{%tr endfor %}", "{%tr endfo %}")


def misspell_name(root):
    replace_text(root, "{{ 项目.项目类别 }}", "{{ 项目.项目类型 }}")


@pytest.mark.parametrize("damage,message", [
    (lambda path: path.write_bytes(b"not a zip"), "不是有效的 .docx 文件"),
    (lambda path: edit_part(path, "word/document.xml", break_jinja), "模板中的 Jinja 有误"),
    (lambda path: edit_part(path, "word/document.xml", misspell_name), "模板使用了数据中没有的名字：'dict object' has no attribute '项目类型'"),
    (lambda path: path.with_suffix(".yaml").write_text("name: [", encoding="utf-8"),
     "目标表2020.yaml:2:1: error[yaml-syntax]: YAML 语法错误"),
    (lambda path: path.with_suffix(".yaml").write_text("title: x\n", encoding="utf-8"),
     "目标表2020.yaml:1:1: error[kind-definition]: 表式定义缺少“name”"),
    (lambda path: path.unlink(), "找不到表式“目标表2020”的模板 目标表2020.docx"),
], ids=["not-a-docx", "broken-tag", "unknown-name", "yaml-syntax", "no-name", "no-template"])
def test_a_broken_exported_template_is_a_one_line_message(exported, run_cli, tmp_path, damage, message):
    damage(exported / "目标表2020.docx")
    result = run_cli("build", SPECS / "2020", "-o", tmp_path / "out", "--templates", exported)
    assert result.exit_code == 1
    # a broken .docx is one line; a broken kind definition is reported like a spec, file:line
    one_line = result.stderr.startswith("perfdoc: ") and result.stderr.count("\n") == 1
    assert one_line or "目标表2020.yaml:" in result.stderr.splitlines()[0], result.stderr
    assert message in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# -- words that differ by year: the kind's labels ------------------------------------------
SPEC_2024 = """项目名称: 示例项目
项目性质: 其他经常性项目
项目类别: 其他运转类
计划开始日期: 2024-01-01
计划完成日期: 2024-12-31
项目资金:
  年度资金申请总额: 100,000.00
  当年财政拨款: 100,000.00
  上年结转资金: 0.00
  其他资金: 0.00
年度总体目标: 完成年度任务。
绩效指标:
  - 一级指标: 产出指标
    二级指标: 数量指标
    三级指标: 活动场次
    指标值: =2.00(场)
  - 一级指标: 效益指标
    二级指标: 社会效益指标
    三级指标: 服务能力
    指标值: 有效提升
  - 一级指标: 满意度指标
    二级指标: 服务对象满意度指标
    三级指标: 服务对象满意度
    指标值: ≥90.00(%)
"""


def test_the_2024_form_prints_its_own_year_line_and_labels(tmp_path):
    """2024 prints （2024年度） in full-width parentheses and 项目资金总额 / 年度资金申请总额 without
    “：”; 2025 and 2026 print (2025年度) and the colons. The words live in 申报表.yaml, not in code."""
    from perfdoc.make.pipeline import build
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "单位.yaml").write_text("单位: 示例单位\n年度: 2024\n表式: 申报表\n主管部门: 示例主管部门\n"
                                      "实施单位: 示例单位\n", encoding="utf-8")
    (folder / "01.yaml").write_text(SPEC_2024, encoding="utf-8")
    result = build(folder, output=tmp_path / "out")
    assert not result.specs.has_errors, [p.format() for p in result.specs.problems]
    document = tmp_path / "out" / "示例项目.docx"
    assert paragraphs(document)[:2] == ["财政项目支出绩效目标申报表", "（2024年度）"]
    funds = table_rows(document)[3]
    assert funds[1] == "项目资金总额" and funds[3] == "年度资金申请总额"

    later = build(SPECS / "2025", output=tmp_path / "out2025")
    document = later.written[0]
    assert paragraphs(document)[1] == "(2025年度)"
    funds = table_rows(document)[3]
    assert funds[1] == "项目资金总额：" and funds[3] == "年度资金申请总额："


def test_a_year_label_not_among_the_kinds_labels_is_a_kind_error(tmp_path):
    from perfdoc.input.kinds import KindError, read_kind
    source = (builtin_dir() / "申报表.yaml").read_text(encoding="utf-8")
    broken = source.replace("    年度资金申请总额: 年度资金申请总额\n", "    年度资金申请总頟: 年度资金申请总额\n")
    assert broken != source
    (tmp_path / "申报表.yaml").write_text(broken, encoding="utf-8")
    shutil.copy(builtin_dir() / "申报表.docx", tmp_path / "申报表.docx")
    with pytest.raises(KindError, match="年度资金申请总頟"):
        read_kind(tmp_path / "申报表.yaml")
