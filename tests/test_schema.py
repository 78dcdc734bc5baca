"""The JSON Schema an editor uses: committed copies match the kinds, and the examples pass it."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, SPECS
from perfdoc.input.kinds import load_kinds
from perfdoc.input.load import Mapping, Scalar, load_file
from perfdoc.workflow.schema import kind_schema, unit_schema

SCHEMA_DIR = REPO / "schema"


def as_editor_reads_it(node):
    """The spec as a YAML 1.2 editor sees it: plain numbers become numbers, the rest strings."""
    if isinstance(node, Mapping):
        return {k.text: as_editor_reads_it(v) for k, v in node.items}
    if isinstance(node, Scalar):
        if node.is_null:
            return None
        if not node.quoted and re.fullmatch(r"[-+]?\d+", node.text):
            return int(node.text)
        if not node.quoted and re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+)", node.text):
            return float(node.text)
        return node.text
    return [as_editor_reads_it(item) for item in node.items]


def test_committed_schemas_are_current(run_cli, tmp_path):
    assert run_cli("schema", "-o", tmp_path).exit_code == 0
    for generated in tmp_path.iterdir():
        committed = SCHEMA_DIR / generated.name
        assert committed.is_file(), f"schema/{generated.name} missing: run perfdoc schema -o schema"
        assert json.loads(committed.read_text(encoding="utf-8")) == json.loads(generated.read_text(encoding="utf-8"))


def test_schemas_are_valid_draft7():
    kinds = load_kinds()
    for document in [unit_schema(kinds), *(kind_schema(k) for k in kinds.values())]:
        jsonschema.Draft7Validator.check_schema(document)


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*/*.yaml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_names_its_schema_and_passes_it(spec: Path):
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, "first line must name the schema"
    schema_path = (spec.parent / match.group(1)).resolve()
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    node, _ = load_file(spec)
    jsonschema.validate(as_editor_reads_it(node), schema)


def test_schema_flags_an_unknown_key_and_a_bad_amount():
    schema = kind_schema(load_kinds()["申报表"])
    node, _ = load_file(SPECS / "2026" / "01_企业科技创新服务.yaml")
    data = as_editor_reads_it(node)
    data["项目名"] = data.pop("项目名称")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    data = as_editor_reads_it(node)
    data["项目资金"]["当年财政拨款"] = "130万"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_schema_of_an_unknown_kind_is_a_usage_error(run_cli):
    result = run_cli("schema", "申请表")
    assert result.exit_code == 2 and "申请表" in result.output
