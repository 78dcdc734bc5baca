"""Prove once, from a template, that a project's piece of word/document.xml is always well-formed.

A project's run of word/document.xml is rendered once and serves its form and the 汇总表; it
must be a fragment (docxjinja.is_fragment: element content that starts with "<", ends with ">"
and holds no "<!" or "<?"). Templates are untrusted, so expat read every rendered run (a tenth
of a build). This module proves, once per template, that every run a segment can
render — for any data, any branch taken, any number of loop iterations — is well-formed element
content; then only the cheap conditions (first and last byte, no "<!"/"<?") are left to check
per form. Whatever it cannot prove keeps expat's check: the fallback is always safe.

What is proven, and why it is sound:

1. Only Output, If (elif, else) and non-recursive For statements are modelled; any other
   statement (a macro, {% call %}, {% filter %}, {% set %}, {% autoescape %}, {% with %} …),
   anything but literal XML and `docx_text` calls printed, or a `docx_text` call not of the form
   the compiler writes (a constant style number, no keyword arguments), is not proven.
   Expressions elsewhere (an if's test, a loop's items) print nothing in Jinja.
2. docx_text prints escaped text (no "<", ">", or "&" that does not start a whole reference;
   characters XML forbids are refused by docx_text itself), optionally split by a joint that
   closes w:t, w:r, w:p and opens them again with the paragraph's pPr and rPr (`joints`):
   each joint is checked here to be well-formed in w:p > w:r > w:t and to hold no "<!"/"<?".
   A style number the template does not have is not proven. (A traced value's mark, set only
   by output/anchors.py for perfdoc serve, is a processing instruction: "<?" sends its piece
   back to expat at render time.)
3. The skeleton is the literal XML in order, with an empty element of a random name where text
   is printed and where each branch or loop body begins and ends, inside a root of a random
   name; expat reads it once and notes the open elements at each marker. Proven only if it is
   well-formed, every branch and body leaves the open elements as it found them (so any number
   of repetitions or omissions nests the same), text is printed only in w:p > w:r > w:t, and no
   "<!" or "<?" appears. A marker inside a tag, an attribute, or after an unfinished reference
   is an expat error, so every piece of literal XML between markers is whole tokens read in
   content, and reads the same next to whatever a rendering puts beside it.
4. Character data may not hold a literal ">": otherwise "]]" printed before it (or left before
   it by a skipped branch) would make "]]>", which XML forbids and which the skeleton hides.
So, by induction over the statements, a rendering has the skeleton's open elements at every
marker, each piece of literal XML is well-formed where it lands, and the run ends where it began.
"""
from __future__ import annotations

import re
import secrets
from typing import Callable, Iterable
from xml.parsers import expat

from jinja2 import nodes

TEXT_FILTER = "docx_text"
_TEXT_PLACE = ("w:p", "w:r", "w:t")  # the elements docx_text's joint closes and reopens
# A tag in XML without comments, CDATA or processing instructions: quoted values may hold ">".
_TAG = re.compile(r"""<[^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")


class _Unproven(Exception):
    """Something the prover does not model."""


def proves_fragment(body: list, joints: Callable[[int], Iterable[str]]) -> bool:
    """Whether every rendering of `body` that starts with "<", ends with ">" and holds no "<!"
    or "<?" is well-formed element content, for any data (see the module's docstring).

    `joints(style)` gives every string docx_text(value, style, …) may put between two lines."""
    skeleton = _Skeleton()
    try:
        skeleton.statements(body)
        printed = [joint for style in sorted(skeleton.styles) for joint in joints(style)]
    except (_Unproven, LookupError):  # (a `docx_text(999)` the template wrote itself)
        return False
    return skeleton.well_formed() and all(_joint_is_sound(joint, skeleton.name) for joint in printed)


class _Skeleton:
    """The literal XML of a segment, with a marker where text is printed or control flow turns."""

    def __init__(self):
        self.name = "perfdoc-proof-" + secrets.token_hex(8)
        self.parts: list[str] = []
        self.blocks: list[tuple[int, int]] = []  # (marker at a body's start, marker at its end)
        self.texts: list[int] = []  # markers where docx_text prints
        self.styles: set[int] = set()

    def statements(self, body: list) -> None:
        for node in body:
            if type(node) is nodes.Output:
                for child in node.nodes:
                    self._output(child)
            elif type(node) is nodes.If:
                self._block(node.body)
                for branch in node.elif_:
                    if type(branch) is not nodes.If or branch.elif_ or branch.else_:
                        raise _Unproven
                    self._block(branch.body)
                self._block(node.else_)
            elif type(node) is nodes.For and not node.recursive:
                self._block(node.body)
                self._block(node.else_)
            else:
                raise _Unproven

    def _block(self, body: list) -> None:
        start = self._marker()
        self.statements(body)
        self.blocks.append((start, self._marker()))

    def _output(self, child) -> None:
        if type(child) is nodes.TemplateData:
            self.parts.append(child.data)
        elif _is_text_call(child):
            self.styles.add(child.args[0].value)
            self.texts.append(self._marker())
        else:
            raise _Unproven

    def _marker(self) -> int:
        self.parts.append(f'<{self.name} n="{len(self.parts)}"/>')
        return len(self.parts) - 1

    def well_formed(self) -> bool:
        """Read the skeleton once; check the open elements at each marker."""
        stacks = self._open_elements()
        if stacks is None:
            return False
        return (all(stacks[start] == stacks[end] for start, end in self.blocks)
                and all(stacks[text][-3:] == _TEXT_PLACE and len(stacks[text]) > 3 for text in self.texts))

    def _open_elements(self) -> dict[int, tuple[str, ...]] | None:
        """The open elements (the root first) at each marker, or None if expat refuses the skeleton."""
        data = "".join(self.parts)
        if not _plain_content(data):
            return None
        stacks, stack = {}, []

        def start(name, attributes):
            if name == self.name:
                stacks[int(attributes["n"])] = tuple(stack)
            else:
                stack.append(name)

        def end(name):
            if name != self.name:
                stack.pop()

        parser = expat.ParserCreate()
        parser.StartElementHandler, parser.EndElementHandler = start, end
        root = self.name + "-root"
        try:
            parser.Parse(f"<{root}>{data}</{root}>".encode("utf-8"), True)
        except (expat.ExpatError, UnicodeEncodeError, KeyError, ValueError):  # (an element of the marker's name)
            return None
        if len(stacks) != len(self.texts) + 2 * len(self.blocks):
            return None
        return stacks if all(stack[:1] == (root,) for stack in stacks.values()) else None


def _is_text_call(node) -> bool:
    """A `{{ (…) | docx_text(N) }}` or `docx_text(N, keep)`, as docxjinja's compiler writes it."""
    return (type(node) is nodes.Filter and node.name == TEXT_FILTER and node.node is not None
            and 1 <= len(node.args) <= 2 and type(node.args[0]) is nodes.Const
            and type(node.args[0].value) is int and not node.kwargs
            and node.dyn_args is None and node.dyn_kwargs is None)


def _plain_content(xml: str) -> bool:
    """No comment, CDATA, processing instruction or declaration, and no ">" in character data
    (every ">" ends a tag or sits in a quoted attribute value). Meaningful for well-formed XML."""
    if "<!" in xml or "<?" in xml:
        return False
    text = _TAG.sub("", xml)
    return "<" not in text and ">" not in text


def _joint_is_sound(joint: str, root: str) -> bool:
    """A joint between two lines of a value is well-formed in w:p > w:r > w:t and ends as it
    began (inside a root of a name it cannot know, so it can close no more than those three)."""
    if not _plain_content(joint):
        return False
    try:
        xml = f"<{root}><w:p><w:r><w:t>{joint}</w:t></w:r></w:p></{root}>"
        expat.ParserCreate().Parse(xml.encode("utf-8"), True)
    except (expat.ExpatError, UnicodeEncodeError):
        return False
    return True
