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
import os
import re
import secrets
import zipfile
from xml.parsers import expat
from pathlib import Path
from typing import Iterable, Iterator

import jinja2
import jinja2.sandbox
from lxml import etree
from markupsafe import Markup, escape

from ..input.kinds import TemplateError
from jinja2 import nodes
from jinja2.runtime import LoopContext

from .marks import first_mark, marks, replace_marks
from .proof import proves_fragment
from .package import PackageTooLarge, Part, Piece, deflate, deflate_piece, zip_bytes
from ..input.reading import open_regular
from .sandbox import (MAX_VALUE_CHARS, TemplateCostError, TemplateEnvironment, guard_loops, printed_size,
                      returns_markup)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_w = "{%s}" % W
_TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
# The openers of the marks a paragraph may hold; each runs to the first closer after it (marks.py).
_ELEMENT_TAG = re.compile(r"\{%(tr|tc|p)\s+")    # {%p …%} {%tr …%} {%tc …%}: the statement is the mark's inner text
_VM_TAG = re.compile(r"\{%vm\s+")
_KEEP_TAG = re.compile(r"\{%keep\s+")
_EXPRESSION = re.compile(r"\{\{")
_JINJA = re.compile(r"\{\{|\{%")
_CLOSERS = {"{{": "}}", "{%": "%}"}
_STATEMENT_MARK = "perfdoc-jinja"
_MARKED = re.compile(r"<%s>(.*?)</%s>" % (_STATEMENT_MARK, _STATEMENT_MARK), re.S)
# tcPr children that must come before w:vMerge (ECMA-376 CT_TcPr order)
_BEFORE_VMERGE = {_w + "cnfStyle", _w + "tcW", _w + "gridSpan", _w + "hMerge"}
_KEEP_NEXT = b"<w:keepNext/>"


# A template is a page of a form with its styles and fonts: anything larger is a mistake or a
# zip bomb. Sizes are those the zip declares; zipfile never inflates a member beyond them.
MAX_TEMPLATE_PART_BYTES = 64 * 1024 * 1024
MAX_TEMPLATE_BYTES = 256 * 1024 * 1024
MAX_TEMPLATE_PARTS = 2000
# No DTD, no entities, no network: a part's XML is data, not instructions to the parser.
_SAFE_XML = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def xml_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD and fetches nothing."""
    return etree.XMLParser(**_SAFE_XML)


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
        self.key_names = tuple(sorted(self.names))
        template = guard_loops(nodes.Template(body, lineno=1))  # its loops count, as in the whole template
        template.set_environment(env)
        # compiled under the part's own file name, with the whole template's line numbers (the
        # nodes keep them): an error in a segment names the same cell as one in a whole render
        code = env.compile(template, name=_source_name(BODY_PART), filename=_source_name(BODY_PART))
        self.render = env.template_class.from_code(env, code, env.make_globals(None)).render
        self.shared = shared
        self.body = body
        self.proven = False  # every piece it renders is a fragment if it looks like one (output/proof.py)


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


# Values whose equality means equal printing: a segment that reads only such values prints the
# same bytes for the same values (its type is part of the key: 1, 1.0 and True are equal keys).
_PLAIN_TYPES = (str, int, float, bool, type(None))
_ABSENT = object()


def _rendering_key(segment: _Segment, context: dict) -> tuple | None:
    """What a document's own segment (the head, a form's page break …) prints depends on, when
    that is only plain values: then a thousand forms render it once. None otherwise.

    A segment is Jinja over the names it reads (`_free_names`); the sandbox offers no global
    but the loop guard, no filter or method with state or chance, so its output is a function
    of those names' values. `loop` counts only in a document of one project: its loop has one
    item, no previous or next one, and reads the same in every such document. A value of any
    other type (a dict, a list, a traced value from anchors.py, Markup) is never keyed."""
    key = [segment]
    for name in segment.key_names:
        value = context.get(name, _ABSENT)
        if name == "loop" and type(value) is LoopContext and value.length == 1:
            key.append("loop")
        elif type(value) in _PLAIN_TYPES:
            key += (name, type(value), value)
        else:
            return None
    return tuple(key)


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


def is_fragment(data: bytes, proven: bool = False) -> bool:
    """Whether a run of XML is well-formed element content that starts and ends with a tag and
    holds no comment, CDATA, processing instruction or declaration: such a run can stand where
    an element stands, and nowhere else, and joins its neighbours without changing them.

    `proven`: the run comes from a segment output/proof.py proved to render well-formed
    element content whenever the other conditions hold, so expat need not read it."""
    if not (data.startswith(b"<") and data.endswith(b">")) or _has_markup_declaration(data):
        return False
    if proven:
        return True
    # one call on the joined bytes: expat's verdict is that of the same bytes fed in three
    # calls (it reads a stream), and a non-final call copies the 64 KB form into expat's own
    # buffer first — 10–15 % of the check
    try:
        expat.ParserCreate().Parse(b"".join((b"<f>", data, b"</f>")), True)
    except expat.ExpatError:
        return False
    return True


def _has_markup_declaration(data: bytes) -> bool:
    """Whether XML holds `<!` or `<?` (a comment, CDATA, DOCTYPE, processing instruction …).

    The same answer as `b"<!" in data or b"<?" in data` (a `<!` holds a `!`), sooner: that
    search stops at every `<`, and XML is mostly tags (60 µs per form, twice); `!` and `?` are
    rare in a form (UTF-8 never uses their bytes inside a 汉字), and one memchr pass finds none."""
    return (b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data)


class _NotInContent(Exception):
    """A fragment's stand-in was not read as an element inside the root."""


class _FragmentCheck:
    """Stand-ins for fragments (`is_fragment`) while one parser reads a document.

    Replacing an empty element inside the root by a fragment keeps a document well-formed, and
    a fragment anywhere else (inside a tag, outside the root) makes it ill-formed, as the
    stand-in does. Expat reports a stand-in as an element only in content, unless the document
    has opened a comment, CDATA section, processing instruction or DOCTYPE around it: the pieces
    read whole are scanned for `<!` and `<?` (the XML declaration at the very start aside), and
    after one, no stand-in is used."""

    def __init__(self, parser):
        self.parser = parser
        self.name = "perfdoc-" + secrets.token_hex(8)
        self.tag = f"<{self.name}/>".encode()
        self.usable, self.inside_root, self.first, self.seen = True, False, True, 0
        parser.StartElementHandler = self._root

    def _root(self, name, attributes) -> None:
        self.inside_root = True
        self.parser.StartElementHandler = None

    def _stand_in(self, name, attributes) -> None:
        if name == self.name:
            self.seen += 1

    def scan(self, data: bytes) -> None:
        """Note a piece read whole: one that may open a comment and the like ends stand-ins."""
        start = data.startswith(b"<?xml ") if self.first else 0
        self.first = False
        if b"<!" in data or data.find(b"<?", 1 if start else 0) != -1:
            self.usable = False

    def read(self) -> None:
        """Read the stand-in (once the root has begun); refuse unless expat took it for an element."""
        seen, handler = self.seen, self.parser.StartElementHandler
        self.parser.StartElementHandler = self._stand_in
        try:
            self.parser.Parse(self.tag, False)
        finally:
            self.parser.StartElementHandler = handler
        self.first = False
        if self.seen != seen + 1:
            raise _NotInContent


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
        self._parts = read_package(self.path)
        self._paragraph_styles: list[tuple[bytes, bytes]] = []
        self._places: dict[str, list[tuple[int, str]]] = {}  # part → (source line, where in Word)
        self._env = TemplateEnvironment(autoescape=True, undefined=jinja2.StrictUndefined,
                                        keep_trailing_newline=True)
        self._env.filters["docx_text"] = self._docx_text
        self._templates: dict[str, jinja2.Template] = {}
        self._static: dict[str, Part] = {}  # every other part, deflated once for all documents
        self.layout: _Layout | None = None  # the body cut around the project loop, if it can be
        self._body_source: str | None = None  # the body, compiled whole only when rendered whole
        self._document_pieces: dict[bytes, Piece] = {}  # page breaks, the head …: deflated once
        self._rendered: dict[tuple, Piece] = {}  # a segment's piece by the plain values it reads
        for name, data in self._parts:
            if not _TEMPLATED_PART.match(name):
                self._static[name] = deflate(name, data)
                continue
            source = self.compile_xml(data, name)
            if name == BODY_PART:
                self.layout = self._compiled(name, lambda: _layout(self._env, source))
            if name == BODY_PART and self.layout is not None:
                # rendered in segments (which hold every statement but the project loop itself,
                # compiled and checked just now): a build never renders the body whole, so it is
                # not compiled a second time unless something does (perfdoc serve's anchors)
                self._body_source = source
            else:
                self._templates[name] = self._compiled(name, lambda: self._env.compile_template(
                    source, filename=_source_name(name)))
        for segment in (self.layout.segments if self.layout is not None else ()):
            segment.proven = segment.shared and proves_fragment(segment.body, self._joints)

    def _compiled(self, name: str, compile):
        """`compile()`, its Jinja mistakes said as the template's (part, cell) and why."""
        try:
            return compile()
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{self.path} ({name}{self._place(name, exc.lineno)}): 模板中的 Jinja 有误："
                                f"{exc.message}（请检查花括号标记是否完整、for/if 是否都有 endfor/endif）") from None
        except RecursionError:
            raise TemplateError(f"{self.path} ({name}): 模板中的 Jinja 表达式嵌套过深") from None

    def _whole(self) -> dict[str, jinja2.Template]:
        """Every templated part compiled whole (the body on first use)."""
        if self._body_source is not None:
            source, self._body_source = self._body_source, None
            self._templates[BODY_PART] = self._compiled(BODY_PART, lambda: self._env.compile_template(
                source, filename=_source_name(BODY_PART)))
        return self._templates

    # -- rendering -----------------------------------------------------------------------
    def render(self, context: dict) -> bytes:
        """Render the template with `context` into the bytes of a .docx package."""
        rendered = dict(self._static)
        for name, template in self._whole().items():
            xml = self._call(template.render, context, name)
            self._check_xml(name, xml)
            try:
                rendered[name] = deflate(name, xml)
            except PackageTooLarge as exc:
                raise TemplateError(f"{self.path}: {exc}") from None
        return zip_bytes([rendered[name] for name, _ in self._parts])

    # -- rendering a form once for its own document and the 汇总表 -------------------------
    def project_pieces(self, project: dict, context: dict) -> list[Piece]:
        """The loop body's shared segments for one project, rendered and deflated once."""
        shared = {name: context[name] for name in _SHARED_NAMES if name in context}
        shared["项目"] = project
        pieces = []
        for segment in self.layout.segments:
            if segment.shared:
                data = self._call(segment.render, shared)
                pieces.append(deflate_piece(data, fragment=is_fragment(data, segment.proven)))
        return pieces

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
                xml = self._call(template.render, context, name)
                self._check_xml(name, xml)
                rendered[name] = deflate(name, xml)
        rendered[BODY_PART] = body
        return [rendered[name] for name, _ in self._parts]

    def _document_piece(self, segment: "_Segment", context: dict) -> Piece:
        key = _rendering_key(segment, context)
        piece = self._rendered.get(key) if key is not None else None
        if piece is None:
            piece = self._render_document_piece(segment, context)
            if key is not None and len(self._rendered) < 1024:
                self._rendered[key] = piece
        return piece

    def _render_document_piece(self, segment: "_Segment", context: dict) -> Piece:
        data = self._call(segment.render, context)
        piece = self._document_pieces.get(data)
        if piece is None:
            piece = deflate_piece(data)
            if len(data) < 65536 and len(self._document_pieces) < 1024:  # the same few, over and over
                self._document_pieces[data] = piece
        return piece

    def _call(self, render, context: dict, name: str = BODY_PART) -> bytes:
        """One part or segment rendered into UTF-8, each with a fresh loop budget (a project's
        form, the title …: each is bounded); a restyled template is the organisation's input, so
        a bad expression in it is reported like a bad spec, never as a traceback."""
        self._env.iterations = 0
        try:
            return render(context).encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate the template printed outside docx_text
            raise self._error(name, exc, f"按模板生成的内容不是有效的 XML：含有 Word 文档不能容纳的字符 "
                                         f"U+{ord(exc.object[exc.start]):04X}") from None
        except jinja2.UndefinedError as exc:
            raise self._error(name, exc, f"模板使用了数据中没有的名字：{exc.message}") from None
        except TemplateCostError as exc:
            raise self._error(name, exc, f"模板的代价超出限度：{exc.message}") from None
        except jinja2.sandbox.SecurityError as exc:
            raise self._error(name, exc, f"模板试图做不允许的事（已拦截）：{exc.message}") from None
        except RecursionError as exc:
            raise self._error(name, exc, "模板中的宏无限递归") from None
        except UnprintableCharacter as exc:
            raise self._error(name, exc, f"按模板生成的内容不是有效的 XML：{exc}") from None
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError,
                AttributeError) as exc:
            raise self._error(name, exc, f"模板中的表达式无法求值：{exc}") from None

    def checked(self, pieces: Iterable[Piece]) -> Iterator[Piece]:
        """The pieces of word/document.xml, refused (as _check_xml refuses a part) unless they
        make well-formed XML together: expat reads them one after another, so a streamed 汇总表
        is checked whole without ever being whole in memory.

        A project's piece serves its own form and the 汇总表; expat read it once, on its own
        (`is_fragment`). Where it goes, this parser reads an empty element of a name no template
        can know instead: the document is well-formed exactly when that stand-in is read as an
        element inside the root (see _FragmentCheck) — so every byte is still checked."""
        parser = expat.ParserCreate()
        if hasattr(parser, "SetReparseDeferralEnabled"):  # expat ≥ 2.6: read each piece as it comes
            parser.SetReparseDeferralEnabled(False)
        stand_in = _FragmentCheck(parser)
        try:
            for piece in pieces:
                if piece.fragment and stand_in.usable and stand_in.inside_root:
                    stand_in.read()
                else:
                    stand_in.scan(piece.data)
                    parser.Parse(piece.data, False)
                yield piece
            parser.Parse(b"", True)
        except (expat.ExpatError, _NotInContent):
            self._check_xml(BODY_PART, b"<")  # the same message for the same mistake

    def _check_xml(self, name: str, xml: bytes) -> None:
        """Refuse a rendered part that is not well-formed XML: Word would call the document corrupt."""
        try:
            # expat with no handlers: a well-formedness check, twice as fast as building a tree
            expat.ParserCreate().Parse(xml, True)
        except expat.ExpatError as exc:
            raise TemplateError(
                f"{self.path} ({name}): 按模板生成的内容不是有效的 XML（{expat.ErrorString(exc.code)}）：模板中的 Jinja 标记"
                f"跨越了段落、单元格或表格行的边界（如 {{% if %}} 在一个段落、{{% endif %}} 在另一个单元格中）；"
                f"跨段落的条件与循环请用 {{%p %}}、{{%tr %}}、{{%tc %}}") from None

    def _error(self, part: str, exc: BaseException, message: str) -> TemplateError:
        """A render error naming the template, its part, and the paragraph or cell that raised it."""
        line = _template_line(exc, _source_name(part))
        return TemplateError(f"{self.path} ({part}{self._place(part, line)}): {message}")

    def _place(self, part: str, line: int | None) -> str:
        """Where in Word a line of the compiled part comes from: ", 第 2 个表格第 3 行第 1 格 “{{ … }}”"."""
        if not line:
            return ""
        where = ""
        for start, description in self._places.get(part, ()):
            if start > line:
                break
            where = description
        return f"，{where}" if where else ""

    @returns_markup
    def _docx_text(self, value, style_index: int, keep_next: bool = False) -> Markup:
        """Escape a value for w:t; each newline closes the paragraph and opens a like one; a
        character XML forbids is refused (output/proof.py counts on both)."""
        if value is None:
            return _NOTHING
        if type(value) is str and "\n" not in value:  # most values: short, and the same many times
            escaped = _ESCAPED.get(value)
            if escaped is None:
                _refuse_unprintable(value)
                escaped = escape(value)
                if len(value) <= 64 and len(_ESCAPED) < 65536:
                    _ESCAPED[value] = escaped
            return escaped
        if type(value) is not str:
            printed_size(value)  # a list holding one long text a thousand times is never built
        text = str(value)
        _refuse_unprintable(text)
        # a traced value (output/anchors.py) leaves a mark naming the field it prints; plain ones none
        mark = Markup(getattr(value, "xml_mark", ""))
        if "\n" not in text:
            return escape(text) + mark
        ppr, rpr = self._paragraph_styles[style_index]
        joint = Markup(_joint(_with_keep_next(ppr) if keep_next else ppr, rpr))
        # each newline prints the joint (a hundred characters or more): '\n' * 9,000,000 would
        # build a gigabyte before the output's own limit could see it
        if len(text) + text.count("\n") * len(joint) > MAX_VALUE_CHARS:
            raise TemplateCostError(f"模板要印出的内容过大（超过 {MAX_VALUE_CHARS:,} 个字符）")
        return joint.join(escape(line) for line in text.split("\n")) + mark

    def _joints(self, style_index: int) -> list[str]:
        """Every joint _docx_text(…, style_index, …) may print (for output/proof.py to check)."""
        ppr, rpr = self._paragraph_styles[style_index]
        return [_joint(ppr, rpr), _joint(_with_keep_next(ppr), rpr)]

    # -- compiling -----------------------------------------------------------------------
    def compile_xml(self, data: bytes, part: str = "word/document.xml") -> str:
        """Turn one XML part with Jinja in its text into Jinja source that renders XML."""
        try:
            root = etree.fromstring(data, xml_parser())
        except etree.XMLSyntaxError as exc:
            raise TemplateError(f"{self.path} ({part}): XML 无法解析：{exc}") from None
        if root.getroottree().docinfo.doctype:
            raise TemplateError(f"{self.path} ({part}): 模板的 XML 含有 DOCTYPE 声明（Word 从不写它；可能是 XML 实体攻击）")
        self._row_keeps = {}
        for paragraph in list(root.iter(_w + "p")):
            self._apply_keep_tag(paragraph)  # first: every paragraph of such a row needs to know it
        places = []
        paragraphs = list(root.iter(_w + "p"))
        numbers = {paragraph: i + 1 for i, paragraph in enumerate(paragraphs)}
        for paragraph in paragraphs:
            if paragraph.getparent() is None:
                continue  # removed with a row or cell already
            text = _merge_runs(paragraph)
            if text is None:
                continue
            places.append(_describe(root, paragraph, text, numbers[paragraph]))
            _check_statements(self.path, part, places[-1], text)
            # a Jinja comment holding a newline and the place's number: it prints nothing, and
            # puts each paragraph's Jinja on its own source line, so an error names its place
            self._apply_element_tags(paragraph, text, "{#\n%d#}" % (len(places) - 1))
        source = etree.tostring(root, encoding="unicode")
        source = replace_marks(source, _JINJA, _CLOSERS, lambda m: html.unescape(source[m.start:m.end]))
        source = _MARKED.sub(lambda m: html.unescape(m.group(1)), source)
        xml_declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        source = xml_declaration + source
        self._places[part] = [(source.count("\n", 0, m.start()) + 2, places[int(m.group(1))])
                              for m in _PLACE_MARK.finditer(source)]
        return source

    def _apply_element_tags(self, paragraph, text: str, mark: str = "") -> None:
        element_tag = first_mark(text, _ELEMENT_TAG, _CLOSERS)
        if element_tag:
            level, statement = element_tag.head.group(1), element_tag.inner.rstrip()
            rest = (text[:element_tag.start] + text[element_tag.end:]).strip()
            if rest:
                raise TemplateError(f"{self.path}: “{{%{level} … %}}”所在段落不能有其他文字：{rest!r}")
            target = {"p": paragraph, "tc": _ancestor(paragraph, "tc"), "tr": _ancestor(paragraph, "tr")}[level]
            if target is None:
                raise TemplateError(f"{self.path}: “{{%{level} {statement} %}}”不在表格{'行' if level == 'tr' else '单元格'}中")
            target.getparent().replace(target, _statement(mark + "{% " + statement + " %}"))
            return
        if mark:
            cell = _ancestor(paragraph, "tc") if first_mark(text, _VM_TAG, _CLOSERS) else None
            (paragraph if cell is None else cell).addprevious(_statement(mark))
        vm = first_mark(text, _VM_TAG, _CLOSERS)
        if vm:
            cell = _ancestor(paragraph, "tc")
            if cell is None:
                raise TemplateError(f"{self.path}: “{{%vm … %}}”只能用在表格单元格中")
            text = replace_marks(text, _VM_TAG, _CLOSERS, lambda m: "")
            _make_vertical_merge(cell, vm.inner.rstrip())
        text = replace_marks(text, _EXPRESSION, _CLOSERS, lambda m: self._expression(paragraph, m.inner))
        _set_text(paragraph, text)

    def _apply_keep_tag(self, paragraph) -> None:
        """`{%keep 行.分页 %}`: the row's cantSplit and its paragraphs' keepNext follow the data."""
        text = _merge_runs(paragraph)
        keep = first_mark(text or "", _KEEP_TAG, _CLOSERS)
        if not keep:
            return
        row = _ancestor(paragraph, "tr")
        if row is None:
            raise TemplateError(f"{self.path}: “{{%keep … %}}”只能用在表格行中")
        _set_text(paragraph, replace_marks(text, _KEEP_TAG, _CLOSERS, lambda m: ""))
        value = "(%s)" % keep.inner.rstrip()
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
_PLACE_MARK = re.compile(r"\{#\n(\d+)#\}")
# Jinja statements that open a block, and those that continue or close one.
_STATEMENT = re.compile(r"\{%-?\s*(\w+)")  # a statement's opener and its word; the mark runs to "%}"
_OPENERS = {"if", "for", "macro", "call", "filter", "with", "block", "raw", "autoescape"}
_MIDDLES = {"elif": "if", "else": ("if", "for")}


def read_package(path: Path) -> list[tuple[str, bytes]]:
    """A template's zip members, refusing a package too large, or one whose member names could
    leave a folder (`../`, absolute) or collide: such a member is never copied into an output."""
    try:
        with os.fdopen(open_regular(path), "rb") as file, zipfile.ZipFile(file) as package:
            infos = package.infolist()
            _check_members(path, infos)
            return [(info.filename, package.read(info)) for info in infos]
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, ValueError) as exc:
        raise TemplateError(f"{path}: 不是有效的 .docx 文件（{exc}）") from None


def _check_members(path: Path, infos) -> None:
    if len(infos) > MAX_TEMPLATE_PARTS:
        raise TemplateError(f"{path}: .docx 中有 {len(infos)} 个部件，不像是一份表格模板")
    total, seen = 0, set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0] or "\0" in name:
            raise TemplateError(f"{path}: .docx 中的部件名 {name!r} 指向包外（不会复制到生成的文档中）")
        if name.lower() in seen:
            raise TemplateError(f"{path}: .docx 中的部件 {name!r} 重复出现")
        seen.add(name.lower())
        if info.file_size > MAX_TEMPLATE_PART_BYTES:
            raise TemplateError(f"{path}: .docx 中的部件 {name} 解压后 {info.file_size:,} 字节，超过上限")
        total += info.file_size
    if total > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"{path}: .docx 解压后共 {total:,} 字节，超过上限 {MAX_TEMPLATE_BYTES:,}")
    if "word/document.xml" not in seen:
        raise TemplateError(f"{path}: 不是 Word 文档（缺少 word/document.xml）")


def _source_name(part: str) -> str:
    return f"<perfdoc:{part}>"


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The compiled part's line an error was raised on (Jinja rewrites tracebacks to template lines)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line if line is not None else getattr(exc, "lineno", None)


def _describe(root, paragraph, text: str, number: int) -> str:
    """A paragraph's place as a reader finds it: the table, row and cell, or the paragraph number."""
    shown = text if len(text) <= 60 else text[:57] + "…"
    cell = _ancestor(paragraph, "tc")
    if cell is None:
        return f"第 {number} 段“{shown}”"
    row = _ancestor(cell, "tr")
    table = _ancestor(row, "tbl")
    tables = list(root.iter(_w + "tbl"))
    rows = [r for r in table if r.tag == _w + "tr"]
    cells = [c for c in row if c.tag == _w + "tc"]
    return (f"第 {tables.index(table) + 1} 个表格第 {rows.index(row) + 1} 行第 {cells.index(cell) + 1} 格"
            f"“{shown}”")


def _check_statements(path: Path, part: str, place: str, text: str) -> None:
    """A plain `{% if %}`/`{% for %}` must end in the paragraph it starts in: one that spans
    paragraphs or cells would cut Word's XML apart. ({%p %}, {%tr %}, {%tc %} are for that.)"""
    stack = []
    for mark in marks(text, _STATEMENT, _CLOSERS):
        word, rest = mark.head.group(1), mark.inner.removesuffix("-")
        if word in ("tr", "tc", "p", "vm", "keep"):
            return  # an element tag: the whole paragraph, row or cell is the statement
        if word == "set" and "=" not in rest:
            stack.append("set")
        elif word in _OPENERS:
            stack.append(word)
        elif word.startswith("end"):
            if not stack or stack[-1] != word[3:]:
                raise TemplateError(f"{path} ({part}，{place}): Jinja 标记“{text[mark.start:mark.end]}”的开始标记不在同一段落中；"
                                    f"跨段落、单元格的条件与循环请用 {{%p %}}、{{%tc %}}、{{%tr %}}")
            stack.pop()
    if stack:
        raise TemplateError(f"{path} ({part}，{place}): Jinja 标记“{{% {stack[-1]} %}}”在同一段落中没有结束标记；"
                            f"跨段落、单元格的条件与循环请用 {{%p %}}、{{%tc %}}、{{%tr %}}")


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


def _joint(ppr: bytes, rpr: bytes) -> str:
    """What a newline in a value prints: the paragraph ends and a like one begins."""
    return ('</w:t></w:r></w:p><w:p>%s<w:r>%s<w:t xml:space="preserve">'
            % (ppr.decode("utf-8"), rpr.decode("utf-8")))


# Characters XML 1.0 forbids (a Word document holding one is corrupt): specs with them are
# refused by validate; a template's own literal or expression could still print one.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class UnprintableCharacter(ValueError):
    """A value a template prints holds a character no XML document may hold."""


def _refuse_unprintable(text: str) -> None:
    bad = _UNPRINTABLE.search(text)
    if bad:
        raise UnprintableCharacter(f"要印出的值含有 Word 文档不能容纳的字符 U+{ord(bad.group()):04X}"
                                   f"（第 {bad.start() + 1} 个字符）")


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
