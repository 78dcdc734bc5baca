"""`perfdoc next` rolls a unit into next year by editing its text; the earlier-year rule finds what
still speaks of last year."""
from __future__ import annotations

import datetime as dt
import difflib

import pytest

from conftest import SPECS, copy_specs
from perfdoc.make.pipeline import read_specs
from perfdoc.rules.years import year_mentions
from perfdoc.workflow.rollover import next_date


@pytest.fixture
def rolled(run_cli, tmp_path, monkeypatch):
    copy_specs("2025", tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("next", "2025")
    assert result.exit_code == 0, result.output
    return tmp_path, result


def test_next_prints_what_it_did_and_what_to_review(rolled):
    _, result = rolled
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "已生成 2026/单位.yaml：年度 2025 → 2026",
        "已生成 2026/01_绿色技术银行综合管理与运行.yaml：计划开始日期 2025-01-01 → 2026-01-01；计划完成日期 2025-12-31 → 2026-12-31",
        "已生成 2026/02_信息化运维项目.yaml：计划开始日期 2025-01-01 → 2026-01-01；计划完成日期 2025-12-31 → 2026-12-31",
    ]
    assert lines[9] == "请核对以下 21 处（2026 年度的规格中沿用上一年度的内容）："
    assert lines[10:17] == [
        "2026/01_绿色技术银行综合管理与运行.yaml:9: 年度资金申请总额 1,515,000.00、当年财政拨款 1,515,000.00、"
        "上年结转资金 0.00、其他资金 0.00：2025 年度的数字，请按 2026 年度预算核对",
        "2026/01_绿色技术银行综合管理与运行.yaml:14: 年度总体目标：沿用 2025 年度的文字，请按 2026 年度的工作改写",
        "2026/01_绿色技术银行综合管理与运行.yaml:46: 绩效指标第 8 行（发布《上海市绿色技术目录(2025版)》）的三级指标"
        "提到 2025 年（“…布《上海市绿色技术目录(2025版)》”）：引用中的年份，核对是否已有新版",
        "2026/02_信息化运维项目.yaml:9: 年度资金申请总额 311,966.00、当年财政拨款 311,966.00、上年结转资金 0.00、"
        "其他资金 0.00：2025 年度的数字，请按 2026 年度预算核对",
        "2026/02_信息化运维项目.yaml:14: 年度总体目标：沿用 2025 年度的文字，请按 2026 年度的工作改写",
        "2026/02_信息化运维项目.yaml:51: 绩效指标第 9 行（项目完成及时性）的指标值提到 2025 年"
        "（“2025年12月31日前完成系统运…”）：是否应改为本年度",
        "2026/02_信息化运维项目.yaml:55: 绩效指标第 10 行（项目完成及时性）的指标值提到 2025 年"
        "（“2025年12月31日前完成系统等…”）：是否应改为本年度",
    ]
    assert lines[-1] == "然后运行 perfdoc validate 2026"


def test_the_rolled_files_are_the_old_text_with_exact_edits(rolled):
    folder, _ = rolled
    old = (SPECS / "2025" / "01_绿色技术银行综合管理与运行.yaml").read_text(encoding="utf-8").splitlines()
    new = (folder / "2026" / "01_绿色技术银行综合管理与运行.yaml").read_text(encoding="utf-8").splitlines()
    changes = [line for line in difflib.unified_diff(old, new, lineterm="", n=0) if line[:1] in "+-"]
    assert changes == [
        "--- ", "+++ ",
        "-计划开始日期: 2025-01-01", "-计划完成日期: 2025-12-31",
        "+计划开始日期: 2026-01-01", "+计划完成日期: 2026-12-31",
        "+# perfdoc next：项目资金的年度数字沿用 2025 年度，请按 2026 年度预算填写",
    ]
    unit = (folder / "2026" / "单位.yaml").read_text(encoding="utf-8")
    assert unit == (SPECS / "2025" / "单位.yaml").read_text(encoding="utf-8").replace("年度: 2025", "年度: 2026")


def test_the_rolled_folder_validates_and_flags_last_years_texts(rolled):
    folder, _ = rolled
    specs = read_specs(folder / "2026")
    assert specs.unit.year == 2026
    assert not specs.has_errors
    stale = [(p.path.name, p.line) for p in specs.problems if p.rule == "earlier-year"]
    assert stale == [("02_信息化运维项目.yaml", 51), ("02_信息化运维项目.yaml", 55),
                     ("04_信息化建设项目.yaml", 55), ("07_国内科技合作交流.yaml", 62)]
    # the same projects, values and indicators as 2025 apart from the dates
    old = read_specs(SPECS / "2025")
    for before, after in zip(old.projects, specs.projects):
        assert after.values["计划完成日期"] == dt.date(2026, 12, 31)
        assert {k: v for k, v in after.values.items() if "日期" not in k} == \
            {k: v for k, v in before.values.items() if "日期" not in k}


def test_next_never_overwrites_without_force(rolled, run_cli):
    folder, _ = rolled
    again = run_cli("next", "2025")
    assert again.exit_code == 1
    assert again.stderr.splitlines()[0] == "2026/单位.yaml: 已存在，未覆盖（要覆盖请加 --force）"
    assert again.stderr.splitlines()[-1] == "perfdoc: 未生成任何文件：用 -o 另选文件夹，或加 --force 覆盖 2026 中的同名文件"
    assert run_cli("next", "2025", "--force").exit_code == 0


@pytest.mark.parametrize("date, rolled_on", [
    ("2025-01-01", "2026-01-01"), ("2025-12-31", "2026-12-31"), ("2025-11-30", "2026-11-30"),
    ("2027-02-28", "2028-02-29"), ("2028-02-29", "2029-02-28"), ("2025-02-27", "2026-02-27"),
    ("2028-02-28", "2029-02-28"),
])
def test_dates_move_a_year_and_month_ends_stay_month_ends(date, rolled_on):
    assert next_date(dt.date.fromisoformat(date)).isoformat() == rolled_on


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_2024_to_2025_adds_a_cost_row_the_clerk_sees(run_cli, tmp_path, monkeypatch, newline):
    """成本指标 became a required 一级 in 2025: the rolled spec holds an empty row for it (in the
    file's own line endings: one saved on Windows stays CRLF throughout)."""
    folder = copy_specs("2025", tmp_path)
    for path in folder.glob("0[2-8]_*.yaml"):
        path.unlink()
    (folder / "单位.yaml").write_text((folder / "单位.yaml").read_text(encoding="utf-8")
                                     .replace("年度: 2025", "年度: 2024"), encoding="utf-8")
    spec = folder / "01_绿色技术银行综合管理与运行.yaml"
    text = spec.read_text(encoding="utf-8").replace("2025-", "2024-")
    text = text.replace("  - 一级指标: 成本指标\n    二级指标: 经济成本指标\n    三级指标: 项目总成本、项目单项成本\n"
                        "    指标值: 总成本控制在批复预算内, 单项成本符合支出标准\n", "")
    spec.write_bytes(text.replace("\n", newline).encode("utf-8"))
    folder.rename(tmp_path / "2024")
    monkeypatch.chdir(tmp_path)
    result = run_cli("next", "2024")
    assert result.exit_code == 0, result.output
    assert "2025/01_绿色技术银行综合管理与运行.yaml:17: 绩效指标：新加的“成本指标”行，请填写三级指标和指标值" \
        in result.stdout.splitlines()
    raw = (tmp_path / "2025" / spec.name).read_bytes().decode("utf-8")
    assert raw.count(newline) == raw.count("\n")
    rolled = raw.splitlines()
    assert rolled[14:21] == [
        "绩效指标:",
        "  # perfdoc next：2025 年度起必须有“成本指标”，请填写三级指标和指标值",
        "  - 一级指标: 成本指标",
        "    二级指标: 经济成本指标",
        "    三级指标:",
        "    指标值:",
        "  - 一级指标: 产出指标",
    ]
    problems = read_specs(tmp_path / "2025").problems
    assert [(p.line, p.severity, p.rule) for p in problems if p.line in (17, 19, 20)] == [
        (19, "error", "to-fill")]  # the build refuses a form with this hole


def test_a_kind_without_a_next_year_is_refused_in_one_line(run_cli, tmp_path):
    result = run_cli("next", copy_specs("2020", tmp_path))
    assert result.exit_code == 2
    assert result.stderr == ("perfdoc: 不知道 2021 年度用哪种表式：表式“目标表2020”只用于 2020 年度，"
                             "2021 年度没有默认表式\n")
    assert not (tmp_path / "2021").exists()


def test_a_folder_without_a_unit_file_is_refused_in_one_line(run_cli, tmp_path):
    (tmp_path / "2025").mkdir()
    result = run_cli("next", tmp_path / "2025")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "没有单位文件 单位.yaml" in result.stderr


# -- the earlier-year rule ---------------------------------------------------------------------
@pytest.mark.parametrize("text, stale_in_2027", [
    ("2026年12月底前", [2026]),
    ("组织实施 2026 年科普活动", [2026]),
    ("2026-12-31 前完成", [2026]),
    ("发布上海市绿色技术目录(2026版)", [2026]),
    ("依据《上海市科普发展规划（2026）》", []),          # a cited title
    ("沪科〔2026〕12号", []),                            # a document number
    ("2025-2027年三年行动计划", []),                      # a range reaching the year
    ("2025年至2027年", []),
    ("2024-2026年", [2024]),
    ("在2026年度工作基础上", []),                          # the year just closed, on purpose
    ("编制2026年度决算", []),
    ("编制2025年度决算", [2025]),                          # an older year still counts
    ("≥2000.00(份)", []), ("=2026(项)", []), ("2027年12月底前", []),
])
def test_years_a_text_mentions(text, stale_in_2027):
    assert [m.first for m in year_mentions(text) if m.stale_in(2027)] == stale_in_2027


def test_validate_names_the_field_and_the_year(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    spec = folder / "01_企业科技创新服务.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "年度总体目标: 一产学研协同创新服务。", "年度总体目标: 2025年12月底前完成。依据《规划（2025）》，"), encoding="utf-8")
    result = run_cli("validate", folder)
    found = [line for line in result.stdout.splitlines() if "earlier-year" in line]
    assert found == [f"{spec}:13:9: warning[earlier-year]: “年度总体目标”提到 2025 年（“2025年12月底前完成。依据《规…”），"
                     f"早于本规格的 2026 年度：若是沿用往年的文字，请改为本年度；若确指往年（上年成果、立项时间等），可以保留"]


def test_a_multi_year_project_carries_its_total_and_goal(run_cli, tmp_path, monkeypatch):
    folder = copy_specs("2026", tmp_path)
    spec = folder / "01_企业科技创新服务.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "项目资金:\n", "项目资金:\n  项目资金总额: 3,900,000.00\n").replace("项目总目标:\n", "项目总目标: 三年建成服务体系\n"),
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("next", "2026")
    assert result.stdout.splitlines()[1] == (
        "已生成 2027/01_企业科技创新服务.yaml：计划开始日期 2026-01-01 → 2027-01-01；计划完成日期 2026-12-31 → "
        "2027-12-31；项目资金总额 3,900,000.00、项目总目标 照录（多年项目的累计数和总目标）")
    rolled = (tmp_path / "2027" / spec.name).read_text(encoding="utf-8")
    assert "  项目资金总额: 3,900,000.00\n" in rolled and "项目总目标: 三年建成服务体系\n" in rolled
    reviews = [line for line in result.stdout.splitlines() if line.startswith("2027/01_")]
    assert reviews[0] == ("2027/01_企业科技创新服务.yaml:10: 年度资金申请总额 1,300,000.00、当年财政拨款 1,300,000.00、"
                          "上年结转资金 0.00、其他资金 0.00：2026 年度的数字，请按 2027 年度预算核对")
