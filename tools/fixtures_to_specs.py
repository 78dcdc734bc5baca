"""Write the example specs under specs/ from the golden fixtures (tests/fixtures/).

    python tools/fixtures_to_specs.py tests/fixtures/000.json specs/2025

Every value is copied as printed; amounts keep their printed digits. Run once per fixture; the
specs are then ordinary hand-editable files.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from perfdoc.input.specwriter import mapping, unit_file  # noqa: E402

SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"


def file_stem(index: int, name: str) -> str:
    return f"{index:02d}_" + re.sub(r'[\\/:*?"<>|\s]', "_", name)


def write_unit(fixture: dict, folder: Path) -> dict:
    """Write 单位.yaml; return the 主管部门/实施单位 every project shares (said there once)."""
    projects = fixture["projects"]
    shared = {k: projects[0][k] for k in ("主管部门", "实施单位") if all(p[k] == projects[0][k] for p in projects)}
    unit = {"单位": fixture["unit"], "年度": str(fixture["year"]), "表式": fixture["form"], **shared}
    (folder / "单位.yaml").write_text(SCHEMA_LINE.format(kind="单位") + unit_file(unit), encoding="utf-8")
    return shared


def 申报表(fixture: dict, folder: Path) -> None:
    projects = fixture["projects"]
    shared = write_unit(fixture, folder)
    amounts = ("项目资金总额", "年度资金申请总额", "当年财政拨款", "上年结转资金", "其他资金", "财政资金")
    for index, project in enumerate(projects, 1):
        funds = project["项目资金"]
        spec = {k: v for k, v in project.items() if k not in ("notes", "项目资金", *shared)}
        money = {k: funds[k] for k in ("年度资金申请总额", "当年财政拨款", "上年结转资金", "其他资金")}
        if funds.get("项目资金总额") is not None:
            money["项目资金总额"] = funds["项目资金总额"]
        if funds.get("财政资金") is not None or funds.get("其他资金_左栏") is not None:
            money["项目资金总额明细"] = {"财政资金": funds.get("财政资金"), "其他资金": funds.get("其他资金_左栏")}
        ordered = {}
        for key in ("项目名称", "项目性质", "项目类别", "计划开始日期", "计划完成日期"):
            ordered[key] = spec.pop(key)
        ordered["项目资金"] = money
        ordered.update(spec)
        text = SCHEMA_LINE.format(kind="申报表") + mapping(ordered, raw_keys=amounts + ("计划开始日期", "计划完成日期"))
        (folder / f"{file_stem(index, project['项目名称'])}.yaml").write_text(text, encoding="utf-8")


def 自评表(fixture: dict, folder: Path) -> None:
    projects = fixture["projects"]
    shared = write_unit(fixture, folder)
    figures = ("年初预算数", "全年预算数", "全年执行数", "分值", "得分")
    for index, project in enumerate(projects, 1):
        spec = {k: v for k, v in project.items() if k not in ("notes", *shared)}
        text = SCHEMA_LINE.format(kind="自评表") + mapping(spec, raw_keys=figures)
        (folder / f"{file_stem(index, project['项目名称'])}.yaml").write_text(text, encoding="utf-8")


def 目标表2020(fixture: dict, folder: Path) -> None:
    """The 2020 目标表: 表名 only where it differs from the kind's title, amounts as printed."""
    projects = fixture["projects"]
    unit_name = projects[0]["申报单位名称"]
    unit = {"单位": unit_name, "年度": str(fixture["year"]), "表式": "目标表2020"}
    (folder / "单位.yaml").write_text(
        SCHEMA_LINE.format(kind="单位") + "# 单位文件：单位、年度与表式。项目文件未写“申报单位名称”时，表中印这里的“单位”。\n"
        + mapping(unit, raw_keys=("年度",)), encoding="utf-8")
    amounts = ("项目总预算", "项目当年预算", "同名项目上年预算额", "同名项目上年预算执行数")
    for index, project in enumerate(projects, 1):
        spec = {k: v for k, v in project.items() if k != "notes"}
        if spec["表名"] == "财政项目支出绩效目标表":
            del spec["表名"]
        if spec["申报单位名称"] == unit_name:
            del spec["申报单位名称"]
        text = SCHEMA_LINE.format(kind="目标表2020") + mapping(spec, raw_keys=amounts + ("计划开始日期", "计划完成日期"))
        (folder / f"{file_stem(index, project['项目名称'])}.yaml").write_text(text, encoding="utf-8")


WRITERS = {"申报表": 申报表, "目标表2020": 目标表2020, "自评表": 自评表}


def main(fixture_path: str, folder: str) -> None:
    fixture = json.loads(Path(fixture_path).read_text(encoding="utf-8"))
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    WRITERS[fixture["form"]](fixture, target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
