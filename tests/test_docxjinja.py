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
