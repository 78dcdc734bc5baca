"""Hostile templates (issue 11): a restyled .docx from another office runs no code, costs a
bounded amount, never yields a corrupt document, and its errors say where and for which project."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, copy_specs
from test_docxjinja import make_template, read

from perfdoc.output.docxjinja import DocxTemplate, TemplateError

BUILTIN = REPO / "templates" / "申报表.docx"
NAME_TAG = "{{ 项目.项目名称 }}"


def restyled(tmp_path: Path, replacement: str, *, tag: str = NAME_TAG, extra: dict | None = None,
             more: dict | None = None) -> Path:
    """The built-in 申报表.docx with the 项目名称 tag (and `more` tags) replaced, in a templates
    folder of its own, with `extra` members added."""
    folder = tmp_path / "模板"
    folder.mkdir(exist_ok=True)
    target = folder / "申报表.docx"
    with zipfile.ZipFile(BUILTIN) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                for old, new in {tag: replacement, **(more or {})}.items():
                    assert old in text
                    text = text.replace(old, new, 1)
                data = text.encode("utf-8")
            out.writestr(info, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return folder


def build(run_cli, tmp_path: Path, templates: Path):
    folder = copy_specs("2025", tmp_path)
    out = tmp_path / "out"
    return run_cli("build", folder, "-o", out, "--templates", templates), out


ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ 项目.__class__.__mro__[1].__subclasses__() }}",
    "{{ loop.__init__.__globals__ }}",
    "{{ 项目列表.__class__.__base__ }}",
    "{{ 项目.项目名称.__class__.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('touch PWNED') }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(项目) }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ 项目列表.append(1) }}",
    "{{ 项目.update({'a': 1}) }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_template_cannot_run_code_or_reach_python(run_cli, tmp_path, monkeypatch, payload):
    monkeypatch.chdir(tmp_path)
    result, out = build(run_cli, tmp_path, restyled(tmp_path, payload))
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "PWNED").exists()
    assert not list(out.glob("*.docx")) if out.exists() else True
    message = [line for line in result.output.splitlines() if line.startswith("perfdoc:")]
    assert len(message) == 1 and "申报表.docx" in message[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("payload, words", [
    ("{% for i in range(10**9) %}{% endfor %}", "range"),
    ("{% for a in 项目列表 %}{% for b in 'x' * 100000 %}{% for c in 'y' * 100 %}{% endfor %}{% endfor %}{% endfor %}",
     "循环超过"),
    ("{{ 'x' * 10**9 }}", "过大"),
    ("{{ 10 ** 10000000 }}", "乘方"),
    ("{{ '%999999999d' % 1 }}", "格式宽度"),
    ("{{ 'x'.center(10**9) }}", "不能调用"),
    ("{{ 'x'.ljust(999999999) }}", "不能调用"),
    ("{{ ('x' * 9000000) ~ ('x' * 9000000) }}", "过大"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "递归"),
    ("{% set a = 'x' * 9000000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a] ~ '' }}", "过大"),
    ("{% set a = 'x' * 9000000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a] }}", "过大"),
    ("{% set a = 'x' * 9000000 %}{{ [a, a, a, a, a, a, a, a, a, a, a, a] | upper }}", "过大"),
    ("{{ 项目列表 | join('x' * 9000000) }}", "过大"),
    ("{% set a = 'x' * 9000000 %}{{ [[a], [a], [a], [a], [a], [a], [a], [a]] | sum(start=[]) | join }}", "过大"),
])
def test_a_template_cannot_hang_or_eat_memory(tmp_path, payload, words):
    template = DocxTemplate(make_template(tmp_path, f"<w:p><w:r><w:t>{payload}</w:t></w:r></w:p>"))
    with pytest.raises(TemplateError, match=words):
        template.render({"项目列表": [{"项目名称": "甲"}] * 100, "项目": {"项目名称": "甲"}})


def test_loops_in_the_project_loop_count_too_when_each_form_is_rendered_once(run_cli, tmp_path):
    """The built-in 申报表's project loop is cut into segments rendered once per project (the
    layout): a loop inside a segment counts against the budget as in the whole template."""
    loops = "{% for a in 'x' * 2000 %}{% for b in 'y' * 2000 %}{% endfor %}{% endfor %}"
    templates = restyled(tmp_path, loops + NAME_TAG)
    assert DocxTemplate(templates / "申报表.docx").layout is not None  # rendered in segments
    result, out = build(run_cli, tmp_path, templates)
    assert result.exit_code == 1 and "循环超过" in result.output, result.output
    assert not list(out.glob("*.docx")) if out.exists() else True


@pytest.mark.parametrize("payload", ["{{ 项目.项目名称 | wordwrap(10**9) }}", "{{ [1] | batch(10**9, 'x') | list }}",
                                     "{{ 'x' | center(10**9) }}", "{{ '%s' | format(1) }}", "{{ x | safe }}"])
def test_filters_that_can_build_huge_or_raw_values_are_not_offered(tmp_path, payload):
    with pytest.raises(TemplateError, match="No filter named"):
        DocxTemplate(make_template(tmp_path, f"<w:p><w:r><w:t>{payload}</w:t></w:r></w:p>"))


@pytest.mark.parametrize("payload, tag", [
    ("{% include 'x.xml' %}", "include"),
    ("{% import 'x.xml' as x %}", "import"),
    ("{% from 'x.xml' import y %}", "import"),
    ("{% extends '/etc/passwd' %}", "extends"),
])
def test_a_template_cannot_read_other_files(tmp_path, payload, tag):
    with pytest.raises(TemplateError, match=f"不能引用其他模板.*{tag}"):
        DocxTemplate(make_template(tmp_path, f"<w:p><w:r><w:t>{payload}</w:t></w:r></w:p>"))


def test_an_if_spanning_a_paragraph_and_a_cell_is_refused_naming_the_tag(run_cli, tmp_path):
    body = ("<w:p><w:r><w:t>{% if 0 %}开始</w:t></w:r></w:p>"
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{% endif %}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>")
    with pytest.raises(TemplateError, match=r"第 1 段“\{% if 0 %\}开始”.*\{% if %\}"):
        DocxTemplate(make_template(tmp_path, body))


def test_no_corrupt_document_is_written_with_exit_0(run_cli, tmp_path):
    # the case from the issue, through a real build: {% if 0 %} in a paragraph, {% endif %} in a cell
    templates = restyled(tmp_path, "{% if 0 %}", more={"{{ 项目.项目资金.项目资金总额 }}": "{% endif %}"})
    result, out = build(run_cli, tmp_path, templates)
    assert result.exit_code == 1
    assert "{% if 0 %}" in result.output and "申报表.docx" in result.output
    assert not out.exists() or not list(out.glob("*.docx"))


def test_whatever_slips_past_the_checks_is_caught_before_writing(tmp_path):
    # the rendered XML is parsed before it is written: a control character no XML may hold
    body = "<w:p><w:r><w:t>{% autoescape false %}{{ x }}{% endautoescape %}</w:t></w:r></w:p>"
    template = DocxTemplate(make_template(tmp_path, body))
    assert "&lt;/w:t&gt;" in read_xml(template.render({"x": "</w:t></w:r>"}))  # escaped all the same
    with pytest.raises(TemplateError, match="不是有效的 XML"):
        template.render({"x": "a\x01b"})


def read_xml(data: bytes) -> str:
    import io
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()


def test_a_doctype_with_entities_is_refused(tmp_path):
    path = make_template(tmp_path, "<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>")
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    document = parts["word/document.xml"].decode()
    bomb = ('<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY e SYSTEM "file:///etc/passwd">]>')
    parts["word/document.xml"] = document.replace("?>", "?>" + bomb, 1).replace("{{ x }}", "&b;&e;{{ x }}").encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(TemplateError, match="DOCTYPE"):
        DocxTemplate(path)


@pytest.mark.parametrize("member", ["../evil.xml", "/etc/evil.xml", "word/../../evil.xml", "C:/evil.xml"])
def test_a_member_named_outside_the_package_is_never_copied(run_cli, tmp_path, member):
    result, out = build(run_cli, tmp_path, restyled(tmp_path, NAME_TAG, extra={member: "<x/>"}))
    assert result.exit_code == 1 and "指向包外" in result.output
    assert not out.exists() or not list(out.glob("*.docx"))


def test_a_zip_bomb_template_is_refused_before_inflating(tmp_path):
    path = make_template(tmp_path, "<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/bomb.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(65):
                member.write(chunk)
    with pytest.raises(TemplateError, match="超过上限"):
        DocxTemplate(path)


def test_a_template_error_names_the_template_the_cell_and_the_project(run_cli, tmp_path):
    templates = restyled(tmp_path, "{{ 1 / 0 }}", tag="{{ 行.指标值 }}")
    result, _ = build(run_cli, tmp_path, templates)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if line.startswith("perfdoc:"))
    assert "申报表.docx" in line and "division by zero" in line
    assert "第 1 个表格" in line and "行第" in line and "{{ 1 / 0 }}" in line
    assert "绿色技术银行综合管理与运行" in line  # the project being printed


def test_an_undefined_name_says_where_and_for_which_project(run_cli, tmp_path):
    templates = restyled(tmp_path, "{{ 项目.项目名 }}")
    result, _ = build(run_cli, tmp_path, templates)
    line = next(line for line in result.output.splitlines() if line.startswith("perfdoc:"))
    assert "项目名" in line and "第 1 个表格第 1 行" in line and "绿色技术银行综合管理与运行" in line


def test_the_builtin_templates_still_render_inside_the_sandbox(run_cli, tmp_path):
    for year in ("2020", "2022", "2025", "2026"):
        folder = copy_specs(year, tmp_path)
        result = run_cli("build", folder, "-o", tmp_path / f"out-{year}")
        assert result.exit_code == 0, result.output
        assert list((tmp_path / f"out-{year}").glob("*.docx"))


def test_safe_filters_and_methods_remain_available(tmp_path):
    body = ("<w:p><w:r><w:t>{{ 名 | trim | upper }}|{{ 名.strip().split('-')[0] }}|{{ 列 | join('、') }}|"
            "{{ 列 | length }}|{{ 'ab' * 2 }}|{{ 2 ** 10 }}</w:t></w:r></w:p>")
    doc = read(DocxTemplate(make_template(tmp_path, body)).render({"名": " a-b ", "列": ["甲", "乙"]}))
    assert doc.paragraphs[0].text == "A-B|a|甲、乙|2|abab|1024"


# A paragraph of a few hundred thousand Jinja openers never closed: a pattern such as
# `\{\{(.*?)\}\}` read from each of them to the end of the part (hours for these); now each
# character is read a bounded number of times (output/marks.py). The timeout only says "it did
# not hang"; the template is still refused, with its cell named and nothing written.
UNCLOSED = {
    "expressions": "{{" * 200_000,
    "an-element-tag-and-spaces": "{%p " + " " * 1_000_000 + "x",
    "statements": "{% if " * 100_000,
    "a-vm-tag-and-spaces": "{%vm " + " " * 1_000_000,
}


@pytest.mark.parametrize("case", sorted(UNCLOSED))
def test_a_template_of_unclosed_marks_is_refused_without_hanging(tmp_path, case):
    templates = restyled(tmp_path, UNCLOSED[case])
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "perfdoc", "build", str(folder), "-o", str(out),
                             "--templates", str(templates)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "申报表.docx (word/document.xml" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.docx"))
