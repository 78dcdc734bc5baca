"""Kind definitions and template folders from elsewhere (issue 11, item 9): validated like specs,
with file:line messages; nothing skipped or ignored without a word; never a traceback."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, SPECS, copy_specs

BUILTIN = REPO / "templates"


def kind_folder(tmp_path: Path, old: str, new: str) -> Path:
    """A templates folder holding the built-in 申报表 kind with `old` replaced by `new`."""
    folder = tmp_path / "模板"
    folder.mkdir(exist_ok=True)
    shutil.copy(BUILTIN / "申报表.docx", folder)
    text = (BUILTIN / "申报表.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "申报表.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def line_of(folder: Path, fragment: str) -> int:
    lines = (folder / "申报表.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


CASES = [
    ("项目性质: {type: text, required: true, known: [其他一次性项目, 其他经常性项目]}",
     "项目性质: {type: text, required: true, known: 其他}", "项目性质", "known”应是列表"),
    ("value_column: 指标值", "value_column: 指标值X", "value_column", "不是该表的列"),
    ("budget: 项目资金.年度资金申请总额", "budget: 项目资金.年度资金", "budget", "在 fields 中没有"),
    ("parts: [项目资金.当年财政拨款, 项目资金.上年结转资金, 项目资金.其他资金]",
     "parts: [项目资金.当年财政拨款, 项目资金.上年结转, 项目资金.其他资金]", "parts", "上年结转”在 fields 中没有"),
    ("years: [2024, 2025, 2026, 2027, 2028, 2029, 2030]", 'years: "2025"', "years:", "years”应是列表"),
    ("date_range: [计划开始日期, 计划完成日期]", "date_range: 计划开始日期", "date_range", "date_range”应是列表"),
    ("指标值: {label: 年度(/项目)指标值, warn_empty: true}",
     "指标值: {type: group, label: 年度(/项目)指标值, warn_empty: true}", "指标值: {", "不能用作指标表的列"),
    ('file_name: "{项目名称}"', 'file_name: "{项目名称.__class__}"', "file_name", "不是可用的名字"),
    ('summary_title: "{单位}{年度}年度项目绩效目标汇总表"', 'summary_title: "{单位}{项目名称}"', "summary_title",
     "不是可用的名字"),
    ("value_column: 指标值", "value_colum: 指标值", "value_colum", "键“value_colum”未知"),
    ("    severity: error", "    severity: fatal", "severity: fatal", "未知"),
]


@pytest.mark.parametrize("old, new, where, message", CASES, ids=[c[3] + str(i) for i, c in enumerate(CASES)])
def test_a_broken_kind_is_a_file_line_problem_not_a_traceback(run_cli, tmp_path, old, new, where, message):
    templates = kind_folder(tmp_path, old, new)
    folder = copy_specs("2025", tmp_path)
    result = run_cli("validate", folder, "--templates", templates)
    assert result.exit_code == 1
    expected = f"{templates / '申报表.yaml'}:{line_of(templates, where)}:"
    lines = [line for line in result.output.splitlines() if "error[kind-definition]" in line]
    assert lines and all(line.startswith(str(templates / "申报表.yaml")) for line in lines), result.output
    assert any(line.startswith(expected) and message in line for line in lines), result.output
    forms = run_cli("forms", "--templates", templates)
    assert forms.exit_code == 1 and message in forms.output


def test_perfdoc_forms_with_a_bad_kind_is_one_message(run_cli, tmp_path):
    templates = kind_folder(tmp_path, "years: [2024, 2025, 2026, 2027, 2028, 2029, 2030]", 'years: "2025"')
    result = run_cli("forms", "--templates", templates)
    assert result.exit_code == 1 and "申报表.yaml:7:" in result.output


@pytest.mark.parametrize("name, words", [("申报表.DOCX", "小写 .docx"), ("申报表.doc", "另存为"),
                                         ("申报表.docx", "不是文件")])
def test_a_restyled_template_that_would_be_ignored_is_refused(run_cli, tmp_path, name, words):
    templates = tmp_path / "模板"
    templates.mkdir()
    if name == "申报表.docx":
        (templates / name).mkdir()
    else:
        shutil.copy(BUILTIN / "申报表.docx", templates / name)
    folder = copy_specs("2025", tmp_path)
    result = run_cli("build", folder, "-o", tmp_path / "out", "--templates", templates)
    assert result.exit_code == 1 and words in result.output, result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.docx"))


def test_a_templates_path_that_is_a_file_is_said_so(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    result = run_cli("validate", folder, "--templates", BUILTIN / "申报表.docx")
    assert result.exit_code != 0 and "不是模板文件夹" in result.output


def test_a_project_file_with_an_upper_case_extension_is_read(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    (folder / "02_信息化运维项目.yaml").rename(folder / "02_信息化运维项目.YAML")
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert (tmp_path / "out" / "信息化运维项目.docx").is_file()


def test_validate_checks_the_template_it_would_use(run_cli, tmp_path):
    from test_hostile_templates import restyled
    templates = restyled(tmp_path, "{{ 项目.项目名 }}")
    folder = copy_specs("2025", tmp_path)
    result = run_cli("validate", folder, "--templates", templates)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "error[template]" in line)
    assert line.startswith(str(templates / "申报表.docx") + ":1:1:") and "项目名" in line
    clean = run_cli("validate", SPECS / "2025")
    assert "error[template]" not in clean.output


def test_the_builtin_kinds_pass_their_own_checks():
    from perfdoc.input.kindcheck import check_kind_text
    for path in BUILTIN.glob("*.yaml"):
        assert check_kind_text(path, path.read_text(encoding="utf-8")) == []


def test_a_hidden_yaml_file_is_named_not_silently_skipped(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    shutil.copy(folder / "02_信息化运维项目.yaml", folder / ".YAML")
    result = run_cli("validate", folder)
    assert f"{folder / '.YAML'}:1:1: warning[hidden-file]" in result.output


def test_a_deeply_nested_expression_is_a_message(tmp_path):
    from test_docxjinja import make_template
    from perfdoc.output.docxjinja import DocxTemplate, TemplateError
    expression = "(" * 5000 + "1" + ")" * 5000
    with pytest.raises(TemplateError):
        DocxTemplate(make_template(tmp_path, f"<w:p><w:r><w:t>{{{{ {expression} }}}}</w:t></w:r></w:p>"))


def test_a_kind_name_cannot_lead_schema_files_out_of_their_folder(run_cli, tmp_path):
    templates = kind_folder(tmp_path, "name: 申报表", "name: ../../逃逸")
    result = run_cli("schema", "-o", tmp_path / "schema", "--templates", templates)
    assert result.exit_code == 1 and "error[kind-definition]" in result.output
    assert not list(tmp_path.rglob("*逃逸*"))


def test_pdf_passes_documents_as_absolute_paths():
    from perfdoc.output.pdf import _command
    from pathlib import Path as P
    command = _command("soffice", P("/tmp/s"), [P("-env:UserInstallation=file:///x.docx")])
    assert command[-1].startswith("/") and command[-1].endswith("-env:UserInstallation=file:/x.docx")
