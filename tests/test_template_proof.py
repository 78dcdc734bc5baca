"""A template's project segment is proven well-formed once, instead of expat reading every form
(issue 16, output/proof.py): what the prover cannot prove keeps expat's check, and a restyled
template that could print ill-formed XML is refused as before, with no document written."""
from __future__ import annotations

from pathlib import Path
from xml.parsers import expat

import jinja2
import pytest
from hypothesis import given, strategies as st

from conftest import REPO
from test_docxjinja import make_template
from test_hostile_templates import NAME_TAG, build, read_xml, restyled

from perfdoc.output.docxjinja import DocxTemplate, TemplateError, is_fragment
from perfdoc.output.proof import proves_fragment
from perfdoc.output.sandbox import TemplateEnvironment, guard_loops

JOINT = '</w:t></w:r></w:p><w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:t xml:space="preserve">'
TEXT = "<w:p><w:r><w:t>{{ (x) | docx_text(0) }}</w:t></w:r></w:p>"


def proven(source: str, joints=(JOINT,)) -> bool:
    """The prover's verdict on Jinja source, parsed and loop-guarded as docxjinja's segments are
    (`joints`: those of every style; None: the template has no style at all)."""
    env = TemplateEnvironment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    tree = guard_loops(env.parse(source))
    return proves_fragment(tree.body, lambda style: list(joints) if joints is not None else [][style])


@pytest.mark.parametrize("source", [
    TEXT,
    "<w:p/>" + TEXT + "<w:tbl><w:tr><w:tc>" + TEXT + "</w:tc></w:tr></w:tbl>",
    "{% if a %}" + TEXT + "{% elif b %}<w:p/>{% else %}{% endif %}",
    "{% for a in b if a %}" + TEXT + "{% else %}<w:p/>{% endfor %}",
    "<w:tbl><w:tr><w:tc>{% if a %}</w:tc><w:tc>{% endif %}</w:tc></w:tr></w:tbl>",  # cells merge: still XML
    '<w:p><w:r><w:t>&amp; 1 &gt; 0 {{ (x) | docx_text(0, 行.分页.连下) }}]]</w:t></w:r></w:p>',
    '<w:p w:a="x > y"/>',  # ">" in a quoted value is no character data
    "{% raw %}<w:p/>{% endraw %}",
])
def test_what_the_compiler_writes_is_proven(source):
    assert proven(source)


@pytest.mark.parametrize("source", [
    "{% autoescape false %}" + TEXT + "{% endautoescape %}",
    "{% filter truncate(5) %}" + TEXT + "{% endfilter %}",
    "{% set x %}<w:p>{% endset %}<w:p><w:r><w:t>{{ (x) | docx_text(0) }}</w:t></w:r></w:p>",
    "{% set x = '<w:p>' %}" + TEXT,
    "{% with x = 1 %}" + TEXT + "{% endwith %}",
    "{% macro m() %}<w:p>{% endmacro %}{{ m() }}",
    "{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}<w:p>{% endcall %}",
    "{% for a in b recursive %}" + TEXT + "{% endfor %}",
    "{% block b %}" + TEXT + "{% endblock %}",
])
def test_statements_the_prover_does_not_model_are_not_proven(source):
    assert not proven(source)


@pytest.mark.parametrize("source", [
    "<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>",                             # printed but not docx_text
    "<w:p><w:r><w:t>{{ x | e }}</w:t></w:r></w:p>",
    "<w:p><w:r><w:t>{{ (x) | docx_text(i) }}</w:t></w:r></w:p>",           # a style not known ahead
    "<w:p><w:r><w:t>{{ (x) | docx_text(style_index=0) }}</w:t></w:r></w:p>",
    "<w:p><w:r><w:t>{{ (x) | docx_text(*s) }}</w:t></w:r></w:p>",
])
def test_only_docx_text_as_the_compiler_writes_it_is_proven(source):
    assert not proven(source)


@pytest.mark.parametrize("source", [
    "{% if a %}<w:p><w:r><w:t>{% endif %}x</w:t></w:r></w:p>",              # opens w:p in one branch only
    "<w:p>{% if a %}</w:p><w:tbl>{% else %}{% endif %}</w:tbl>",          # the skeleton parses; a skip does not
    "<w:p>{% for a in b %}<w:r>{% endfor %}</w:p>",                        # a body that opens what it keeps open
    "{% for a in b %}</w:p><w:p>{% endfor %}",                             # closes what the piece did not open
    '<w:p {% if a %}w:a="1"{% endif %}/>',                                 # an if inside a tag
    '<w:p w:a="{% if a %}1{% endif %}"/>',                                 # an if inside an attribute value
    "<w:p><w:r><w:t>&amp{% if a %}{% endif %};</w:t></w:r></w:p>",         # a reference cut by a branch
    "<w:p><w:hyperlink><w:r><w:t>{{ (x) | docx_text(0) }}</w:t></w:r></w:hyperlink></w:p>",  # joint closes w:p
    "<w:p><w:r>{{ (x) | docx_text(0) }}</w:r></w:p>",                      # text outside w:t
    "<w:p><w:r><w:t>]]{{ (x) | docx_text(0) }}></w:t></w:r></w:p>",        # x = "" prints "]]>"
    "<w:p><w:r><w:t>]{% if a %}]{% endif %}></w:t></w:r></w:p>",           # so does a skipped branch
    "<w:p><!-- c --></w:p>",
    "<w:p><w:r><w:t><![CDATA[x]]></w:t></w:r></w:p>",
    "<w:p><?pi x?></w:p>",
    "<w:p>",
    "<w:p></w:r>",
    "<w:p><w:r><w:t>\x01</w:t></w:r></w:p>",
])
def test_literal_xml_that_may_render_ill_formed_is_not_proven(source):
    assert not proven(source)


@pytest.mark.parametrize("joint", [
    "</w:t></w:r></w:p><w:p><w:pPr><!-- x --></w:pPr><w:r><w:t>",          # a comment in a restyled pPr
    "</w:t></w:r></w:p><w:p><w:pPr><w:jc></w:pPr><w:r><w:t>",              # unbalanced pPr
    "</w:t></w:r></w:p></w:body><w:p><w:r><w:t>",
    "</w:t></w:r></w:p><w:p><w:r><w:rPr>></w:rPr><w:t>",
])
def test_a_joint_that_is_not_balanced_plain_xml_is_not_proven(joint):
    assert not proven(TEXT, joints=(JOINT, joint))


def test_a_style_the_template_does_not_have_is_not_proven(tmp_path):
    """`{{ … }}` outside a paragraph's text is not rewritten: the template may write any style."""
    body = ("<w:p><w:r><w:t>{%p for 项目 in 项目列表 %}</w:t></w:r></w:p>"
            '<w:p><w:pPr><w:pStyle w:val="{{ 项目.x | docx_text(999) }}"/></w:pPr><w:r><w:t>{{ 项目.x }}</w:t></w:r></w:p>'
            "<w:p><w:r><w:t>{%p endfor %}</w:t></w:r></w:p>")
    template = DocxTemplate(make_template(tmp_path, body))  # was an IndexError
    [segment] = [segment for segment in template.layout.segments if segment.shared]
    assert not segment.proven
    assert not proven(TEXT, joints=None)


def test_a_proven_piece_still_must_look_like_a_fragment():
    """The cheap conditions stay: a piece may begin with text, or print a traced value's mark."""
    assert is_fragment(b"<w:p/>", proven=True)
    assert not is_fragment(b"text<w:p/>", proven=True)
    assert not is_fragment(b"<w:p/>text", proven=True)
    assert not is_fragment(b"", proven=True)
    assert not is_fragment(b"<w:t>a<?perfdoc-field 1?></w:t>", proven=True)
    assert not is_fragment(b"<w:t><!-- x --></w:t>", proven=True)


@pytest.mark.parametrize("kind", ["申报表", "目标表2020", "自评表"])
def test_the_built_in_templates_are_proven(kind):
    """Otherwise nothing is saved: each built-in form's project segment is proven once."""
    template = DocxTemplate(REPO / "templates" / f"{kind}.docx")
    shared = [segment for segment in template.layout.segments if segment.shared]
    assert shared and all(segment.proven for segment in shared)


def project_segment(templates: Path):
    template = DocxTemplate(templates / "申报表.docx")
    if template.layout is None:
        return None
    [segment] = [segment for segment in template.layout.segments if segment.shared]
    return segment


def refused(run_cli, tmp_path, templates: Path, words: str) -> None:
    result, out = build(run_cli, tmp_path, templates)
    assert result.exit_code == 1, result.output
    assert words in result.output and "申报表.docx" in result.output, result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not list(out.glob("*.docx"))


YEAR_TAG = "{{ 栏目.表头年度 }}"
LINKED_NAME = '<w:r><w:t xml:space="preserve">{{ 项目.项目名称 }}</w:t></w:r>'


@pytest.mark.parametrize("replacement, tag, more", [
    # {%p if %} before the table, {%p endif %} in its first cell: skipped, the table is cut open
    ('{%p if 项目.项目名称 == "从不" %}', YEAR_TAG, {NAME_TAG: "{%p endif %}"}),
    # a loop whose body opens the table, a row and a cell: twice, two left open
    ("{%p for i in [1, 2] %}", YEAR_TAG, {NAME_TAG: "{%p endfor %}"}),
    # a newline in a value inside a hyperlink: the joint closes w:r and w:p inside w:hyperlink
    ('<w:hyperlink><w:r><w:t xml:space="preserve">{{ 项目.项目名称 ~ "\\n第二行" }}</w:t></w:r></w:hyperlink>',
     LINKED_NAME, {}),
    # a value printed into an attribute, where docx_text does not print it
    ('<w:r><w:rPr><w:rStyle w:val="{{ &quot;a\\x01&quot; }}"/></w:rPr><w:t>x</w:t></w:r>', LINKED_NAME, {}),
    # a comment printing a value ("--" may not stand in a comment)
    ("<w:r><w:t>x</w:t></w:r><!-- {{ 项目.项目名称 ~ '-' ~ '-' }} -->", LINKED_NAME, {}),
])
def test_a_restyled_template_that_may_print_ill_formed_xml_is_refused(run_cli, tmp_path, replacement, tag, more):
    templates = restyled(tmp_path, replacement, tag=tag, more=more)
    assert not project_segment(templates).proven  # so each form's piece is read by expat, as before
    refused(run_cli, tmp_path, templates, "不是有效的 XML")


@pytest.mark.parametrize("replacement", [
    "{% filter upper %}{{ 项目.项目名称 ~ '&amp;' }}{% endfilter %}",  # &amp; → &AMP;
    # "A&amp;B…" cut after three characters: "A&a"
    "{% autoescape false %}{% filter truncate(3, True, '') %}{{ 'A&amp;B' ~ 项目.项目名称 * 9 }}{% endfilter %}"
    "{% endautoescape %}",
])
def test_statements_that_rewrite_printed_xml_are_refused(run_cli, tmp_path, replacement):
    templates = restyled(tmp_path, replacement)
    assert project_segment(templates) is None  # rendered whole (output/docxjinja.py's _STATEFUL)
    refused(run_cli, tmp_path, templates, "不是有效的 XML")


@pytest.mark.parametrize("literal, code", [(r'"\x01"', "U+0001"), (r'"a\x0bb"', "U+000B"),
                                           (r'"甲\n\x1f"', "U+001F"), (r'"\ud800"', "U+D800"),
                                           (r'"\uffff"', "U+FFFF"), (r'"\x00"', "U+0000")])
def test_docx_text_refuses_a_character_xml_forbids(run_cli, tmp_path, literal, code):
    templates = restyled(tmp_path, "{{ %s }}" % literal)
    assert project_segment(templates).proven  # proven: docx_text's own refusal is what stops it
    refused(run_cli, tmp_path, templates, code)


def test_a_lone_surrogate_printed_outside_docx_text_is_refused_not_a_traceback(run_cli, tmp_path):
    """Not docx_text's: the rendered text cannot be encoded (it was a UnicodeEncodeError traceback)."""
    templates = restyled(tmp_path, "<w:r><w:rPr><w:rStyle w:val=\"{{ '\\ud800' }}\"/></w:rPr><w:t>x</w:t></w:r>",
                         tag=LINKED_NAME)
    assert not project_segment(templates).proven
    refused(run_cli, tmp_path, templates, "U+D800")


def test_a_value_with_a_forbidden_character_is_refused_naming_the_cell(tmp_path):
    template = DocxTemplate(make_template(tmp_path, "<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>"))
    for value in ("a\x0cb", "a\nb\x08", "\ud800" * 100):
        with pytest.raises(TemplateError, match=r"第 1 段“\{\{ x \}\}”.*不是有效的 XML.*U\+(000C|0008|D800)"):
            template.render({"x": value})
    assert "a\tb\rc" in read_xml(template.render({"x": "a\tb\rc"}))  # XML characters: printed, not refused


def test_a_value_of_many_newlines_is_refused_before_it_is_built(tmp_path):
    """Each newline prints a joint of a hundred characters or more: 200,000 of them would be
    22 million characters, past MAX_VALUE_CHARS (9 million would have been a gigabyte)."""
    template = DocxTemplate(make_template(tmp_path, "<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>"))
    with pytest.raises(TemplateError, match="代价超出限度.*过大"):
        template.render({"x": "\n" * 200_000})
    assert read_xml(template.render({"x": "\n" * 1000})).count("<w:p>") == 1001


XML_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff")
VALUES = st.text(st.one_of(XML_CHARACTERS, st.sampled_from("\n]]>&<;\"'")), max_size=40)


@pytest.fixture(scope="module")
def proven_form():
    from perfdoc.make.pipeline import read_specs
    from perfdoc.output.render import Renderer, _context, project_data
    specs = read_specs(REPO / "specs" / "2025")
    template = Renderer().template(specs.unit.kind)
    assert all(segment.proven for segment in template.layout.segments if segment.shared)
    project = specs.projects[0]
    return template, project_data(project), _context(specs.unit, [project], False)


@given(name=VALUES, goal=VALUES, indicator=VALUES, keep=st.booleans())
def test_whatever_a_proven_template_prints_expat_reads_as_element_content(proven_form, name, goal, indicator, keep):
    template, data, context = proven_form
    row = {**data["绩效指标"][0], "三级指标": indicator, "分页": {"整行": keep, "连下": keep}}
    project = {**data, "项目名称": name, "项目总目标": goal, "绩效指标": [row] * 3}
    values = name + goal + indicator
    if any(ord(c) < 0x20 and c not in "\t\n\r" for c in values):
        with pytest.raises(TemplateError, match="不是有效的 XML"):
            template.project_pieces(project, context)
        return
    for piece in template.project_pieces(project, context):
        assert piece.fragment
        expat.ParserCreate().Parse(b"<f>" + piece.data + b"</f>", True)  # raises if ill-formed
