"""Generate a realistic synthetic unit: N projects of the 2025 申报表, as perfdoc specs.

Deterministic: the same N and seed always write the same bytes, so two benchmark runs (and two
machines) time the same work. The projects look like the published ones (seeds 000 and 003):
15–40 indicator rows over all four 一级 of the 2025 framework, goal texts of 300–1500 characters
(some in several paragraphs), funding that satisfies the sum rule, some repeated 三级 names as in
信息化运维项目, and some values with `&` or `<` that must print literally.

    python bench/generate.py 1000 /tmp/specs-1000
    python bench/generate.py 1000 /tmp/specs-1000-problems --problems   # warnings in a third of the rows
    python bench/generate.py 1000 /tmp/specs-1000-slips --slips   # another office's slips: unknown keys, comments…
    python bench/generate.py 25 /tmp/units-200 --units 200   # 200 unit folders of 25 projects each
"""
from __future__ import annotations

import json
import random
import sys
from decimal import Decimal
from pathlib import Path

UNIT = "上海市科学技术示范中心"
DEPARTMENT = "上海市科学技术委员会"
YEAR = 2025

# The 2025 framework (templates/申报表.yaml), 一级 → 二级, in the order the forms print them.
FRAMEWORK = {
    "成本指标": ["经济成本指标", "社会成本指标", "生态环境成本指标"],
    "产出指标": ["数量指标", "质量指标", "时效指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
}
# How many of a project's rows fall under each 一级: output and benefit rows dominate, as in seed 000.
SHARE = {"成本指标": 0.08, "产出指标": 0.55, "效益指标": 0.27, "满意度指标": 0.10}

SUBJECTS = ["绿色技术", "科技成果转化", "长三角科技创新共同体", "国际科技合作", "科普教育", "技术转移",
            "科技金融", "创新创业服务", "科技资源共享", "知识产权运营", "数字化平台", "专家咨询"]
ACTIONS = ["组织开展", "持续推进", "建立健全", "完善提升", "深化拓展", "统筹实施", "积极探索", "稳步推进"]
OBJECTS = ["专题对接活动", "培训与交流", "平台运行维护", "成果展示与推广", "服务体系建设", "数据共享与开放",
           "合作网络构建", "示范项目落地", "调研与评估", "信息化系统升级"]
RESULTS = ["提升区域协同创新能力", "促进科技成果转移转化", "增强公共服务供给", "提高资源配置效率",
           "服务经济社会高质量发展", "扩大国际影响力", "推动绿色低碳转型", "改善服务对象体验"]
UNITS = ["场", "次", "项", "份", "家", "人次", "个", "篇"]
QUALITATIVE = ["有效提升", "建立健全", "稳步提高", "2025年12月底前完成", "系统保持7*24不间断稳定运行",
               "总成本控制在批复预算内", "技术+金融 <A&B> 模式持续深化", "R&D投入产出比 <= 上年水平",
               "服务质量达到行业先进水平", "按计划节点完成各项任务"]
COST_TEXTS = ["单项成本符合支出标准", "总成本控制在批复预算内", "人均成本不高于上年 & 行业均值"]
# Third-level names that recur inside one project in the published tables.
RECURRING = ["项目完成及时性", "服务对象满意度", "活动开展数量"]


def sentence(rng: random.Random) -> str:
    return (f"{rng.choice(ACTIONS)}{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}，"
            f"{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}，{rng.choice(RESULTS)}。")


def goal_text(rng: random.Random) -> str:
    """A 年度总体目标 of 300–1500 characters, sometimes in two or three paragraphs."""
    target = rng.randint(300, 1500)
    paragraphs = [[] for _ in range(rng.choice([1, 1, 2, 3]))]
    length = 0
    while length < target:
        text = sentence(rng)
        rng.choice(paragraphs).append(text)
        length += len(text)
    return "\n".join("".join(p) for p in paragraphs if p)


def amount(rng: random.Random, low: int, high: int) -> Decimal:
    """Whole hundreds of 元, as budgets are: the 成本 ceiling in 万元 then states it exactly."""
    return Decimal(rng.randint(low // 100, high // 100) * 100).quantize(Decimal("0.01"))


def yuan(value: Decimal, rng: random.Random) -> str:
    """Amounts written as authors write them: 1,515,000.00 or 1515000."""
    return f"{value:,.2f}" if rng.random() < 0.7 else str(value)


def indicator_value(rng: random.Random, second: str) -> str:
    if second == "服务对象满意度指标":
        return f"≥{rng.choice([85, 90, 95])}.00(%)"
    if rng.random() < 0.5:
        op = rng.choice(["=", "≥", "≤", ">"])
        return f"{op}{rng.randint(1, 500)}.00({rng.choice(UNITS)})"
    return rng.choice(QUALITATIVE)


def indicator_rows(rng: random.Random, budget: Decimal) -> list[dict]:
    count = rng.randint(15, 40)
    rows = []
    for first, share in SHARE.items():
        n = max(1, round(count * share))
        seconds = FRAMEWORK[first][: rng.randint(1, len(FRAMEWORK[first]))]
        for i in range(n):
            second = seconds[min(i * len(seconds) // n, len(seconds) - 1)]
            if first == "成本指标":  # the ceiling equals the budget, as 成本 rows must
                third, value = ("项目总成本", f"≤{budget / 10000:.2f}(万元)") if i == 0 else \
                    (f"{rng.choice(OBJECTS)}单项成本", rng.choice(COST_TEXTS))
            else:
                third = rng.choice(RECURRING) if rng.random() < 0.12 else \
                    f"{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}{i + 1}"
                value = indicator_value(rng, second)
            rows.append({"一级指标": first, "二级指标": second, "三级指标": third, "指标值": value})
    return rows


# Problems a unit's authors really make (RULES.md), planted with --problems for the
# many-problems row: each is a warning or a note, so every project is still built.
PLANTED = [
    ("指标值", "≥ 90.00 (百分比)"),                          # value-format: spaces
    ("指标值", "=2(场)"),                                    # value-style: not the system's 2.00
    ("指标值", "≥120.00(%)"),                                # percent-over-100
    ("指标值", ""),                                          # empty-value
    ("指标值", "审价结算流程规范，结论合理审价结算流程规范，结论合理"),  # typed-twice
    ("二级指标", "其他指标"),                                  # framework-level2
]


def plant_problems(rows: list[dict], rng: random.Random) -> None:
    """Spoil about a third of the rows (not the 项目总成本 row, whose value rules check the budget)."""
    for row in rows:
        if row["三级指标"] != "项目总成本" and rng.random() < 0.35:
            key, value = rng.choice(PLANTED)
            row[key] = value


def slip(lines: list[str], rng: random.Random) -> list[str]:
    """Another office's files (--slips): slips of the hand that reading must report at every
    row — a misspelt column (三级指表, an unknown key and a missing one), a note after the value
    that YAML drops as a comment, last year's year left in a value, a date outside the year."""
    slipped = []
    for line in lines:
        chance = rng.random()
        if "三级指标:" in line and chance < 0.05:
            line = line.replace("三级指标:", "三级指表:")
        elif "指标值:" in line and chance < 0.05 and not line.rstrip().endswith('"'):
            line += " #含往年结转"
        elif "指标值:" in line and chance < 0.10:
            line = f"{line.split(':')[0]}: {YEAR - 2}年完成{rng.randint(2, 99)}项，较{YEAR - 1}年有所提升"
        elif line.startswith("计划完成日期") and chance < 0.3:
            line = f"计划完成日期: {YEAR + 1}-06-30"
        slipped.append(line)
    return slipped


def scalar(text: str) -> str:
    """A YAML scalar: plain where that reads back as the same text, else double-quoted."""
    plain_safe = text and text[0] not in "&*!|>'\"%@`#-?:[]{},=" and ": " not in text \
        and " #" not in text and text == text.strip()
    return text if plain_safe else json.dumps(text, ensure_ascii=False)


def project_yaml(rng: random.Random, number: int, spoil: random.Random | None = None,
                 slips: random.Random | None = None) -> tuple[str, str]:
    """One project spec: (project name, YAML text)."""
    name = f"{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}项目{number:04d}"
    budget = amount(rng, 50_000, 5_000_000)
    carried = amount(rng, 0, int(budget) // 5) if rng.random() < 0.3 else Decimal("0.00")
    other = amount(rng, 0, int(budget) // 10) if rng.random() < 0.2 else Decimal("0.00")
    grant = budget - carried - other
    lines = [
        f"项目名称: {scalar(name)}",
        f"项目性质: {rng.choice(['其他一次性项目', '其他经常性项目'])}",
        f"项目类别: {rng.choice(['特定目标类', '其他运转类'])}",
        f"计划开始日期: {YEAR}-01-01",
        f"计划完成日期: {YEAR}-{rng.choice(['11-30', '12-31'])}",
        "项目资金:",
        f"  年度资金申请总额: {yuan(budget, rng)}",
        f"  当年财政拨款: {yuan(grant, rng)}",
        f"  上年结转资金: {yuan(carried, rng)}",
        f"  其他资金: {yuan(other, rng)}",
    ]
    if rng.random() < 0.2:  # a multi-year project also states its cumulative total
        total = budget * 3
        lines += [f"  项目资金总额: {yuan(total, rng)}", "  项目资金总额明细:",
                  f"    财政资金: {yuan(total - other * 3, rng)}", f"    其他资金: {yuan(other * 3, rng)}"]
    lines.append(f"项目总目标: {scalar(sentence(rng))}" if rng.random() < 0.2 else "项目总目标:")
    goal = goal_text(rng)
    if "\n" in goal:
        lines.append("年度总体目标: |-")
        lines += [f"  {paragraph}" for paragraph in goal.split("\n")]
    else:
        lines.append(f"年度总体目标: {scalar(goal)}")
    lines.append("绩效指标:")
    rows = indicator_rows(rng, budget)
    if spoil:
        plant_problems(rows, spoil)
    for row in rows:
        first, *rest = row.items()
        lines.append(f"  - {first[0]}: {scalar(first[1])}")
        lines += [f"    {key}: {scalar(value)}" for key, value in rest]
    if slips:
        lines = slip(lines, slips)
    return name, "\n".join(lines) + "\n"


def unit_yaml(unit: str = UNIT) -> str:
    return (f"单位: {unit}\n年度: {YEAR}\n表式: 申报表\n"
            f"主管部门: {DEPARTMENT}\n实施单位: {unit}\n")


def generate(count: int, folder: Path, seed: int = 2025, unit: str = UNIT, problems: bool = False,
             slips: bool = False) -> list[Path]:
    """Write 单位.yaml and `count` numbered project specs into `folder`; return the project files.
    With `problems`, the same unit with warnings planted in a third of its indicator rows; with
    `slips`, with another office's slips of the hand (see `slip`)."""
    rng, spoil = random.Random(seed), random.Random(seed + 1) if problems else None
    slips_rng = random.Random(seed + 2) if slips else None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "单位.yaml").write_text(unit_yaml(unit), encoding="utf-8")
    width = len(str(count))
    files = []
    for number in range(1, count + 1):
        name, text = project_yaml(rng, number, spoil, slips_rng)
        path = folder / f"{number:0{width}d}_{name}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def generate_units(units: int, count: int, folder: Path) -> list[Path]:
    """Write `units` unit folders of `count` projects each (a 财政局's year: 区/<NNN>_<单位>/), one
    seed per unit so that every unit differs; return the unit folders."""
    folders = []
    for number in range(1, units + 1):
        unit = f"上海市第{number}科技服务中心"
        district = f"{(number - 1) // 50 + 1:02d}区"   # nested one level, as a 财政局 files them
        path = folder / district / f"{number:03d}_{unit}"
        generate(count, path, seed=2025 + number, unit=unit)
        folders.append(path)
    return folders


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[3] == "--units":
        generate_units(int(sys.argv[4]), int(sys.argv[1]), Path(sys.argv[2]))
    else:
        generate(int(sys.argv[1]), Path(sys.argv[2]), problems="--problems" in sys.argv[3:],
                 slips="--slips" in sys.argv[3:])
