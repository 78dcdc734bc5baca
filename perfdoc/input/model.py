"""The model: plain records of a unit and its projects, with no I/O.

Values are keyed by the form's own labels (项目名称, 项目资金.当年财政拨款 …) because a kind is
data: the same record carries a 申报表, a 自评表 or a 2020 目标表. Amounts are `Decimal`, dates
`datetime.date`, texts exactly as written.

Glossary: 申报表 target declaration · 汇总表 the unit's combined table · 自评表 self-evaluation ·
目标表 the 2020 target form · 一级/二级/三级指标 first/second/third-level indicator ·
指标值 target value · 分值 max score · 得分 score · 执行率 execution rate · 单位 institution.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .kinds import FormKind, format_plain

Location = tuple[int, int]  # (line, column), both from 1


@dataclass(frozen=True, eq=False)
class Unit:
    """What a unit's projects share in one year: the unit file (单位.yaml)."""
    path: Path
    name: str                      # 单位
    year: int                      # 年度
    kind: FormKind                 # 表式
    defaults: dict[str, str]       # e.g. 主管部门, 实施单位 for every project that omits them
    lines: dict[str, Location] = field(default_factory=dict)

    @property
    def summary_title(self) -> str:
        """The 汇总表's title line, e.g. 上海科学技术交流中心2025年度项目绩效目标汇总表."""
        return format_plain(self.kind.summary_title, {"单位": self.name, "年度": str(self.year)})


@dataclass(frozen=True, eq=False)
class Project:
    """One project's form: typed values keyed by label path, and where each was written."""
    path: Path
    unit: Unit
    values: dict[str, Any]
    lines: dict[str, Location]

    @property
    def kind(self) -> FormKind:
        return self.unit.kind

    @property
    def name(self) -> str:
        return str(self.values.get("项目名称") or self.path.stem)

    def get(self, dotted: str) -> Any:
        """The value at a dotted path such as 项目资金.当年财政拨款 (None when absent)."""
        value: Any = self.values
        for part in dotted.split("."):
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value

    def where(self, dotted: str) -> Location:
        """Where a value was written; falls back to its nearest written parent, then line 1."""
        while dotted:
            if dotted in self.lines:
                return self.lines[dotted]
            dotted = dotted.rpartition(".")[0]
        return self.lines.get("", (1, 1))
