"""JSON Schema (draft 7) of the spec files, generated from the form kinds.

Editors (VS Code with the YAML extension) read it through the first line of a spec,
`# yaml-language-server: $schema=../../schema/申报表.schema.json`, to complete keys and flag
mistakes as the author types. perfdoc's own checks stay the authority; the schema is a
faithful but looser mirror of them (it cannot know the unit file's defaults, for instance).
"""
from __future__ import annotations

from ..input.kinds import FieldSpec, FormKind
from ..input.parse import UNIT_FIELDS

DRAFT = "http://json-schema.org/draft-07/schema#"
# The editor reads YAML 1.2: 0.00 is a number, 1,515,000.00 and 2025-01-01 are strings.
_AMOUNT_TEXT = r"^\s*(\d{1,3}(,\d{3})+|\d+)?(\.\d{1,2})?\s*$"
_DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"


def kind_schema(kind: FormKind) -> dict:
    """The schema of one project file of `kind`."""
    body = _group(kind.fields, top_level=True)
    return {"$schema": DRAFT, "$id": f"perfdoc:{kind.name}",
            "title": f"perfdoc 项目规格：{kind.title}", "description": kind.description, **body}


def unit_schema(kinds: dict[str, FormKind]) -> dict:
    """The schema of a unit file (单位.yaml)."""
    defaults = {}
    for kind in kinds.values():
        for spec in kind.fields:
            if spec.unit_default:
                defaults[spec.key] = _field(spec)
    properties = {
        "单位": {"type": "string", "description": "单位名称，印在汇总表标题中"},
        "年度": {"type": ["integer", "string"], "pattern": r"^\d{4}$", "description": "预算年度，如 2025"},
        "表式": {"type": "string", "enum": sorted(kinds), "description": "表式；不写时按年度取默认表式"},
        "模板": {"type": "string", "description": "本单位的模板文件夹，相对于单位文件（见 TEMPLATES.md）"},
        **defaults,
    }
    assert set(UNIT_FIELDS) <= set(properties)
    return {"$schema": DRAFT, "$id": "perfdoc:单位", "title": "perfdoc 单位文件（单位.yaml）", "type": "object",
            "properties": properties, "required": ["单位", "年度"], "additionalProperties": False}


def _group(fields: tuple[FieldSpec, ...], top_level: bool = False) -> dict:
    required = [f.key for f in fields if f.required and not (top_level and f.unit_default)]
    schema = {"type": "object", "properties": {f.key: _field(f) for f in fields},
              "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _field(spec: FieldSpec) -> dict:
    described = {"description": spec.label}
    if spec.type == "text":
        schema = {"type": ["string", "number", "null"]}
        if spec.known:
            schema["examples"] = list(spec.known)
    elif spec.type == "date":
        schema = {"type": ["string", "null"], "pattern": _DATE_TEXT}
    elif spec.type == "amount":
        schema = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _AMOUNT_TEXT},
                            {"type": "null"}]}
    elif spec.type in ("number", "percent"):  # 99.70% is a string to the editor
        schema = {"type": ["number", "string", "null"]}
    elif spec.type == "group":
        schema = {"anyOf": [_group(spec.fields), {"type": "null"}]}
    else:  # indicators
        row = _group(spec.columns)
        schema = {"type": "array", "items": row}
    return {**described, **schema}
