"""A project's XML is read by expat once, on its own, though it goes into its form and the 汇总表
(issue 16): the verdict on every document must stay expat's verdict on the document whole."""
from __future__ import annotations

from xml.parsers import expat

import pytest

from test_docxjinja import make_template

from perfdoc.output.docxjinja import DocxTemplate, TemplateError, is_fragment
from perfdoc.output.package import deflate_piece

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
PARAGRAPH = b"<w:p><w:r><w:t>&amp; 2025</w:t></w:r></w:p>"


def test_a_fragment_is_element_content_between_tags():
    assert is_fragment(PARAGRAPH)
    assert is_fragment(b"<a/>text<b>&#65;</b>")
    assert not is_fragment(b"text<a/>")                 # begins with text: could join a "]]"
    assert not is_fragment(b"<a>")                      # unbalanced
    assert not is_fragment(b"<a>&nbsp;</a>")            # an entity no document declares
    assert not is_fragment(b"<a/><!-- x -->")           # a comment may sit where an element may not
    assert not is_fragment(b"<a/><?pi x?>")
    assert not is_fragment(b"")


# (before, after): where in a document the project's run of XML lands
PLACES = {
    "in the root": (DECLARATION + b"<r>", b"</r>"),
    "in text": (DECLARATION + b"<r>a]]", b">b</r>"),
    "before the root": (DECLARATION, b"<r/>"),
    "as the only root": (DECLARATION, b""),
    "after the root": (DECLARATION + b"<r/>", b""),
    "inside a tag": (DECLARATION + b"<r><w:p ", b"/></r>"),
    "in an attribute": (DECLARATION + b'<r a="', b'"/>'),
    "in a comment": (DECLARATION + b"<r><!-- ", b" --></r>"),
    "in CDATA": (DECLARATION + b"<r><![CDATA[", b"]]></r>"),
    "in a processing instruction": (DECLARATION + b"<r><?pi ", b"?></r>"),
    "after a DOCTYPE": (DECLARATION + b"<!DOCTYPE r [<!ENTITY e 'x'>]><r>", b"&e;</r>"),
    "no declaration": (b"<r>", b"</r>"),
}
FRAGMENTS = [PARAGRAPH, b"<a>x--y</a>", b"<a>]]</a><b/>", b"<w:p/><w:p/>"]


def expat_says(data: bytes) -> bool:
    try:
        expat.ParserCreate().Parse(data, True)
    except expat.ExpatError:
        return False
    return True


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_the_check_with_a_fragment_read_once_is_expats_on_the_whole(tmp_path, place, fragment):
    before, after = PLACES[place]
    assert is_fragment(fragment)
    template = DocxTemplate(make_template(tmp_path, "<w:p/>"))
    for repeat in (1, 3):  # a form holds the project once, the 汇总表 many times
        pieces = [deflate_piece(before)] + [deflate_piece(fragment, fragment=True)] * repeat + [deflate_piece(after)]
        whole = b"".join(p.data for p in pieces)
        if expat_says(whole):
            assert list(template.checked(pieces)) == pieces
        else:
            with pytest.raises(TemplateError, match="不是有效的 XML"):
                list(template.checked(pieces))


def test_the_built_in_forms_hand_over_fragments():
    """Otherwise nothing is saved: the built-in templates' project runs are fragments."""
    from pathlib import Path
    from perfdoc.make.pipeline import read_specs
    from perfdoc.output.render import Renderer, _context, project_data
    for year in ("2020", "2022", "2025", "2026"):
        specs = read_specs(Path(__file__).resolve().parents[1] / "specs" / year)
        template = Renderer().template(specs.unit.kind)
        project = specs.projects[0]
        pieces = template.project_pieces(project_data(project), _context(specs.unit, [project], False))
        assert pieces and all(p.fragment for p in pieces)
