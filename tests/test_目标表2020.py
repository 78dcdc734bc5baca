"""The 2020 目标表 beyond the published five: irregular tables print as written, and its rules
warn — never refuse — where real tables bend the form."""
from __future__ import annotations

from pathlib import Path

from conftest import paragraphs, tables

UNIT = "单位: 某某中心\n年度: 2020\n"
PROJECT = """\
项目名称: 示例项目
项目类别: 其他经常性项目
计划开始日期: 2020-01-01
计划完成日期: 2020-11-30
是否含有政府购买服务: 是
绩效类型: 其他类
项目概况: 概况 <A&B>
立项依据: 依据
项目设立的必要性: 必要性
保证项目实施的制度、措施: 制度
项目实施计划: |-
  第一季度：准备。
  第二季度：实施。
总目标及阶段性目标: 目标
上年度资金:
  项目总预算: 1200000
  项目当年预算: 40万
绩效目标:
{rows}"""

IRREGULAR = [  # as a real table might print them: gaps, a group split in two, a lone 一级
    ("投入与管理", "", "预算执行率", "=100%"),
    ("", "财务管理", "资金使用规范性", "规范"),
    ("产出目标", "数量", "活动次数", "=4次"),
    ("效果目标", "数量", "受益人数", "≥200人"),
    ("产出目标", "数量", "报告", "=1份"),
    ("产出目标", "时效", "", "按季度完成"),
    ("影响力目标", "", "", ""),
]


def write_unit(tmp_path: Path, rows) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "单位.yaml").write_text(UNIT, encoding="utf-8")
    text = "".join(f"  - 一级目标: '{a}'\n    二级目标: '{b}'\n    三级目标: '{c}'\n    指标目标值: '{d}'\n"
                   for a, b, c, d in rows)
    (folder / "01_示例项目.yaml").write_text(PROJECT.format(rows=text), encoding="utf-8")
    return folder


def test_an_irregular_table_prints_exactly_as_written(run_cli, tmp_path):
    folder = write_unit(tmp_path, IRREGULAR)
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "error[" not in result.stderr
    document = tmp_path / "out" / "示例项目.docx"
    facts, targets = tables(document)
    assert targets[2:] == [list(row) for row in IRREGULAR]
    assert paragraphs(document)[:3] == ["财政项目支出绩效目标表", "(2020年度)", "申报单位名称：某某中心"]
    assert ["项目概况：", "概况 <A&B>"] in facts
    assert ["项目实施计划：", "第一季度：准备。\n第二季度：实施。"] in facts
    # amounts print as typed, even one that is not an amount (a warning says so)
    assert ["项目总预算(元)：", "1200000", "项目当年预算(元)：", "40万"] in facts


def test_what_an_irregular_table_is_told(run_cli, tmp_path):
    folder = write_unit(tmp_path, IRREGULAR)
    out = run_cli("validate", folder).stdout
    spec = folder / "01_示例项目.yaml"
    expected = [
        f"{spec}:17:11: warning[amount-text]: “项目当年预算(元)”应为金额（元），如 3,230,000.00，实际是“40万”；将按原样打印",
        f"{spec}:19:11: warning[framework-level2]: 指标“预算执行率”的“二级目标”为空",
        f"{spec}:23:11: warning[empty-value]: 指标“资金使用规范性”的“一级目标”为空，表中将留白",
        f"{spec}:32:11: warning[framework-misplaced]: “数量”属于“产出目标”，不应放在“效果目标”下",
        f"{spec}:35:11: warning[framework-order]: 一级目标“产出目标”的各行没有排在一起（第 5 行又出现），表中会分成两格",
        f"{spec}:41:11: warning[empty-value]: 指标“第 6 行”的“三级目标”为空，表中将留白",
        f"{spec}:43:5: info[bare-row]: 第 7 行“影响力目标”的三级目标、指标目标值为空：按发布的表式原样打印，这几格留白",
        f"{spec}:43:11: warning[framework-level2]: 指标“第 7 行”的“二级目标”为空",
    ]
    assert [line for line in out.splitlines()[:-1]] == expected
    assert out.splitlines()[-1] == "0 个错误，7 个警告，1 条提示"


def test_a_form_without_last_years_money_or_targets(run_cli, tmp_path):
    folder = write_unit(tmp_path, [])
    spec = folder / "01_示例项目.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").split("上年度资金:")[0], encoding="utf-8")
    out = run_cli("validate", folder).stdout
    assert f"{spec}:1:1: error[missing-field]: 缺少必填项“绩效目标”" in out
    assert f"{spec}:1:1: warning[empty-field]: “项目总预算(元)”为空，表中将留白" in out


def test_a_value_typed_twice_is_flagged_but_printed(run_cli, tmp_path):
    twice = "审价结算流程规范，结论合理审价结算流程规范，结论合理"
    folder = write_unit(tmp_path, [("投入与管理", "实施管理", "审计结算规范", twice)])
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert "warning[typed-twice]: “审价结算流程规范，结论合理”似乎重复输入了两遍" in result.stderr
    assert tables(tmp_path / "out" / "示例项目.docx")[1][2] == ["投入与管理", "实施管理", "审计结算规范", twice]
