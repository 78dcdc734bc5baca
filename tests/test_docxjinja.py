"""The Jinja-in-Word engine on templates written the way Word writes them."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest

from perfdoc.output.docxjinja import DocxTemplate, TemplateError

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_template(tmp_path, body: str):
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>'
    path = tmp_path / "t.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document)
    return path


def read(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_a_tag_split_over_runs_by_word_is_joined(tmp_path):
    body = ('<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>名称：{{ 项</w:t></w:r><w:proofErr w:type="spellStart"/>'
            '<w:r><w:t>目名</w:t></w:r><w:r><w:t>称 }}</w:t></w:r></w:p>')
    doc = read(DocxTemplate(make_template(tmp_path, body)).render({"项目名称": "A<&>B"}))
    assert doc.paragraphs[0].text == "名称：A<&>B"
    assert doc.paragraphs[0].runs[0].bold  # the first run's formatting is kept


def test_nested_vertical_merges(tmp_path):
    cell = '<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/></w:tcPr><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>'
    row = lambda *cells: "<w:tr>" + "".join(cell.format(c) for c in cells) + "</w:tr>"
    body = ('<w:tbl><w:tblGrid><w:gridCol w:w="1000"/><w:gridCol w:w="1000"/><w:gridCol w:w="1000"/></w:tblGrid>'
            + row("{%tr for r in rows %}", "", "")
            + row("{%vm r.m.a %}{{ r.a }}", "{%vm r.m.b %}{{ r.b }}", "{{ r.c }}")
            + row("{%tr endfor %}", "", "") + "</w:tbl>")
    from perfdoc.output.render import vertical_merges
    rows = [dict(a="产出", b="数量", c="1"), dict(a="产出", b="数量", c="2"),
            dict(a="产出", b="质量", c="3"), dict(a="效益", b="质量", c="4")]
    for r, m in zip(rows, vertical_merges(rows, ["a", "b"])):
        r["m"] = m
    table = read(DocxTemplate(make_template(tmp_path, body)).render({"rows": rows})).tables[0]
    grid = [[c.text for c in r.cells] for r in table.rows]
    assert grid == [["产出", "数量", "1"], ["产出", "数量", "2"], ["产出", "质量", "3"], ["效益", "质量", "4"]]
    tcs = [[c._tc for c in r.cells] for r in table.rows]
    assert tcs[0][0] is tcs[1][0] is tcs[2][0] and tcs[3][0] is not tcs[2][0]
    assert tcs[0][1] is tcs[1][1] and tcs[2][1] is not tcs[1][1]
    # 质量 under 效益 must not merge with 质量 under 产出
    assert tcs[3][1] is not tcs[2][1]


def test_vertical_merges_ignore_empty_cells():
    from perfdoc.output.render import vertical_merges
    rows = [dict(a="投入与管理", b=""), dict(a="投入与管理", b="")]
    assert vertical_merges(rows, ["a", "b"]) == [{"a": "restart", "b": None}, {"a": "continue", "b": None}]


def test_a_name_missing_from_the_data_is_an_error_not_a_blank(tmp_path):
    template = DocxTemplate(make_template(tmp_path, "<w:p><w:r><w:t>{{ 不存在 }}</w:t></w:r></w:p>"))
    with pytest.raises(TemplateError, match="不存在"):
        template.render({})


def test_broken_jinja_in_a_template_is_reported(tmp_path):
    with pytest.raises(TemplateError, match="Jinja"):
        DocxTemplate(make_template(tmp_path, "<w:p><w:r><w:t>{% for x in %}</w:t></w:r></w:p>"))


def test_not_a_docx(tmp_path):
    (tmp_path / "x.docx").write_text("no zip")
    with pytest.raises(TemplateError):
        DocxTemplate(tmp_path / "x.docx")


def _pieced(template, context: dict) -> bytes:
    """word/document.xml as a build writes it: each project's shared segments rendered once."""
    items = [(p, template.project_pieces(p, context)) for p in context["项目列表"]]
    return b"".join(piece.data for piece in template.body_pieces(context, items))


LOOP_BODY = ('<w:p><w:r><w:t>{%p for 项目 in 项目列表 %}</w:t></w:r></w:p>'
             '<w:p><w:r><w:t>{%p if not loop.first %}</w:t></w:r></w:p>'
             '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
             '<w:p><w:r><w:t>{%p endif %}</w:t></w:r></w:p>'
             '<w:p><w:r><w:t>{{ 年度 }} {{ 项目.名称 }}</w:t></w:r></w:p>'
             '<w:p><w:r><w:t>{{ loop.index }}/{{ loop.length }} {{ 项目.名称 }}</w:t></w:r></w:p>'
             '<w:p><w:r><w:t>{%p endfor %}</w:t></w:r></w:p>')


def test_a_form_rendered_once_serves_every_document_it_is_in(tmp_path):
    template = DocxTemplate(make_template(tmp_path, '<w:p><w:r><w:t>{{ 汇总表标题 }}</w:t></w:r></w:p>' + LOOP_BODY))
    assert template.layout.segments[0].shared is False and template.layout.segments[1].shared  # page break, form
    context = {"年度": 2025, "汇总表标题": "汇总", "项目列表": [{"名称": "甲&乙"}, {"名称": "丙"}, {"名称": "丁"}]}
    whole = zipfile.ZipFile(io.BytesIO(template.render(context))).read("word/document.xml")
    assert _pieced(template, context) == whole
    assert "2/3 丙".encode() in whole and "甲&amp;乙".encode() in whole


def test_a_documents_own_segments_print_each_documents_values(tmp_path):
    """The head and a form's loop segment are rendered once for equal plain values: a document
    with other values, a dict, or a loop of several projects is rendered again."""
    def document(head, title, year, names, labels=None):
        template = templates.setdefault(head, DocxTemplate(make_template(tmp_path, head + LOOP_BODY)))
        context = {"年度": year, "汇总表标题": title, "栏目": labels or {}, "项目列表": [{"名称": n} for n in names]}
        pieced = _pieced(template, context)
        assert pieced == zipfile.ZipFile(io.BytesIO(template.render(context))).read("word/document.xml")
        return pieced.decode()

    templates = {}
    plain = '<w:p><w:r><w:t>{{ 汇总表标题 }} {{ 年度 }}</w:t></w:r></w:p>'
    assert "甲 2025" in document(plain, "甲", 2025, ["A"]) and "甲 2025" in document(plain, "甲", 2025, ["B"])
    assert "乙 2026" in document(plain, "乙", 2026, ["C"])
    assert "True 1" in document(plain, True, 1, ["D"]) and "1 1" in document(plain, 1, 1, ["E"])
    several = document(plain, "甲", 2025, ["G", "H"])
    assert "1/1" not in several and "2/2 H" in several and several.count('w:type="page"') == 1
    assert "1/1 I" in document(plain, "甲", 2025, ["I"]) and 'w:type="page"' not in document(plain, "甲", 2025, ["J"])
    with_labels = '<w:p><w:r><w:t>{{ 汇总表标题 }} {{ 栏目.x }}</w:t></w:r></w:p>'
    assert "甲 一" in document(with_labels, "甲", 2025, ["K"], {"x": "一"})
    assert "甲 二" in document(with_labels, "甲", 2025, ["L"], {"x": "二"})  # a dict is never a key


def test_a_template_that_keeps_state_is_rendered_whole(tmp_path):
    body = '<w:p><w:r><w:t>{%p set n = 1 %}</w:t></w:r></w:p>' + LOOP_BODY
    template = DocxTemplate(make_template(tmp_path, body))
    assert template.layout is None
    doc = read(template.render({"年度": 2025, "项目列表": [{"名称": "甲"}, {"名称": "乙"}]}))
    assert [p.text for p in doc.paragraphs if p.text] == ["2025 甲", "1/2 甲", "2025 乙", "2/2 乙"]


def test_keep_sets_each_rows_cant_split_and_keep_next_from_the_data(tmp_path):
    """{%keep 行.分页 %}: w:cantSplit on the row where 整行, w:keepNext on every paragraph of the
    row where 连下 — also on the paragraphs a newline in a value adds — and neither elsewhere."""
    from docx.oxml.ns import qn
    cell = ('<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/>'
            '<w:keepNext/><w:jc w:val="center"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p></w:tc>')
    row = lambda *cells, trpr="": f"<w:tr>{trpr}" + "".join(cell.format(c) for c in cells) + "</w:tr>"
    body = ('<w:tbl><w:tblGrid><w:gridCol w:w="1000"/><w:gridCol w:w="1000"/></w:tblGrid>'
            + row("{%tr for r in rows %}", "")
            + row("{%keep r.分页 %}{{ r.a }}", "{{ r.b }}", trpr="<w:trPr><w:cantSplit/></w:trPr>")
            + row("{%tr endfor %}", "") + "</w:tbl>")
    rows = [{"a": "1", "b": "甲\n乙", "分页": {"整行": True, "连下": True}},
            {"a": "2", "b": "丙", "分页": {"整行": False, "连下": False}}]
    table = read(DocxTemplate(make_template(tmp_path, body)).render({"rows": rows})).tables[0]
    trs = table._tbl.tr_lst
    assert [tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs] == [True, False]
    keeps = [[p.pPr.find(qn("w:keepNext")) is not None for p in tr.iter(qn("w:p"))] for tr in trs]
    assert keeps == [[True, True, True], [False, False]]  # 甲, 乙 both keep with the next row
    assert [[p.text for p in c.paragraphs] for c in table.rows[0].cells] == [["1"], ["甲", "乙"]]
    # the keepNext sits where the schema wants it: right after pStyle
    first = trs[0].find(qn("w:tc")).find(qn("w:p")).pPr
    assert [child.tag for child in first][:3] == [qn("w:pStyle"), qn("w:keepNext"), qn("w:jc")]


def test_keep_outside_a_table_row_is_reported(tmp_path):
    with pytest.raises(TemplateError, match="keep"):
        DocxTemplate(make_template(tmp_path, "<w:p><w:r><w:t>{%keep r.分页 %}</w:t></w:r></w:p>"))


def test_only_docx_text_is_printed_without_escaping_again(tmp_path):
    """docx_text's Markup is printed as it is; any other expression, filtered or not, is escaped."""
    body = ('<w:p><w:pPr><w:pStyle w:val="{{ 项目名称 | upper }}"/></w:pPr>'
            '<w:r><w:t>{{ 项目名称 }}|{{ 项目名称 ~ "&amp;" }}</w:t></w:r></w:p>')
    xml = zipfile.ZipFile(io.BytesIO(DocxTemplate(make_template(tmp_path, body)).render(
        {"项目名称": 'a"<&b'}))).read("word/document.xml").decode()
    assert 'w:val="A&#34;&lt;&amp;B"' in xml
    assert "a&#34;&lt;&amp;b|a&#34;&lt;&amp;b&amp;</w:t>" in xml
