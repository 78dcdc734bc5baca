"""Figures a form computes from its own values — the 自评表's 执行率, 得分 and 总分.

A kind marks such a field with `computed: <formula>` (a name in FORMULAS). The author may
write the figure or leave it blank:

- written: it is printed exactly as written, and checked against the computed figure (a
  mismatch names both numbers; a difference that the kind's other rounding rule explains is
  only a note, since a source system may round that way);
- blank: the computed figure is printed in its place.

Figures build on each other as printed: budget 得分 is computed from the 执行率 the author
printed, so one slip is reported once, where it is, not again in every figure after it.

Rounding is a property of the kind (options.rounding in its YAML): a rule (half-up), the
number of places (2), and the rules a source system has been seen to use instead (up).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Context, Decimal
from typing import Any, Callable, Iterable

from ..input.kinds import KindError
from ..input.model import Project
from ..input.problems import Problem

# The rounding rules a kind may name, with the words a message uses for each (the figures are
# never negative, so "up" is 进一 and "down" is 去尾).
ROUNDING = {
    "half-up": (ROUND_HALF_UP, "四舍五入"),
    "half-even": (ROUND_HALF_EVEN, "四舍六入五成双"),
    "up": (ROUND_UP, "向上取整（进一法）"),
    "down": (ROUND_DOWN, "截尾（去尾法）"),
}


@dataclass(frozen=True)
class Figure:
    """A computed figure before rounding, and how it was obtained (for messages)."""
    exact: Decimal
    how: str                    # e.g. "338,558.99 ÷ 359,313.78"
    rounded: bool = True        # False for counts such as the total of 分值


@dataclass(frozen=True)
class Rounding:
    rule: str = "half-up"
    places: int = 2
    also_seen: tuple[str, ...] = ()

    @classmethod
    def of(cls, kind) -> "Rounding":
        data = kind.options.get("rounding") or {}
        rounding = cls(data.get("rule", "half-up"), int(data.get("places", 2)), tuple(data.get("also_seen", ())))
        unknown = [rule for rule in (rounding.rule, *rounding.also_seen) if rule not in ROUNDING]
        if unknown:
            raise KindError(f"表式“{kind.name}”的取整规则“{unknown[0]}”未知（可用：{'、'.join(ROUNDING)}）")
        return rounding

    def apply(self, value: Decimal, rule: str | None = None, places: int | None = None) -> Decimal:
        places = self.places if places is None else places
        # enough digits for any figure, however absurd (the default 28 would raise)
        digits = Context(prec=max(28, value.adjusted() + places + 2))
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING[rule or self.rule][0], context=digits)


Formula = Callable[["Figures", str], "Figure | None"]
FORMULAS: dict[str, Formula] = {}


def formula(name: str) -> Callable[[Formula], Formula]:
    """Register a formula under the name a kind's `computed:` uses."""
    def register(fn: Formula) -> Formula:
        FORMULAS[name] = fn
        return fn
    return register


@dataclass
class Figures:
    """The computed figures of one project, worked out on demand and remembered."""
    project: Project
    rounding: Rounding = field(init=False)
    paths: dict[str, tuple[str, Any]] = field(init=False)   # dotted path → (formula name, spec)
    _cache: dict[str, Figure | None] = field(init=False, default_factory=dict)

    def __post_init__(self):
        self.rounding = Rounding.of(self.project.kind)
        self.paths = {dotted: (spec.computed, spec) for dotted, spec in _computed_fields(self.project.kind.fields)}
        for dotted, (name, _) in self.paths.items():
            if name not in FORMULAS:
                raise KindError(f"表式“{self.project.kind.name}”的“{dotted}”要求未知的计算“{name}”"
                                f"（可用：{'、'.join(FORMULAS)}）")

    def figure(self, dotted: str) -> Figure | None:
        """The computed figure for a field, unrounded (None when its inputs are missing)."""
        if dotted not in self._cache:
            name = self.paths[dotted][0]
            self._cache[dotted] = FORMULAS[name](self, dotted)
        return self._cache[dotted]

    def value(self, dotted: str) -> Decimal | None:
        """The computed figure as the kind rounds it."""
        figure = self.figure(dotted)
        if figure is None:
            return None
        return self.rounding.apply(figure.exact) if figure.rounded else figure.exact

    def effective(self, dotted: str) -> Decimal | None:
        """What the form shows: the author's figure where written, else the computed one."""
        written = self.project.get(dotted)
        if written is not None or dotted not in self.paths:
            return written
        return self.value(dotted)

    def path_of(self, name: str) -> str | None:
        """Where the kind puts the figure of a formula (e.g. 预算得分 → 项目资金.年度资金总额.得分)."""
        return next((dotted for dotted, (formula_name, _) in self.paths.items() if formula_name == name), None)


def _computed_fields(specs, prefix: str = ""):
    for spec in specs:
        if spec.computed:
            yield prefix + spec.key, spec
        if spec.type == "group":
            yield from _computed_fields(spec.fields, f"{prefix}{spec.key}.")


def with_computed(project: Project) -> dict[str, Any]:
    """The project's values with each blank computed field filled in with its figure."""
    figures = Figures(project)
    if not figures.paths:
        return project.values
    values = _copy_groups(project.values)
    for dotted in figures.paths:
        if project.get(dotted) is None:
            value = figures.value(dotted)
            if value is not None:
                set_path(values, dotted, value)
    return values


def _copy_groups(value):
    return {k: _copy_groups(v) for k, v in value.items()} if isinstance(value, dict) else value


def set_path(values: dict, dotted: str, value) -> None:
    """Set the value at a dotted path (项目资金.年度资金总额.分值) in nested groups."""
    *groups, key = dotted.split(".")
    for group in groups:
        if not isinstance(values.get(group), dict):
            return  # the group itself could not be read; an error says so already
        values = values[group]
    values[key] = value


def show(spec, value: Decimal | str) -> str:
    """A figure as the form prints it: 94.22% for a percent, 9.42 for a number."""
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)  # 1E+36 never reaches a form
    return f"{text}%" if spec.type == "percent" else text


def equals(spec, value: Decimal, places: int = 4) -> str:
    """An exact figure for a message: "= 99.7%", or "≈ 94.2238%" when it goes on further."""
    short = Rounding("half-up", places).apply(value)
    return ("= " if short == value else "≈ ") + show(spec, plain(short))


def plain(value: Decimal) -> str:
    """A number for a sentence, without trailing zeros: 8.00 → 8, 8.90 → 8.9, 100 → 100."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- checks (registered in check.py, after the scoring rules) --------------------------------
def written_figures_agree(project: Project) -> Iterable[Problem]:
    """A figure the author wrote equals the computed one (at the kind's rounding)."""
    figures = Figures(project)
    for dotted, (_, spec) in figures.paths.items():
        written, figure = project.get(dotted), figures.figure(dotted)
        if written is None or figure is None:
            continue
        for severity, rule, message in _compare(spec, written, figure, figures.rounding):
            yield Problem(project.path, *project.where(dotted), severity, rule, message, field=dotted)


def _compare(spec, written: Decimal, figure: Figure, rounding: Rounding):
    """(severity, rule, message) for each thing to say about a written figure."""
    label, computed = spec.label, rounding.apply(figure.exact) if figure.rounded else figure.exact
    if _agrees(written, figure, computed, rounding):
        if figure.rounded and 0 <= _places(written) < rounding.places:
            yield "info", "figure-decimals", (f"“{label}”写作“{show(spec, written)}”，表中此数通常保留 "
                                              f"{rounding.places} 位小数：“{show(spec, computed)}”（数值相同）")
        return
    if computed == figure.exact:  # nothing was rounded (a sum), so no rounding rule is named
        yield "warning", "figure-mismatch", f"“{label}”为 {show(spec, written)}，但 {figure.how} = {show(spec, computed)}"
        return
    exact, rule_name = f"{figure.how} {equals(spec, figure.exact)}", ROUNDING[rounding.rule][1]
    other = next((o for o in rounding.also_seen if written == rounding.apply(figure.exact, rule=o)), None)
    if other:
        yield "info", "figure-rounding", (f"“{label}”为 {show(spec, written)}，按{rule_name}应为 {show(spec, computed)}"
                                          f"（{exact}）；按{ROUNDING[other][1]}正是 {show(spec, written)}，"
                                          f"可能是源系统的取整方式")
    else:
        yield "warning", "figure-mismatch", (f"“{label}”为 {show(spec, written)}，但按{rule_name}应为 "
                                             f"{show(spec, computed)}（{exact}）")


def _places(value: Decimal) -> int:
    return -value.as_tuple().exponent


def _agrees(written: Decimal, figure: Figure, computed: Decimal, rounding: Rounding) -> bool:
    """Equal by value (9.8 is 9.80); more decimals than the form's are right if rounded right."""
    places = _places(written)
    return written == computed or (figure.rounded and places > rounding.places
                                   and written == rounding.apply(figure.exact, places=places))
