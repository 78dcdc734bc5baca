"""Form kinds: each printed form (申报表, 自评表, 2020 目标表 …) is a definition plus a template.

A kind is a YAML file in a templates folder — its fields, indicator framework, sum rules and the
name of its .docx template beside it. The pipeline knows no form by name: adding a province's
variant is adding a kind file and a template, in the built-in folder or in a folder given with
`--templates`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

FIELD_TYPES = ("text", "date", "amount", "number", "percent", "group", "indicators")


class KindError(Exception):
    """A kind definition or template is broken: a developer's mistake, not the spec author's."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form: its key in the spec (the form's own label) and how to read it."""
    key: str
    type: str
    label: str
    required: bool = False
    unit_default: bool = False
    in_year: bool = False
    known: tuple[str, ...] = ()
    fields: tuple["FieldSpec", ...] = ()          # for groups
    columns: tuple["FieldSpec", ...] = ()         # for indicator tables
    merge: tuple[str, ...] = ()                   # indicator columns merged vertically
    warn_empty: bool = False
    value_column: str = ""
    computed: str = ""                            # a formula in figures.FORMULAS: printed when left blank

    def child(self, key: str) -> "FieldSpec | None":
        for spec in self.fields or self.columns:
            if spec.key == key:
                return spec
        return None


@dataclass(frozen=True)
class Framework:
    """An indicator framework: which 一级 are required and which 二级 sit under each."""
    years: tuple[int, ...]
    required: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class SumRule:
    total: str
    parts: tuple[str, ...]
    severity: str = "error"
    blank_is_zero: bool = False                   # a blank part counts as 0 (an empty 其中 cell)


@dataclass(frozen=True)
class FormKind:
    name: str
    title: str
    description: str
    years: tuple[int, ...]
    template: Path
    summary_title: str
    file_name: str
    fields: tuple[FieldSpec, ...]
    sums: tuple[SumRule, ...] = ()
    frameworks: tuple[Framework, ...] = ()
    source: Path | None = None
    options: dict = field(default_factory=dict, hash=False, compare=False)

    def field(self, key: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.key == key:
                return spec
        return None

    @property
    def indicator_field(self) -> FieldSpec | None:
        return next((f for f in self.fields if f.type == "indicators"), None)

    def framework_for(self, year: int) -> Framework | None:
        return next((f for f in self.frameworks if year in f.years), None)


def builtin_dir() -> Path:
    """The folder of the built-in kinds: templates/ beside the package in a checkout, else the
    installed data package perfdoc.templates (setup.cfg maps templates/ to it)."""
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / "申报表.yaml").is_file():
        return checkout
    from importlib.resources import files
    return Path(str(files("perfdoc.templates")))


def load_kinds(extra_dirs: list[Path] = ()) -> dict[str, FormKind]:
    """Read every kind: built-in first, then each extra folder, later ones overriding by name.

    A folder that holds only a restyled `<kind>.docx` (no .yaml) restyles the built-in kind.
    """
    kinds: dict[str, FormKind] = {}
    for folder in [builtin_dir(), *extra_dirs]:
        folder = Path(folder)
        if not folder.is_dir():
            raise KindError(f"模板文件夹不存在：{folder}")
        for path in sorted(folder.glob("*.yaml")):
            kind = read_kind(path)
            kinds[kind.name] = kind
        for name, kind in list(kinds.items()):
            restyled = folder / kind.template.name
            if restyled.is_file() and restyled != kind.template:
                kinds[name] = _replace_template(kind, restyled)
    return kinds


def _replace_template(kind: FormKind, template: Path) -> FormKind:
    from dataclasses import replace
    return replace(kind, template=template)


def default_kind(kinds: dict[str, FormKind], year: int) -> FormKind | None:
    """The kind a unit uses when its file names none: the one whose years include `year`."""
    for kind in kinds.values():
        if year in kind.years:
            return kind
    return None


def read_kind(path: Path) -> FormKind:
    """Read one kind definition file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return FormKind(
            name=data["name"],
            title=data.get("title", data["name"]),
            description=data.get("description", ""),
            years=tuple(data.get("years", ())),
            template=path.parent / data["template"],
            summary_title=data.get("summary_title", "{单位}{年度}年度" + data["name"]),
            file_name=data.get("file_name", "{项目名称}"),
            fields=tuple(_field(k, v) for k, v in data["fields"].items()),
            sums=tuple(SumRule(s["total"], tuple(s["parts"]), s.get("severity", "error"),
                               bool(s.get("blank_is_zero", False)))
                       for s in data.get("sums", ())),
            frameworks=tuple(Framework(tuple(f["years"]), tuple(f.get("required", ())),
                                       {k: tuple(v or ()) for k, v in f["levels"].items()})
                             for f in data.get("frameworks", ())),
            source=path,
            options=data.get("options", {}) or {},
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise KindError(f"{path}: 表式定义有误：{exc!r}") from None


def _field(key: str, data: dict) -> FieldSpec:
    data = data or {}
    kind = data.get("type", "text")
    if kind not in FIELD_TYPES:
        raise KindError(f"字段 {key} 的类型 {kind!r} 未知（可用：{', '.join(FIELD_TYPES)}）")
    return FieldSpec(
        key=key,
        type=kind,
        label=data.get("label", key),
        required=bool(data.get("required", False)),
        unit_default=bool(data.get("unit_default", False)),
        in_year=bool(data.get("in_year", False)),
        known=tuple(data.get("known", ())),
        fields=tuple(_field(k, v) for k, v in (data.get("fields") or {}).items()),
        columns=tuple(_field(k, {"type": "text", **(v or {})})
                      for k, v in (data.get("columns") or {}).items()),
        merge=tuple(data.get("merge", ())),
        warn_empty=bool(data.get("warn_empty", False)),
        value_column=data.get("value_column", ""),
        computed=data.get("computed", ""),
    )
