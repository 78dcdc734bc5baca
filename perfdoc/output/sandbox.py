"""The Jinja a template may run: data and a few filters, nothing else, at a bounded cost.

Templates travel between offices like specs do, so they are untrusted input. They render in
Jinja's sandbox (no `__globals__`, `__subclasses__`, `os`, no mutation), with no globals, no
loader (`{% include %}`, `{% import %}`, `{% extends %}` are refused before rendering), and
budgets: loop iterations, the size of each value an operator or method builds, and the size
of the rendered part. A template that exceeds them is reported, and nothing is written.
"""
from __future__ import annotations

import functools
import math
import re
import types

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# Ten times the largest real document (a 1000-project 汇总表 is about 30 million characters of XML).
MAX_OUTPUT_CHARS = 300_000_000
# The built-in 汇总表 of 1000 projects with 40 indicator rows each loops about 41,000 times.
MAX_LOOP_ITERATIONS = 2_000_000
# A value built by `*`, `+`, `~` or a method: far more than any form's field.
MAX_VALUE_CHARS = 10_000_000
MAX_POWER_BITS = 4096

# Filters that cost at most a pass over their input and cannot manufacture size.
SAFE_FILTERS = ("abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first",
                "float", "groupby", "int", "items", "join", "last", "length", "list", "lower", "map",
                "max", "min", "reject", "rejectattr", "reverse", "round", "select", "selectattr",
                "sort", "string", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount")
# Methods a template may call on the data (strings, dicts, lists): none can grow a value.
SAFE_METHODS = frozenset((
    "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
    "upper", "lower", "title", "capitalize", "casefold", "swapcase", "removeprefix", "removesuffix",
    "isdigit", "isnumeric", "isdecimal", "isspace", "isalpha", "isalnum", "count", "find", "rfind",
    "index", "rindex", "partition", "rpartition", "get", "keys", "values", "items"))
_LOOP_METHODS = frozenset(("cycle", "changed"))
LOOP_GUARD = "perfdoc_loop_guard"  # the name guard_loops calls, a global of every template
_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d{5,})|%[-#0 +]*\d*\.(\*|\d{5,})")


class TemplateCostError(SecurityError):
    """The template asked for more than any form needs (an endless loop, a gigantic value)."""


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with the size of every `~` concatenation checked before it is built."""

    @optimizeconst
    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.checked_concat({join}, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")

    # `{{ x | docx_text(…) }}` (every field of a Word template) prints what that filter returns:
    # Markup it escaped itself. Jinja would wrap it in finalize (which checks only what is not
    # text) and escape (which returns Markup unchanged, as a copy): the same string, at the cost
    # of two calls and a copy for each of 85,000 fields per 1000 forms. Only a filter marked
    # MARKUP_FILTER (one that returns Markup for every input) is printed bare.
    def _output_child_pre(self, node, frame, finalize) -> None:
        if not _prints_markup(self, node, frame):
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node, frame, finalize) -> None:
        if not _prints_markup(self, node, frame):
            super()._output_child_post(node, frame, finalize)


MARKUP_FILTER = "perfdoc_returns_markup"


def returns_markup(fn):
    """Mark a filter that returns escaped Markup for every input (printed without escape())."""
    setattr(fn, MARKUP_FILTER, True)
    return fn


def _prints_markup(generator: CodeGenerator, node, frame) -> bool:
    """Whether an output is a call of a filter that always returns escaped Markup."""
    return (isinstance(node, nodes.Filter) and not frame.eval_ctx.volatile and frame.eval_ctx.autoescape
            and getattr(generator.environment.filters.get(node.name), MARKUP_FILTER, False))


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with budgets; dict keys are looked up before attributes."""

    intercepted_binops = frozenset(("*", "**", "+", "%"))

    code_generator_class = _CodeGenerator

    def __init__(self, **options):
        super().__init__(finalize=printable, **options)
        self.filters = {name: _guarded(self.filters[name], name) for name in SAFE_FILTERS}
        self.globals = {LOOP_GUARD: self._loop_guard}
        self.iterations = 0

    # Jinja looks `项目.项目名称` up as an attribute first and a key only after AttributeError;
    # template data is dicts, so looking keys up first halves the time a render takes. A key
    # of a dict is data, never an attribute of Python, so this does not open the sandbox.
    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        """Call only a macro, a loop helper or a method that cannot grow a value."""
        if not _callable_by_templates(__obj, __self):
            raise SecurityError(f"模板中不能调用 {getattr(__obj, '__name__', type(__obj).__name__)}")
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator, left, right):
        """`*`, `**`, `+` and `%` with their results' size checked before they are built."""
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, (str, list, tuple)) and isinstance(count, int):
                    _check_size(len(sized) * max(count, 0))
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
                if right > 0 and right * math.log2(abs(left)) > MAX_POWER_BITS:
                    raise TemplateCostError("模板中的乘方结果过大")
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                _check_size(len(left) + len(right))
        elif operator == "%" and isinstance(left, str) and _FORMAT_WIDTH.search(left):
            raise TemplateCostError("模板中的格式宽度过大")
        return _bounded(self.binop_table[operator](left, right))

    def concat(self, chunks) -> str:
        """Join a rendered part, refusing one larger than MAX_OUTPUT_CHARS."""
        out, total = [], 0
        for chunk in chunks:
            total += len(chunk)
            if total > MAX_OUTPUT_CHARS:
                raise TemplateCostError(f"模板生成的内容超过 {MAX_OUTPUT_CHARS:,} 个字符（是否有失控的循环？）")
            out.append(chunk)
        return "".join(out)

    @staticmethod
    def checked_concat(join, parts):
        """`a ~ b ~ c`, refused before it is built when it would exceed MAX_VALUE_CHARS."""
        total = 0
        for part in parts:
            total += printed_size(part, MAX_VALUE_CHARS - total)
        return join(parts)

    def _loop_guard(self, iterable):
        """Count every loop iteration of one render against MAX_LOOP_ITERATIONS."""
        for item in iterable:
            self.iterations += 1
            if self.iterations > MAX_LOOP_ITERATIONS:
                raise TemplateCostError(f"模板的循环超过 {MAX_LOOP_ITERATIONS:,} 次（是否有失控的循环？）")
            yield item

    def compile_template(self, source: str, *, filename: str) -> jinja2.Template:
        """Parse, refuse what a template may not do, guard its loops, and compile."""
        tree = self.parse(source, filename=filename)
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            tag = {nodes.Extends: "extends", nodes.Include: "include"}.get(type(node), "import")
            raise jinja2.TemplateSyntaxError(f"模板不能引用其他模板（{{% {tag} %}}）", node.lineno, filename=filename)
        guard_loops(tree)
        code = self.compile(tree, filename=filename)
        return self.template_class.from_code(self, code, self.make_globals(None), None)


def guard_loops(tree: nodes.Node) -> nodes.Node:
    """Make every loop in `tree` count its iterations against MAX_LOOP_ITERATIONS (a template
    compiled in parts, as docxjinja's layout does, must be guarded as the whole one is)."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(LOOP_GUARD, "load"), [loop.iter], [], None, None, lineno=loop.lineno)
    return tree


def _callable_by_templates(obj, env: TemplateEnvironment) -> bool:
    if isinstance(obj, Macro) or obj == env._loop_guard:
        return True
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, LoopContext):
        return name in _LOOP_METHODS
    return (isinstance(obj, (types.BuiltinMethodType, types.MethodWrapperType))
            and isinstance(owner, (str, dict, list, tuple)) and name in SAFE_METHODS)


# Filters that print their value as text (str() of a list prints every item, and a list may hold
# the same long text many times): their value's printed size is checked first.
_PRINTING_FILTERS = {"capitalize", "lower", "upper", "title", "trim", "truncate", "wordcount", "e", "escape",
                     "string", "join", "int", "float"}


def _guarded(fn, name: str):
    """A filter whose value (and for join, the separators; for sum, the items) is checked first."""
    value_at = 0 if getattr(fn, "jinja_pass_arg", None) is None else 1

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        value = args[value_at] if len(args) > value_at else None
        if name in _PRINTING_FILTERS:
            if name == "join":
                items = list(value)
                separator = args[value_at + 1] if len(args) > value_at + 1 else kwargs.get("d", "")
                budget = MAX_VALUE_CHARS - len(str(separator)) * max(len(items) - 1, 0)
                printed_size(items, budget)
                args = (*args[:value_at], items, *args[value_at + 1:])
            else:
                printed_size(value, MAX_VALUE_CHARS)
        elif name == "sum":
            items = list(value)
            _check_size(sum(len(i) for i in items if isinstance(i, (str, list, tuple))))
            args = (*args[:value_at], items, *args[value_at + 1:])
        return fn(*args, **kwargs)
    return guarded


def printed_size(value, budget: int = MAX_VALUE_CHARS) -> int:
    """About how many characters str(value) holds, refused once past `budget` — counted without
    building it: a list can hold one long text a thousand times."""
    if isinstance(value, str):
        if len(value) > budget:
            raise TemplateCostError(f"模板要印出的内容过大（超过 {MAX_VALUE_CHARS:,} 个字符）")
        return len(value)
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 4
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            total += 4 * len(item) + 2
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
            total += 2 * len(item) + 2
        else:
            total += 40  # a number, None, a loop: a short repr
        if total > budget:
            raise TemplateCostError(f"模板要印出的内容过大（超过 {MAX_VALUE_CHARS:,} 个字符）")
    return total


def printable(value):
    """Jinja's finalize: every `{{ … }}` output is checked before it is turned into text (a
    text was checked as it was made: only a list or dict can hide a huge printed form)."""
    if not isinstance(value, str):
        printed_size(value)
    return value


def _check_size(size: int) -> None:
    if size > MAX_VALUE_CHARS:
        raise TemplateCostError(f"模板中的表达式生成的值过大（{size:,} 项，上限 {MAX_VALUE_CHARS:,}）")


def _bounded(value):
    if isinstance(value, (str, list, tuple)):
        _check_size(len(value))
    return value
