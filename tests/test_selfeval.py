"""The 自评表 beyond the golden data: `perfdoc selfeval init`, figures printed where the author left
them blank, rules that stay silent for other kinds, and the arithmetic's edge cases."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import SPECS, copy_specs, table_rows
from perfdoc.rules.figures import Rounding
from perfdoc.make.pipeline import read_specs
from perfdoc.rules.scoring import split_points, suggest_score

INVALID = Path(__file__).resolve().parent / "invalid" / "自评表"
HALF_UP = Rounding()


# -- perfdoc selfeval init --------------------------------------------------------------------
@pytest.fixture
def scaffolded(run_cli, tmp_path):
    source = copy_specs("2025", tmp_path)
    result = run_cli("selfeval", "init", source)
    assert result.exit_code == 0, result.output
    return source, tmp_path / "2025-自评", result


def test_init_writes_a_spec_per_project_and_the_unit_file(scaffolded):
    source, folder, result = scaffolded
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in source.iterdir())
    assert "表式: 自评表" in (folder / "单位.yaml").read_text(encoding="utf-8")
    assert result.stdout.count("已生成") == len(list(source.iterdir()))


def test_init_copies_every_indicator_with_its_target(scaffolded):
    source, folder, _ = scaffolded
    targets = read_specs(source)
    selfeval = read_specs(folder)
    assert [p.name for p in selfeval.projects] == [p.name for p in targets.projects]
    for plan, evaluation in zip(targets.projects, selfeval.projects):
        assert [(r["一级指标"], r["二级指标"], r["三级指标"], r["指标值"]) for r in plan.values["绩效指标"]] == \
               [(r["一级指标"], r["二级指标"], r["三级指标"], r["年度指标值"]) for r in evaluation.values["绩效指标"]]
        assert evaluation.values["预期目标"] == plan.values["年度总体目标"]
        assert evaluation.get("项目资金.年度资金总额.年初预算数") == plan.get("项目资金.年度资金申请总额")
        assert all(r["实际完成值"] == "" and r["得分"] is None for r in evaluation.values["绩效指标"])


def test_proposed_points_follow_the_standard_weights_and_add_up_to_100(scaffolded):
    _, folder, _ = scaffolded
    for project in read_specs(folder).projects:
        rows = project.values["绩效指标"]
        share = {level: sum(r["分值"] for r in rows if r["一级指标"] in levels)
                 for level, levels in (("产出", ("产出指标", "成本指标")), ("效益", ("效益指标",)), ("满意度", ("满意度指标",)))}
        assert share == {"产出": 50, "效益": 30, "满意度": 10}, project.name
        assert project.get("项目资金.年度资金总额.分值") == 10


def test_the_scaffold_validates_without_errors_and_lists_what_to_fill_in(run_cli, scaffolded):
    _, folder, _ = scaffolded
    result = run_cli("validate", folder)
    assert result.exit_code == 0, result.stdout
    rules = {line.split("[")[1].split("]")[0] for line in result.stdout.splitlines() if "[" in line}
    assert rules == {"empty-value", "empty-field"}
    assert "“年度资金总额的全年执行数”为空" in result.stdout


def test_the_scaffold_builds_a_blank_form(run_cli, scaffolded, tmp_path):
    _, folder, _ = scaffolded
    assert run_cli("build", folder, "-o", tmp_path / "out").exit_code == 0
    rows = table_rows(tmp_path / "out" / "信息化运维项目_自评表.docx")
    assert rows[3][1:8] == ["年度资金总额", "311,966.00", "", "", "10", "", ""]


def test_init_never_overwrites_without_force(run_cli, scaffolded):
    source, folder, _ = scaffolded
    edited = folder / "02_信息化运维项目.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# 已填写\n", encoding="utf-8")
    result = run_cli("selfeval", "init", source)
    assert result.exit_code == 1
    assert "已存在，未覆盖" in result.stderr and "已生成" not in result.stdout
    assert edited.read_text(encoding="utf-8").endswith("# 已填写\n")
    assert run_cli("selfeval", "init", source, "--force").exit_code == 0
    assert not edited.read_text(encoding="utf-8").endswith("# 已填写\n")


def test_init_to_another_folder(run_cli, tmp_path):
    source = copy_specs("2026", tmp_path)
    assert run_cli("selfeval", "init", source, "-o", tmp_path / "自评").exit_code == 0
    assert (tmp_path / "自评" / "01_企业科技创新服务.yaml").is_file()


def test_init_never_writes_into_the_申报表_folder(run_cli, tmp_path):
    source = copy_specs("2026", tmp_path)
    result = run_cli("selfeval", "init", source, "-o", source, "--force")
    assert result.exit_code == 2
    assert "表式: 申报表" in (source / "单位.yaml").read_text(encoding="utf-8")


def test_init_from_specs_that_are_not_a_申报表_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("selfeval", "init", copy_specs("2022", tmp_path))
    assert result.exit_code == 2
    assert "“自评表”" in result.stderr


def test_init_from_specs_with_errors_writes_nothing(run_cli, tmp_path):
    source = copy_specs("2026", tmp_path)
    bad = source / "01_企业科技创新服务.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("项目名称:", "项目名:"), encoding="utf-8")
    result = run_cli("selfeval", "init", source)
    assert result.exit_code == 1
    assert "error[unknown-key]" in result.stderr
    assert not (tmp_path / "2026-自评").exists()


# -- printing ---------------------------------------------------------------------------------------
def _build_case(run_cli, tmp_path, case: str) -> list[list[str]]:
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(INVALID / "_单位.yaml", folder / "单位.yaml")
    shutil.copy(INVALID / f"{case}.yaml", folder / "01.yaml")
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    return table_rows(tmp_path / "out" / "技贸大厦楼顶维修改造_自评表.docx")


def test_blank_figures_print_as_computed(run_cli, tmp_path):
    rows = _build_case(run_cli, tmp_path, "figures-left-blank")
    assert rows[3][5:8] == ["10", "94.60%", "9.46"]
    assert rows[-1][:3] == ["总分", "100", "99.46"]


def test_written_figures_print_as_written(run_cli, tmp_path):
    rows = _build_case(run_cli, tmp_path, "rate-rounded-up")
    assert rows[3][5:8] == ["10", "94.60%", "9.46"]       # not the computed 94.59%


def test_scoring_rules_are_silent_for_a_kind_without_scoring():
    rules = {"score-range", "score-points-sum", "deduction-reason", "suggested-score",
             "figure-mismatch", "figure-rounding", "figure-decimals"}
    for year in ("2025", "2026"):
        assert not [p for p in read_specs(SPECS / year).problems if p.rule in rules]


# -- arithmetic ---------------------------------------------------------------------------------------
@given(st.integers(min_value=1, max_value=100), st.integers(min_value=1, max_value=300))
def test_shares_always_add_up_exactly(total, count):
    shares = split_points(Decimal(total), count)
    assert len(shares) == count and sum(shares) == total
    assert max(shares) - min(shares) <= (1 if total >= count else Decimal("0.01"))
    assert shares == sorted(shares, reverse=True)  # the remainder goes to the first rows


def test_shares_go_to_the_first_rows():
    assert split_points(Decimal(50), 4) == [13, 13, 12, 12]


@pytest.mark.parametrize("target,actual,points,expected", [
    ("=200项", "276项", 10, (10, 10)),                     # over-achieved: capped at 分值
    (">90%", "80%", 10, (Decimal("8.89"), Decimal("8.89"))),  # 80 ÷ 90 × 10
    ("≤130.00(万元)", "143(万元)", 10, (9, 9)),              # 10 % over the ceiling: 10 % off
    ("≤130.00(万元)", "300(万元)", 10, (0, 0)),              # over by more than 100 %: nothing
    ("≤130.00(万元)", "120万元", 10, (10, 10)),
    ("合格", "合格", 10, (8, 10)),                          # qualitative, met: the top band
    ("有效提升", "完成", 5, (4, 5)),
    ("=1次", "100%完成", 3, (3, 3)),
    ("有效提升", "部分工作时间略作调整", 10, None),          # the texts do not tell
    ("=20-30家", "实际走访科技类社会组织、企业20家", 5, None),
    ("=2个", "3项", 5, None),                               # another unit: not comparable
])
def test_suggested_scores(target, actual, points, expected):
    advice = suggest_score(target, actual, Decimal(points), HALF_UP)
    if expected is None:
        assert advice is None
    else:
        assert (advice.low, advice.high) == expected


@pytest.mark.parametrize("rule,value,expected", [
    ("half-up", "94.2238", "94.22"), ("up", "94.2238", "94.23"),
    ("half-up", "99.695", "99.70"), ("half-up", "9.795", "9.80"),
])
def test_rounding_rules(rule, value, expected):
    assert str(Rounding(rule).apply(Decimal(value))) == expected


# -- no input gives a traceback ---------------------------------------------------------------------
FIGURE_LINE = r"^(\s+(?:年初预算数|全年预算数|全年执行数|分值|执行率|得分|实际完成值|年度指标值): ).*$"
odd_values = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str), st.integers().map(str),
    st.sampled_from(["", "~", "-1", "1e400", "NaN", "100%", "%", ".", "1,2,3", "十", "[1]", "{a: 1}", "'&<>'", "0.001"]),
    st.text(max_size=8).map(lambda t: repr(t.replace("\\", ""))))


@given(st.data())
def test_odd_figures_are_reported_or_printed_never_a_traceback(tmp_path_factory, data):
    import re
    from perfdoc.output.render import Renderer
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(INVALID / "_单位.yaml", folder / "单位.yaml")
    lines = (INVALID / "valid.yaml").read_text(encoding="utf-8").splitlines()
    targets = [i for i, line in enumerate(lines) if re.match(FIGURE_LINE, line)]
    for index in data.draw(st.lists(st.sampled_from(targets), min_size=1, max_size=4)):
        lines[index] = re.sub(FIGURE_LINE, lambda m: m.group(1) + data.draw(odd_values), lines[index])
    (folder / "01.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    specs = read_specs(folder)
    if specs.unit is not None and not specs.has_errors:
        Renderer().render(specs.unit, specs.projects, summary=True)
