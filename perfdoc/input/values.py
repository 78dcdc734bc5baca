"""The grammar of an indicator value (指标值), and its canonical spelling.

A quantitative value is an operator, a number (or a range) and a unit: `≥90.00(%)`,
`=2.00(场)`, `≤130.00(万元)`. The budget system prints two decimals and the unit in
half-width parentheses; hand-typed values drift (`=2(场)`, `≥ 90.00 (百分比)`, `=200项`,
`>=500份`). Anything that does not start with an operator is qualitative free text
(`有效提升`, `2026年12月底前`, `活动：5次，签约：1项`) and is never judged by its form.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

# Every spelling of an operator seen or plausible, mapped to the one the system prints.
OPERATORS = {
    ">=": "≥", "≥": "≥", "≧": "≥", "＞＝": "≥", "<=": "≤", "≤": "≤", "≦": "≤", "＜＝": "≤",
    "=": "=", "＝": "=", "==": "=", ">": ">", "＞": ">", "<": "<", "＜": "<",
}
PERCENT_UNITS = {"%", "％", "百分比"}
MONEY_UNITS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}

_OPERATOR = "|".join(sorted((re.escape(op) for op in OPERATORS), key=len, reverse=True))
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"  # ASCII digits, as in every other value (parse.py)
_QUANTITY = re.compile(
    rf"^(?P<op>{_OPERATOR})(?P<sp1>\s*)(?P<low>{_NUMBER})(?:\s*[-~～至]\s*(?P<high>{_NUMBER}))?"
    rf"(?P<sp2>\s*)(?:(?P<open>[(（])(?P<punit>[^()（）]*)(?P<close>[)）])|(?P<unit>[^\d\s()（）,，;；:：]*))$")
# (punit keeps the spaces inside the parentheses, and every reader strips them: `\s*(…*?)\s*`
# there reread a run of spaces at every step, minutes for a value of 100,000 characters)


@dataclass(frozen=True)
class Quantity:
    """A parsed quantitative value."""
    operator: str            # canonical: = ≥ ≤ > <
    low: Decimal
    high: Decimal | None     # set for a range such as =20-30家
    unit: str                # canonical: % for 百分比
    text: str                # as written

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def is_upper_bound(self) -> bool:
        return self.operator in ("≤", "<")

    # Worked out once per value: parse_value hands out one Quantity per text, and hashing a
    # Quantity (Decimals and all) to look the answer up cost more than working it out.
    @functools.cached_property
    def spelling(self) -> str | None:
        """spelling_problem's answer for this value."""
        return _spelling_problem(self)

    def canonical(self) -> str:
        """The spelling the budget system prints: ≥90.00(%), =2.00(场). A number with more than
        two decimals keeps them (=0.004(万元)): a spelling never changes a value."""
        number = _spell(self.low) + (f"-{_spell(self.high)}" if self.high is not None else "")
        unit = f"({self.unit})" if self.unit else ""
        return f"{self.operator}{number}{unit}"

    @property
    def fits_two_decimals(self) -> bool:
        """Whether the system's two decimals hold the value exactly (1.0049 does not)."""
        return all(n is None or n == n.quantize(_CENT) for n in (self.low, self.high))

    def in_yuan(self) -> Decimal | None:
        """The amount in 元 when the unit is money (万元, 元, 亿元), else None."""
        factor = MONEY_UNITS.get(self.unit)
        return None if factor is None else self.low * factor


_CENT = Decimal("0.01")


def _spell(number: Decimal) -> str:
    """Two decimals, or as many as the value needs: never rounded."""
    return f"{number:.2f}" if number == number.quantize(_CENT) else f"{number:f}"


@functools.lru_cache(maxsize=4096)  # specs repeat their values (≥90.00(%)), and rules read each twice
def parse_value(text: str, *, bare: bool = False) -> Quantity | None:
    """Read a quantitative value; None for qualitative text (or an empty value).

    With `bare`, a number without an operator counts as `=`: how actual values (实际完成值
    `276项`) are written.
    """
    match = _QUANTITY.match(text.strip())
    if not match and bare:
        match = _QUANTITY.match("=" + text.strip())
    if not match:
        return None
    unit = (match["punit"] if match["open"] else match["unit"]) or ""
    unit = "%" if unit.strip() in PERCENT_UNITS else unit.strip()
    high = Decimal(match["high"]) if match["high"] else None
    return Quantity(OPERATORS[match["op"]], Decimal(match["low"]), high, unit, text)


def spelling_problem(quantity: Quantity) -> str | None:
    """How a quantitative value departs from the system's spelling, as a severity.

    "warning" where it looks malformed (spaces, `>=`, full-width or missing parentheses, no
    unit), "info" where it is merely not the system's style (`=2(场)`, `(百分比)`), None when
    it is already canonical.
    """
    return quantity.spelling


def _spelling_problem(quantity: Quantity) -> str | None:
    text = quantity.text.strip()
    match = _QUANTITY.match(text)
    raw_unit = ((match["punit"] if match["open"] else match["unit"]) or "").strip()
    number = match["low"] + (f"-{match['high']}" if match["high"] else "")
    tidy = f"{quantity.operator}{number}({raw_unit})"
    if not quantity.unit or text != tidy:
        return "warning"
    if text != quantity.canonical():
        return "info"
    return None


# The budget system's 计算符号 (its own mix of half- and full-width), by canonical operator.
SYSTEM_SIGNS = {"≥": "≥", "≤": "≤", "=": "＝", ">": "＞", "<": "＜"}
QUALITATIVE = "定性"


@dataclass(frozen=True)
class SplitValue:
    """A value in the budget system's import columns: 计算符号 | 指标值 | 计量单位."""
    sign: str                 # ≥ ＞ ＝ ＜ ≤, or 定性
    value: Decimal | str      # the number as written (90.00 keeps its two places); a range or 定性 text as is
    unit: str                 # as written inside the parentheses (百分比 stays 百分比); "" for 定性


def split_value(text: str) -> SplitValue | None:
    """Split a value by the grammar: `≥90.00(%)` → ≥ | 90.00 | %; text the grammar cannot read
    is 定性 with the whole text kept; None for an empty value. Never a guess."""
    if not text or not text.strip():
        return None
    match = _QUANTITY.match(text.strip())
    if not match:
        return SplitValue(QUALITATIVE, text, "")
    unit = ((match["punit"] if match["open"] else match["unit"]) or "").strip()
    number = Decimal(match["low"]) if not match["high"] else text.strip()[match.start("low"):match.end("high")]
    return SplitValue(SYSTEM_SIGNS[OPERATORS[match["op"]]], number, unit)
