"""Jinja inside a .docx: compile a Word template once, render many documents from it.

The template is an ordinary .docx an organisation can restyle in Word or WPS. Its text holds
Jinja, with four tags (as in docxtpl) that act on the Word element around them:

    {%tr for 行 in 项目.绩效指标 %}   the whole table row becomes the Jinja statement
    {%tc if … %} / {%p if … %}        likewise for a table cell / a paragraph
    {%vm 行.合并.一级指标 %}           this cell merges vertically: the expression gives
                                       "restart", "continue" or nothing, computed in Python —
                                       docxtpl's {% vm %} cannot nest 一级 over 二级
    {%keep 行.分页 %}                  this table row's pagination, computed in Python: 整行
                                       (the row never splits across pages) and 连下 (it stays
                                       on the page of the next row)

Every `{{ value }}` is XML-escaped (so `&`, `<` and `{{ x }}` in a value print literally), and a
newline in a value starts a new paragraph with the same paragraph and run formatting.

Only word/document.xml, headers and footers are compiled; every other part of the package is
copied as it is. Rendering is a Jinja render plus one zip write: no python-docx, no XML tree.
"""
from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import jinja2
from lxml import etree
from markupsafe import Markup, escape

from ..input.kinds import TemplateError
from .package import PackageTooLarge, Part, deflate, zip_bytes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_w = "{%s}" % W
_TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_ELEMENT_TAG = re.compile(r"\{%(tr|tc|p)\s+(.*?)\s*%\}", re.S)
_VM_TAG = re.compile(r"\{%vm\s+(.*?)\s*%\}", re.S)
_KEEP_TAG = re.compile(r"\{%keep\s+(.*?)\s*%\}", re.S)
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_STATEMENT_MARK = "perfdoc-jinja"
_MARKED = re.compile(r"<%s>(.*?)</%s>" % (_STATEMENT_MARK, _STATEMENT_MARK), re.S)
_JINJA_SPAN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
# tcPr children that must come before w:vMerge (ECMA-376 CT_TcPr order)
_BEFORE_VMERGE = {_w + "cnfStyle", _w + "tcW", _w + "gridSpan", _w + "hMerge"}
_KEEP_NEXT = b"<w:keepNext/>"


class _Environment(jinja2.Environment):
    """Jinja looks `项目.项目名称` up as an attribute first and a key only after AttributeError;
    template data is dicts, so looking keys up first halves the time a render takes."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


class DocxTemplate:
    """A compiled .docx template: `render(context)` returns the bytes of a finished .docx."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as package:
                self._parts = [(info.filename, package.read(info)) for info in package.infolist()]
        except (OSError, zipfile.BadZipFile) as exc:
            raise TemplateError(f"{self.path}: 不是有效的 .docx 文件（{exc}）") from None
        self._paragraph_styles: list[tuple[bytes, bytes]] = []
        self._env = _Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                 keep_trailing_newline=True)
        self._env.filters["docx_text"] = self._docx_text
        self._templates: dict[str, jinja2.Template] = {}
        self._static: dict[str, Part] = {}  # every other part, deflated once for all documents
        for name, data in self._parts:
            if not _TEMPLATED_PART.match(name):
                self._static[name] = deflate(name, data)
                continue
            source = self.compile_xml(data)
            try:
                self._templates[name] = self._env.from_string(source)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(f"{self.path} ({name}): 模板中的 Jinja 有误：{exc.message}"
                                    f"（请检查花括号标记是否完整、for/if 是否都有 endfor/endif）") from None

    # -- rendering -----------------------------------------------------------------------
    def render(self, context: dict) -> bytes:
        """Render the template with `context` into the bytes of a .docx package."""
        rendered = dict(self._static)
        for name, template in self._templates.items():
            try:
                rendered[name] = deflate(name, template.render(context).encode("utf-8"))
            except jinja2.UndefinedError as exc:
                raise TemplateError(f"{self.path}: 模板使用了数据中没有的名字：{exc.message}") from None
            except PackageTooLarge as exc:
                raise TemplateError(f"{self.path}: {exc}") from None
            except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
                # a restyled template is the organisation's input: a bad expression in it is
                # reported like a bad spec, never as a traceback
                raise TemplateError(f"{self.path}: 模板中的表达式无法求值：{exc}") from None
        return zip_bytes([rendered[name] for name, _ in self._parts])

    def _docx_text(self, value, style_index: int, keep_next: bool = False) -> Markup:
        """Escape a value for w:t; each newline closes the paragraph and opens a like one."""
        if value is None:
            return Markup("")
        text = str(value)
        # a traced value (output/anchors.py) leaves a mark naming the field it prints; plain ones none
        mark = Markup(getattr(value, "xml_mark", ""))
        if "\n" not in text:
            return escape(text) + mark
        ppr, rpr = self._paragraph_styles[style_index]
        if keep_next:
            ppr = _with_keep_next(ppr)
        joint = Markup('</w:t></w:r></w:p><w:p>%s<w:r>%s<w:t xml:space="preserve">'
                       % (ppr.decode("utf-8"), rpr.decode("utf-8")))
        return joint.join(escape(line) for line in text.split("\n")) + mark

    # -- compiling -----------------------------------------------------------------------
    def compile_xml(self, data: bytes) -> str:
        """Turn one XML part with Jinja in its text into Jinja source that renders XML."""
        try:
            root = etree.fromstring(data)
        except etree.XMLSyntaxError as exc:
            raise TemplateError(f"{self.path}: XML 无法解析：{exc}") from None
        self._row_keeps = {}
        for paragraph in list(root.iter(_w + "p")):
            self._apply_keep_tag(paragraph)  # first: every paragraph of such a row needs to know it
        for paragraph in list(root.iter(_w + "p")):
            if paragraph.getparent() is None:
                continue  # removed with a row or cell already
            text = _merge_runs(paragraph)
            if text is None:
                continue
            self._apply_element_tags(paragraph, text)
        source = etree.tostring(root, encoding="unicode")
        source = _JINJA_SPAN.sub(lambda m: html.unescape(m.group()), source)
        source = _MARKED.sub(lambda m: html.unescape(m.group(1)), source)
        xml_declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        return xml_declaration + source

    def _apply_element_tags(self, paragraph, text: str) -> None:
        element_tag = _ELEMENT_TAG.search(text)
        if element_tag:
            level, statement = element_tag.groups()
            rest = _ELEMENT_TAG.sub("", text, count=1).strip()
            if rest:
                raise TemplateError(f"{self.path}: “{{%{level} … %}}”所在段落不能有其他文字：{rest!r}")
            target = {"p": paragraph, "tc": _ancestor(paragraph, "tc"), "tr": _ancestor(paragraph, "tr")}[level]
            if target is None:
                raise TemplateError(f"{self.path}: “{{%{level} {statement} %}}”不在表格{'行' if level == 'tr' else '单元格'}中")
            target.getparent().replace(target, _statement("{% " + statement + " %}"))
            return
        vm = _VM_TAG.search(text)
        if vm:
            cell = _ancestor(paragraph, "tc")
            if cell is None:
                raise TemplateError(f"{self.path}: “{{%vm … %}}”只能用在表格单元格中")
            text = _VM_TAG.sub("", text)
            _make_vertical_merge(cell, vm.group(1))
        text = _EXPRESSION.sub(lambda m: self._expression(paragraph, m.group(1)), text)
        _set_text(paragraph, text)

    def _apply_keep_tag(self, paragraph) -> None:
        """`{%keep 行.分页 %}`: the row's cantSplit and its paragraphs' keepNext follow the data."""
        text = _merge_runs(paragraph)
        keep = _KEEP_TAG.search(text or "")
        if not keep:
            return
        row = _ancestor(paragraph, "tr")
        if row is None:
            raise TemplateError(f"{self.path}: “{{%keep … %}}”只能用在表格行中")
        _set_text(paragraph, _KEEP_TAG.sub("", text))
        value = "(%s)" % keep.group(1)
        self._row_keeps[row] = value
        trpr = row.find(_w + "trPr")
        if trpr is None:
            trpr = etree.Element(_w + "trPr")
            row.insert(1 if len(row) and row[0].tag == _w + "tblPrEx" else 0, trpr)
        for old in trpr.findall(_w + "cantSplit"):
            trpr.remove(old)
        trpr.append(_statement('{%% if %s.整行 %%}<w:cantSplit/>{%% endif %%}' % value))
        for each in row.iter(_w + "p"):
            ppr = each.find(_w + "pPr")
            if ppr is None:
                ppr = etree.Element(_w + "pPr")
                each.insert(0, ppr)
            for old in ppr.findall(_w + "keepNext"):
                ppr.remove(old)
            style = ppr.find(_w + "pStyle")  # keepNext comes right after pStyle (CT_PPrBase order)
            ppr.insert(0 if style is None else ppr.index(style) + 1,
                       _statement('{%% if %s.连下 %%}<w:keepNext/>{%% endif %%}' % value))

    def _expression(self, paragraph, expression: str) -> str:
        ppr = paragraph.find(_w + "pPr")
        rpr = next(paragraph.iter(_w + "t")).getparent().find(_w + "rPr")
        keep = self._row_keeps.get(_ancestor(paragraph, "tr"))
        self._paragraph_styles.append((_xml(ppr), _xml(rpr)))
        index = len(self._paragraph_styles) - 1
        if keep:  # a paragraph that a newline in the value adds keeps with the next row like its first
            return "{{ (%s) | docx_text(%d, %s.连下) }}" % (expression.strip(), index, keep)
        return "{{ (%s) | docx_text(%d) }}" % (expression.strip(), index)


_NAMESPACE_DECLARATION = re.compile(rb' xmlns:\w+="[^"]*"')


def _xml(element) -> bytes:
    """An element's XML for pasting back into its own part: the root declares its namespaces
    already, and lxml would repeat every one in scope (w:, r: …) on the copy. A {%keep %}
    statement in it is left out (_with_keep_next puts its keepNext back at render time)."""
    if element is None:
        return b""
    xml = _NAMESPACE_DECLARATION.sub(b"", etree.tostring(element))
    return _MARKED_BYTES.sub(b"", xml)


_MARKED_BYTES = re.compile(rb"<%s>.*?</%s>" % (_STATEMENT_MARK.encode(), _STATEMENT_MARK.encode()), re.S)
_PSTYLE = re.compile(rb"<w:pStyle [^>]*/>")


def _with_keep_next(ppr: bytes) -> bytes:
    """A paragraph's pPr with keepNext, where CT_PPrBase puts it: after pStyle, else first."""
    if not ppr or ppr.endswith(b"<w:pPr/>"):
        return b"<w:pPr>" + _KEEP_NEXT + b"</w:pPr>"
    style = _PSTYLE.search(ppr)
    at = style.end() if style else ppr.index(b">") + 1
    return ppr[:at] + _KEEP_NEXT + ppr[at:]


def _ancestor(element, local_name: str):
    element = element.getparent()
    while element is not None and element.tag != _w + local_name:
        element = element.getparent()
    return element


def _statement(text: str):
    marker = etree.Element(_STATEMENT_MARK)
    marker.text = text
    return marker


def _merge_runs(paragraph) -> str | None:
    """Return the paragraph's text if it holds Jinja, with all of it moved into the first run.

    Word splits `{{ 项目名称 }}` over several runs as it is edited (spell-check marks, a
    changed font on one letter); Jinja must see it whole. The first text run's formatting wins.
    """
    texts = list(paragraph.iter(_w + "t"))
    text = "".join(t.text or "" for t in texts)
    if "{{" not in text and "{%" not in text:
        return None
    first = texts[0]
    for extra in texts[1:]:
        run = extra.getparent()
        run.remove(extra)
        if run is not first.getparent() and not any(c.tag != _w + "rPr" for c in run):
            run.getparent().remove(run)
    first.text = text
    return text


def _set_text(paragraph, text: str) -> None:
    first = next(paragraph.iter(_w + "t"))
    first.text = text
    first.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _make_vertical_merge(cell, expression: str) -> None:
    """Give the cell a vMerge chosen at render time; a continued cell's text is left out."""
    tcpr = cell.find(_w + "tcPr")
    if tcpr is None:
        tcpr = etree.SubElement(cell, _w + "tcPr")
        cell.insert(0, tcpr)
    position = sum(1 for child in tcpr if child.tag in _BEFORE_VMERGE)
    for old in tcpr.findall(_w + "vMerge"):
        tcpr.remove(old)
    value = "(%s)" % expression
    tcpr.insert(position, _statement(
        '{%% if %s == "restart" %%}<w:vMerge w:val="restart"/>'
        '{%% elif %s == "continue" %%}<w:vMerge/>{%% endif %%}' % (value, value)))
    for paragraph in cell.findall(_w + "p"):
        children = [c for c in paragraph if c.tag != _w + "pPr"]
        if not children:
            continue
        children[0].addprevious(_statement('{%% if %s != "continue" %%}' % value))
        children[-1].addnext(_statement("{% endif %}"))
