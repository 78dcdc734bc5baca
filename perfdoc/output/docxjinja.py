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
from typing import Iterator

import jinja2
from lxml import etree
from markupsafe import Markup, escape

from ..input.kinds import TemplateError
from jinja2 import nodes
from jinja2.runtime import LoopContext

from .package import PackageTooLarge, Part, Piece, deflate, deflate_piece, zip_bytes

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


BODY_PART = "word/document.xml"
# What a form sees that is the same in a project's own document and in the 汇总表 (all from
# the unit): a segment of the loop body that reads only these is rendered once per project.
_SHARED_NAMES = ("项目", "单位", "年度", "表名", "栏目")
# Statements that carry state from one part of a template to another: a template using any of
# them is rendered whole, the slower way that is right for every template.
_STATEFUL = (nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.CallBlock, nodes.Import,
             nodes.FromImport, nodes.Include, nodes.Extends, nodes.Block, nodes.With, nodes.Scope,
             nodes.OverlayScope, nodes.EvalContextModifier, nodes.ScopedEvalContextModifier,
             nodes.FilterBlock)


# Escaping went through markupsafe 250,000 times for 1000 forms (a tenth of a build under a
# profiler), mostly for the same labels and values (产出指标, 数量指标, ≥90.00(%)): each short
# text is escaped once per process. Markup is immutable, so sharing it is safe.
_ESCAPED: dict[str, Markup] = {}
_NOTHING = Markup("")


class _Segment:
    """A run of top-level statements compiled on its own; `shared` if it reads only
    _SHARED_NAMES, so one rendering serves the form and the 汇总表."""

    def __init__(self, env: jinja2.Environment, body: list, shared: bool = False):
        self.names = set().union(*map(_free_names, body))
        template = nodes.Template(body, lineno=1)
        template.set_environment(env)
        self.render = env.template_class.from_code(env, env.compile(template), env.make_globals(None)).render
        self.shared = shared


class _Layout:
    """word/document.xml cut around `{% for 项目 in 项目列表 %}`: before, body segments, after."""

    def __init__(self, before: _Segment, segments: list[_Segment], after: _Segment):
        self.before, self.segments, self.after = before, segments, after
        self.needs_project = any(not s.shared and "项目" in s.names for s in segments)


def _layout(env: jinja2.Environment, source: str) -> _Layout | None:
    """Cut the body part around its one top-level project loop; None if it has no such loop or
    keeps state between statements (then each document is rendered whole)."""
    tree = env.parse(source)
    if any(True for _ in tree.find_all(_STATEFUL)):
        return None
    loops = [i for i, node in enumerate(tree.body) if _is_project_loop(node)]
    if len(loops) != 1:
        return None
    at = loops[0]
    groups: list[tuple[bool, list]] = []
    for node in _statements(tree.body[at].body):
        shared = _free_names(node) <= set(_SHARED_NAMES)
        if groups and groups[-1][0] == shared:
            groups[-1][1].append(node)
        else:
            groups.append((shared, [node]))
    return _Layout(_Segment(env, tree.body[:at]), [_Segment(env, body, shared) for shared, body in groups],
                   _Segment(env, tree.body[at + 1:]))


def _statements(body: list) -> list:
    """The loop body's statements, each output of text or `{{ … }}` on its own (Jinja joins a
    run of them into one Output node: a form's text and a `{{ loop.index }}` must part)."""
    split = []
    for node in body:
        if isinstance(node, nodes.Output):
            split += [nodes.Output([child], lineno=node.lineno) for child in node.nodes]
        else:
            split.append(node)
    return split


def _is_project_loop(node) -> bool:
    return (isinstance(node, nodes.For) and isinstance(node.target, nodes.Name) and node.target.name == "项目"
            and isinstance(node.iter, nodes.Name) and node.iter.name == "项目列表"
            and not node.else_ and node.test is None and not node.recursive)


def _free_names(node) -> set[str]:
    """Names a statement reads that it does not bind itself (an inner loop's `loop` counts:
    a segment reading it is simply not shared)."""
    loaded = {n.name for n in node.find_all(nodes.Name) if n.ctx == "load"}
    bound = {n.name for n in node.find_all(nodes.Name) if n.ctx in ("store", "param")}
    return loaded - (bound - {"loop"})


class _Items:
    """The loop's items, produced as the loop reaches them; `length` known ahead (loop.last)."""

    def __init__(self, items, length: int):
        self._items, self._length = items, length

    def __iter__(self):
        return self._items

    def __len__(self):
        return self._length


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
        self.layout: _Layout | None = None  # the body cut around the project loop, if it can be
        self._document_pieces: dict[bytes, Piece] = {}  # page breaks, the head …: deflated once
        for name, data in self._parts:
            if not _TEMPLATED_PART.match(name):
                self._static[name] = deflate(name, data)
                continue
            source = self.compile_xml(data)
            try:
                self._templates[name] = self._env.from_string(source)
                if name == BODY_PART:
                    self.layout = _layout(self._env, source)
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

    # -- rendering a form once for its own document and the 汇总表 -------------------------
    def project_pieces(self, project: dict, context: dict) -> list[Piece]:
        """The loop body's shared segments for one project, rendered and deflated once."""
        shared = {name: context[name] for name in _SHARED_NAMES if name in context}
        shared["项目"] = project
        return [deflate_piece(self._call(segment.render, shared).encode("utf-8"))
                for segment in self.layout.segments if segment.shared]

    def body_pieces(self, context: dict, projects) -> "Iterator[Piece]":
        """word/document.xml of one document as pieces, in order.

        `projects` yields (project data, its project_pieces) in 项目列表 order; the segments that
        depend on the document (loop.first's page break, a title) are rendered here."""
        yield self._document_piece(self.layout.before, context)
        projects = iter(projects)
        for (data, pieces), loop in LoopContext(_Items(projects, len(context["项目列表"])), self._env.undefined):
            shared = iter(pieces)
            for segment in self.layout.segments:
                yield next(shared) if segment.shared else \
                    self._document_piece(segment, {**context, "项目": data, "loop": loop})
        yield self._document_piece(self.layout.after, context)

    def package(self, context: dict, body: Part | str) -> list[Part | str]:
        """The package's parts in order: `body` for word/document.xml, the rest rendered."""
        rendered = dict(self._static)
        for name, template in self._templates.items():
            if name != BODY_PART:
                rendered[name] = deflate(name, self._call(template.render, context).encode("utf-8"))
        rendered[BODY_PART] = body
        return [rendered[name] for name, _ in self._parts]

    def _document_piece(self, segment: "_Segment", context: dict) -> Piece:
        data = self._call(segment.render, context).encode("utf-8")
        piece = self._document_pieces.get(data)
        if piece is None:
            piece = deflate_piece(data)
            if len(data) < 65536 and len(self._document_pieces) < 1024:  # the same few, over and over
                self._document_pieces[data] = piece
        return piece

    def _call(self, render, context: dict) -> str:
        try:
            return render(context)
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{self.path}: 模板使用了数据中没有的名字：{exc.message}") from None
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise TemplateError(f"{self.path}: 模板中的表达式无法求值：{exc}") from None

    def _docx_text(self, value, style_index: int, keep_next: bool = False) -> Markup:
        """Escape a value for w:t; each newline closes the paragraph and opens a like one."""
        if value is None:
            return _NOTHING
        if type(value) is str and "\n" not in value:  # most values: short, and the same many times
            escaped = _ESCAPED.get(value)
            if escaped is None:
                escaped = escape(value)
                if len(value) <= 64 and len(_ESCAPED) < 65536:
                    _ESCAPED[value] = escaped
            return escaped
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
