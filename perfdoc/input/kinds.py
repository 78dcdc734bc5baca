"""Form kinds: each printed form (申报表, 自评表, 2020 目标表 …) is a definition plus a template.

A kind is a YAML file in a templates folder — its fields, indicator framework, sum rules and the
name of its .docx template beside it. The pipeline knows no form by name: adding a province's
variant is adding a kind file and a template, in the built-in folder or in a folder given with
`--templates` or named by the unit file's `模板`. templates/TEMPLATES.md documents both files.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter

import yaml

from .folder import builtin_dir
from .kindcheck import check_kind_text
from .reading import read_regular

MAX_KIND_BYTES = 1024 * 1024  # a kind definition is a page of YAML
FIELD_TYPES = ("text", "date", "amount", "number", "percent", "group", "indicators")
FIELD_FORMATS = ("", "amount")  # a text field's expected shape, checked but printed as typed


class KindError(Exception):
    """A kind definition or template is broken: a developer's mistake, not the spec author's.

    `problems`, when given, are its file:line:col problems (kindcheck.py); the message lists them."""

    def __init__(self, message: str = "", problems: list | None = None):
        self.problems = list(problems or ())
        super().__init__(message or "\n".join(p.format() for p in self.problems))


class TemplateError(KindError):
    """The .docx template itself is malformed (a developer's or restyler's mistake).

    Defined here, not in docxjinja, so that catching it does not load Jinja and lxml."""


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
    format: str = ""                              # "amount": text printed as typed, checked as 元
    computed: str = ""                            # a formula in figures.FORMULAS: printed when left blank
    followed_by: str = ""                         # indicators: the row after the last one (自评表: 总分)

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
    # "warning" where a form's published tables bend its framework routinely (the 2020 目标表):
    # then no departure from it is an error.
    severity: str = "error"

    def cap(self, severity: str) -> str:
        """The severity a departure from this framework is reported with."""
        return "warning" if self.severity == "warning" and severity == "error" else severity

    @functools.cached_property  # read for every project: worked out once per kind
    def owner(self) -> dict[str, str]:
        """Each 二级 and the 一级 it belongs to."""
        return {name: first for first, seconds in self.levels.items() for name in seconds}


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
    # Which fields the form's rules look at (rules/form_rules.py): budget, date_range, not_below.
    checks: dict = field(default_factory=dict, hash=False, compare=False)
    # Printed words that differ from year to year (栏目 in the template): the usual ones, and
    # (years, replacements) for the years that print otherwise.
    labels: dict = field(default_factory=dict, hash=False, compare=False)
    labels_by_year: tuple = field(default=(), hash=False, compare=False)

    def field(self, key: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.key == key:
                return spec
        return None

    @property
    def indicator_field(self) -> FieldSpec | None:
        return next((f for f in self.fields if f.type == "indicators"), None)

    @functools.cached_property  # the rules read it for every project: made once per kind
    def plain_fields(self) -> tuple[tuple[str, FieldSpec], ...]:
        """(dotted key, spec) of every field, group members included, indicator tables excluded."""
        return tuple(_plain_fields(self.fields))

    @property
    def system_spelling(self) -> bool:
        """Whether indicator values follow the budget system's spelling (≥90.00(%)): the 2020
        form predates it (=100%, =1台, =90), so its kind says `checks: {system_spelling: false}`."""
        return bool(self.checks.get("system_spelling", True))

    def framework_for(self, year: int) -> Framework | None:
        return next((f for f in self.frameworks if year in f.years), None)

    def labels_for(self, year: int) -> dict[str, str]:
        """The printed words of `year`'s form, {年度} filled in: (2025年度), but （2024年度）."""
        labels = dict(self.labels)
        for years, replacements in self.labels_by_year:
            if year in years:
                labels.update(replacements)
        return {key: text.replace("{年度}", str(year)) for key, text in labels.items()}


def _plain_fields(specs: tuple[FieldSpec, ...], prefix: str = ""):
    """FormKind.plain_fields, walked (the rules, the workbook, diff and import all read it)."""
    for spec in specs:
        if spec.type == "group":
            yield from _plain_fields(spec.fields, f"{prefix}{spec.key}.")
        elif spec.type != "indicators":
            yield prefix + spec.key, spec


def load_kinds(extra_dirs: list[Path] = ()) -> dict[str, FormKind]:
    """Read every kind: built-in first, then each extra folder, later ones overriding by name.

    A folder that holds only a restyled `<kind>.docx` (no .yaml) restyles the built-in kind.
    """
    kinds: dict[str, FormKind] = {}
    for folder in [builtin_dir(), *extra_dirs]:
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise KindError(f"{folder}: 是文件，不是模板文件夹（--templates 或“模板”应指向放 .docx 与 .yaml 的文件夹）")
        if not folder.is_dir():
            raise KindError(f"模板文件夹不存在：{folder}")
        for path in sorted(folder.glob("*.yaml")):
            kind = read_kind(path)
            kinds[kind.name] = kind
        for name, kind in list(kinds.items()):
            restyled = folder / kind.template.name
            _check_restyled(folder, kind.template.name)
            if restyled.is_file() and restyled != kind.template:
                kinds[name] = _replace_template(kind, restyled)
    return kinds


def _check_restyled(folder: Path, template_name: str) -> None:
    """Refuse a restyled template perfdoc would pass over without a word: saved as .DOCX or as
    Word 97's .doc, or a folder in its place — the built-in layout would be printed instead."""
    stem = Path(template_name).stem.casefold()
    for entry in folder.iterdir():
        if entry.name == template_name:
            if not entry.is_file():
                raise KindError(f"{entry}: 不是文件（是文件夹或特殊文件），无法作为“{stem}”的模板；"
                                f"否则会不声不响地用内置版式")
        elif Path(entry.name).stem.casefold() == stem and entry.suffix.casefold() in (".docx", ".doc", ".docm", ".dotx"):
            wanted = "请在 Word 中“另存为”.docx 格式" if entry.suffix.casefold() != ".docx" else "请把扩展名改为小写 .docx"
            raise KindError(f"{entry}: 模板文件名应为 {template_name}，{wanted}（否则会不声不响地用内置版式）")


EXPORTED = ("*.docx", "*.yaml", "*.md")  # templates, their kind definitions, TEMPLATES.md


def export_templates(target: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the built-in templates, kind definitions and their documentation into `target`,
    for an organisation to restyle; refuse to replace files there unless told to."""
    import shutil
    sources = sorted({p for pattern in EXPORTED for p in builtin_dir().glob(pattern)})
    target = Path(target)
    clashes = [target / p.name for p in sources if (target / p.name).exists()]
    if clashes and not overwrite:
        raise KindError(f"{target} 中已有 {'、'.join(p.name for p in clashes)}："
                        f"不会覆盖已修改的模板（确要覆盖请加 --force）")
    target.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(p, target / p.name)) for p in sources]


def _replace_template(kind: FormKind, template: Path) -> FormKind:
    from dataclasses import replace
    return replace(kind, template=template)


def year_span(years) -> str:
    """Years as people write them: 2024–2030 for a run, gaps kept (2020、2022–2023)."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "、".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def default_kind(kinds: dict[str, FormKind], year: int) -> FormKind | None:
    """The kind a unit uses when its file names none: the one whose years include `year`."""
    for kind in kinds.values():
        if year in kind.years:
            return kind
    return None


def read_kind(path: Path) -> FormKind:
    """Read one kind definition file."""
    try:
        # libyaml when present: every command reads every kind, and the pure-Python loader
        # would spend more time on them than on a small unit's specs
        text = read_regular(path, MAX_KIND_BYTES).decode("utf-8")
        problems = [p for p in check_kind_text(path, text) if p.is_error]
        if problems:
            raise KindError(problems=problems)
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        kind = FormKind(
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
                                       {k: tuple(v or ()) for k, v in f["levels"].items()},
                                       f.get("severity", "error"))
                             for f in data.get("frameworks", ())),
            source=path,
            options=data.get("options", {}) or {},
            checks=data.get("checks", {}) or {},
            labels=_labels(data.get("labels")),
            labels_by_year=_labels_by_year(data.get("labels_by_year"), _labels(data.get("labels"))),
        )
    except KindError as exc:  # the checks of kindcheck.py, or a field's type or format from _field
        if exc.problems:
            raise
        raise KindError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise KindError(f"{path}: 表式定义不是 UTF-8 编码的文本") from None
    except OSError as exc:
        raise KindError(f"{path}: 无法读取表式定义：{exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise KindError(f"{path}: 表式定义不是有效的 YAML：{_yaml_reason(exc)}") from None
    except KeyError as exc:
        raise KindError(f"{path}: 表式定义缺少“{exc.args[0]}”（模板文件夹中的每个 .yaml 都应是表式定义，"
                        f"见 TEMPLATES.md）") from None
    except (TypeError, AttributeError, ValueError):
        raise KindError(f"{path}: 表式定义的结构有误：应为 name、template、fields 等若干“键: 值”"
                        f"（见 TEMPLATES.md）") from None
    if not kind.template.is_file():
        raise KindError(f"{path}: 找不到表式“{kind.name}”的模板 {kind.template.name}"
                        f"（应与表式定义放在同一文件夹中）")
    return kind


def format_plain(pattern: str, values: dict[str, str]) -> str:
    """`str.format` with plain names only: `{项目名称}`, never `{x.__class__}` or `{x[0]}` (a kind
    file comes from elsewhere) and no format specs; a missing name raises KeyError."""
    out = []
    for literal, name, spec, conversion in Formatter().parse(pattern):
        out.append(literal)
        if name is None:
            continue
        if not name or any(c in name for c in ".[]") or spec or conversion:
            raise ValueError(f"文件名样式中的“{{{name}}}”只能是字段名")
        out.append(values[name])
    return "".join(out)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"第 {mark.line + 1} 行：" if mark else ""
    return where + str(getattr(exc, "problem", None) or exc)


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
        format=_field_format(key, data.get("format", "")),
        computed=data.get("computed", ""),
        followed_by=data.get("followed_by", ""),
    )


def _labels(data) -> dict[str, str]:
    """A kind's `labels`: printed words by name, each a text."""
    labels = dict(data or {})
    for key, text in labels.items():
        if not isinstance(text, str):
            raise KindError(f"labels 中“{key}”的值应为文字，而不是 {text!r}")
    return labels


def _labels_by_year(data, labels: dict[str, str]) -> tuple:
    """A kind's `labels_by_year`: for some years, other words for names that `labels` defines."""
    entries = []
    for entry in data or ():
        years = tuple(entry["years"])
        replacements = _labels({k: v for k, v in entry.items() if k != "years"})
        unknown = sorted(set(replacements) - set(labels))
        if unknown:  # a misspelt name would silently print the usual words
            raise KindError(f"labels_by_year 中的“{'、'.join(unknown)}”在 labels 中没有定义")
        entries.append((years, replacements))
    return tuple(entries)


def _field_format(key: str, name: str) -> str:
    if name not in FIELD_FORMATS:
        raise KindError(f"字段 {key} 的格式“{name}”未知（可用：{'、'.join(filter(None, FIELD_FORMATS))}）")
    return name
