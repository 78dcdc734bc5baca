"""Remake the built-in .docx templates under templates/ (python tools/make_templates.py).

Run it only to change the built-in layout; an organisation restyles its own copy in Word/WPS
(`perfdoc templates export DIR`). Each function below lays out one form kind: the cells and
merges of the official table, with Jinja tags where the data goes (see templates/TEMPLATES.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docxkit import Grid, end_of_document, page_break, paragraph, write_docx  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def projects_loop(form_heading: str, table: str) -> str:
    """The body every kind shares: the 汇总表 title, then each project's form on its own page."""
    return "".join([
        paragraph("{%p if 汇总表标题 %}"),
        paragraph("{{ 汇总表标题 }}", "SummaryTitle"),
        paragraph("{%p endif %}"),
        paragraph("{%p for 项目 in 项目列表 %}"),
        paragraph("{%p if not loop.first %}"),
        page_break(),
        paragraph("{%p endif %}"),
        form_heading,
        table,
        paragraph("{%p endfor %}"),
        end_of_document(),  # Word wants a paragraph after the last table
    ])


def 申报表() -> str:
    g = Grid(0, 1500, 2750, 3150, 4000, 4500, 5500, 6000, 6600, 7150, 8200, 9638)
    end = 9638
    label = dict(align="center")
    funds = "项目.项目资金"
    rows = [
        # the 项目名称 row repeats atop every page the form runs onto: a page held alone names its project
        g.row(g.cell(0, 1500, "项目名称", **label), g.cell(1500, 4500, "{{ 项目.项目名称 }}"),
              g.cell(4500, 5500, "项目性质", **label), g.cell(5500, 7150, "{{ 项目.项目性质 }}", **label),
              g.cell(7150, 8200, "项目类别", **label), g.cell(8200, end, "{{ 项目.项目类别 }}", **label),
              header=True),
        g.row(g.cell(0, 1500, "主管部门", **label), g.cell(1500, 4500, "{{ 项目.主管部门 }}"),
              g.cell(4500, 6000, "实施单位", **label), g.cell(6000, end, "{{ 项目.实施单位 }}")),
        g.row(g.cell(0, 1500, "计划开始日期", **label), g.cell(1500, 4500, "{{ 项目.计划开始日期 }}", **label),
              g.cell(4500, 6000, "计划完成日期", **label), g.cell(6000, end, "{{ 项目.计划完成日期 }}", **label)),
        g.row(g.cell(0, 1500, "项目资金（元）", vmerge="restart", **label),
              # labels that differ by year come from the kind's `labels` (申报表.yaml)
              g.cell(1500, 3150, "{{ 栏目.项目资金总额 }}"), g.cell(3150, 4500, "{{ %s.项目资金总额 }}" % funds, align="right"),
              g.cell(4500, 6600, "{{ 栏目.年度资金申请总额 }}"), g.cell(6600, end, "{{ %s.年度资金申请总额 }}" % funds, align="right")),
        g.row(g.cell(0, 1500, vmerge="continue"),
              g.cell(1500, 3150, "其中：财政资金"),
              g.cell(3150, 4500, "{{ %s.项目资金总额明细.财政资金 }}" % funds, align="right"),
              g.cell(4500, 6600, "其中：当年财政拨款"), g.cell(6600, end, "{{ %s.当年财政拨款 }}" % funds, align="right")),
        g.row(g.cell(0, 1500, vmerge="continue"), g.cell(1500, 3150), g.cell(3150, 4500),
              g.cell(4500, 6600, "上年结转资金"), g.cell(6600, end, "{{ %s.上年结转资金 }}" % funds, align="right")),
        g.row(g.cell(0, 1500, vmerge="continue"),
              g.cell(1500, 3150, "其他资金"),
              g.cell(3150, 4500, "{{ %s.项目资金总额明细.其他资金 }}" % funds, align="right"),
              g.cell(4500, 6600, "其他资金"), g.cell(6600, end, "{{ %s.其他资金 }}" % funds, align="right")),
        g.row(g.cell(0, 1500, "项目绩效目标", vmerge="restart", **label),
              g.cell(1500, 4500, "项目总目标", **label), g.cell(4500, end, "年度总体目标", **label)),
        g.row(g.cell(0, 1500, vmerge="continue"),
              g.cell(1500, 4500, "{{ 项目.项目总目标 }}"), g.cell(4500, end, "{{ 项目.年度总体目标 }}"),
              split=True),
        # the indicator header keeps with its first row rather than end a page alone
        g.row(g.cell(0, 1500, "绩效指标", vmerge="restart", keep_next=True, **label),
              g.cell(1500, 2750, "一级指标", keep_next=True, **label),
              g.cell(2750, 4000, "二级指标", keep_next=True, **label),
              g.cell(4000, 6600, "三级指标", keep_next=True, **label),
              g.cell(6600, end, "年度(/项目)指标值", keep_next=True, **label)),
        g.tag_row("{%tr for 行 in 项目.绩效指标 %}"),
        # {%keep %}: rows keep together in blocks that never cross a page (output/pagination.py)
        g.row(g.cell(0, 1500, vmerge="continue"),
              g.cell(1500, 2750, "{%keep 行.分页 %}{%vm 行.合并.一级指标 %}{{ 行.一级指标 }}", **label),
              g.cell(2750, 4000, "{%vm 行.合并.二级指标 %}{{ 行.二级指标 }}", **label),
              g.cell(4000, 6600, "{{ 行.三级指标 }}"), g.cell(6600, end, "{{ 行.指标值 }}")),
        g.tag_row("{%tr endfor %}"),
    ]
    heading = paragraph("财政项目支出绩效目标申报表", "FormTitle") + paragraph("{{ 栏目.表头年度 }}", "FormYear")
    return projects_loop(heading, g.table(*rows))


def 目标表2020() -> str:
    """The 2020 财政项目支出绩效目标表 as fixtures/002 prints it: heading, 申报单位名称 line, a
    table of facts, long texts and last year's money, then the "<年度>年绩效目标" table."""
    return projects_loop(_heading_2020(), _facts_2020() + _gap() + _targets_2020())


def _heading_2020() -> str:
    # 表名 comes from the spec: one published form is headed 财政项目支出绩效目标申报表.
    return (paragraph("{{ 项目.表名 }}", "FormTitle") + paragraph("({{ 年度 }}年度)", "FormYear")
            + paragraph("申报单位名称：{{ 项目.申报单位名称 or 单位 }}", "FormUnit"))


def _facts_2020() -> str:
    # Columns sized so no label wraps but the longest (保证项目实施的制度、措施): the short right-hand
    # labels (项目类别, 绩效类型) leave the width to the values; the money labels are longer.
    g = Grid(0, 2500, 2700, 4800, 5500, 7300, 8000, 9638)
    end = 9638

    def pair(left: str, right: str, header: bool = False) -> str:
        return g.row(g.cell(0, 2500, f"{left}："), g.cell(2500, 5500, value_of(left)),
                     g.cell(5500, 7300, f"{right}："), g.cell(7300, end, value_of(right)), header=header)

    def long_text(key: str) -> str:
        return g.row(g.cell(0, 2500, f"{key}："), g.cell(2500, end, value_of(key)), split=True)

    def money(left: str, right: str) -> str:
        value = "{{ 项目.上年度资金.%s }}"
        return g.row(g.cell(0, 2700, f"{left}(元)："), g.cell(2700, 4800, value % left, align="right"),
                     g.cell(4800, 8000, f"{right}(元)："), g.cell(8000, end, value % right, align="right"))

    section = g.cell(0, end, body=paragraph("本项目上年度市级财政资金使用情况", "TableSection"))
    return g.table(
        pair("项目名称", "项目类别", header=True),  # repeats atop each page the long texts run onto
        pair("计划开始日期", "计划完成日期"),
        pair("是否含有政府购买服务", "绩效类型"),
        *(long_text(key) for key in ("项目概况", "立项依据", "项目设立的必要性", "保证项目实施的制度、措施",
                                     "项目实施计划", "总目标及阶段性目标")),
        g.row(section),
        money("项目总预算", "项目当年预算"),
        money("同名项目上年预算额", "同名项目上年预算执行数"),
    )


def _targets_2020() -> str:
    g = Grid(0, 1500, 2800, 5900, 9638)
    centre = dict(align="center")
    # both heading rows repeat atop each page and keep with the first indicator row
    title = g.cell(0, 9638, body=paragraph("{{ 年度 }}年绩效目标", "TableSection", keep_next=True))
    return g.table(
        g.row(title, header=True),
        g.row(*(g.cell(a, b, text, keep_next=True, **centre) for a, b, text in
                ((0, 1500, "一级目标"), (1500, 2800, "二级目标"), (2800, 5900, "三级目标"), (5900, 9638, "指标目标值"))),
              header=True),
        g.tag_row("{%tr for 行 in 项目.绩效目标 %}"),
        g.row(g.cell(0, 1500, "{%keep 行.分页 %}{%vm 行.合并.一级目标 %}{{ 行.一级目标 }}", **centre),
              g.cell(1500, 2800, "{%vm 行.合并.二级目标 %}{{ 行.二级目标 }}", **centre),
              g.cell(2800, 5900, "{{ 行.三级目标 }}"), g.cell(5900, 9638, "{{ 行.指标目标值 }}")),
        g.tag_row("{%tr endfor %}"),
    )


def value_of(key: str) -> str:
    """The project field `key` as a Jinja expression: 保证项目实施的制度、措施 is no identifier."""
    return "{{ 项目.%s }}" % key if key.isidentifier() else "{{ 项目[\"%s\"] }}" % key


def _gap() -> str:
    """A small paragraph between two tables: without one, Word joins them into one table."""
    return ('<w:p><w:pPr><w:pStyle w:val="TableText"/><w:spacing w:before="0" w:after="0" '
            'w:line="160" w:lineRule="exact"/></w:pPr></w:p>')


def 自评表() -> str:
    """The 2022 财政项目支出绩效自评表: 项目资金 with 分值/执行率/得分, 年度总体目标 as 预期目标 |
    实际完成情况, the 9-column 绩效指标 block and the 总分 row.

    Nine indicator columns do not fit A4 portrait legibly in 五号, so this table is set in 小五
    (style 表格文字（小五）). The label column is two characters wide (年度/总体/目标, as printed in
    the seed); 一级 holds 满意度指标 on one line; 实际完成值, the longest text, is the widest column.
    得分 holds `100.00` on one line (8540 − 7830 less the cell margins is 31.5 pt; 100.00 in 小五 is
    about 25 pt); the width comes from 偏差原因分析及改进措施, so the table stays as wide.
    """
    g = Grid(0, 560, 1640, 2720, 4120, 5420, 6840, 7270, 7400, 7830, 8540, 9638, text_style="TableTextSmall")
    end = 9638
    centre, right = dict(align="center"), dict(align="right")
    funds = "项目.项目资金"
    amount_columns = [(2720, 4120), (4120, 5420), (5420, 6840)]
    score_columns = [(6840, 7400), (7400, 8540), (8540, end)]

    def labels(bounds, texts):
        return [g.cell(a, b, text, **centre) for (a, b), text in zip(bounds, texts)]

    def money_row(name: str, row: str, scored: bool) -> str:
        amounts = [g.cell(a, b, "{{ %s.%s.%s }}" % (funds, row, column), **right)
                   for (a, b), column in zip(amount_columns, ("年初预算数", "全年预算数", "全年执行数"))]
        if scored:
            score = [g.cell(a, b, "{{ %s.%s.%s }}" % (funds, row, column), **centre)
                     for (a, b), column in zip(score_columns, ("分值", "执行率", "得分"))]
        else:
            score = [g.cell(*score_columns[0], "—", **centre), g.cell(*score_columns[1]), g.cell(*score_columns[2])]
        return g.row(g.cell(0, 560, vmerge="continue"), g.cell(560, 2720, name), *amounts, *score)

    rows = [
        g.row(g.cell(0, 1640, "项目名称", **centre), g.cell(1640, end, "{{ 项目.项目名称 }}"), header=True),
        g.row(g.cell(0, 1640, "主管部门", **centre), g.cell(1640, 5420, "{{ 项目.主管部门 }}"),
              g.cell(5420, 6840, "实施单位", **centre), g.cell(6840, end, "{{ 项目.实施单位 }}")),
        # half-width parentheses, as the seed prints them: (元) fits the two-character column
        g.row(g.cell(0, 560, "项目资金(元)", vmerge="restart", **centre), g.cell(560, 2720),
              *labels(amount_columns + score_columns, ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"))),
        money_row("年度资金总额", "年度资金总额", scored=True),
        money_row("其中：当年财政拨款", "当年财政拨款", scored=False),
        money_row("上年结转资金", "上年结转资金", scored=False),
        money_row("其他资金", "其他资金", scored=False),
        g.row(g.cell(0, 560, "年度总体目标", vmerge="restart", **centre),
              *labels([(560, 5420), (5420, end)], ("预期目标", "实际完成情况"))),
        # Rows of long text may break across pages, as in the published forms: kept whole, a row
        # taller than the space left leaves a gap, and one taller than a page Word would clip.
        g.row(g.cell(0, 560, vmerge="continue"),
              g.cell(560, 5420, "{{ 项目.预期目标 }}"), g.cell(5420, end, "{{ 项目.实际完成情况 }}"), split=True),
        g.row(g.cell(0, 560, "绩效指标", vmerge="restart", **centre),
              *labels([(560, 1640), (1640, 2720), (2720, 4120), (4120, 5420), (5420, 7270), (7270, 7830), (7830, 8540), (8540, end)],
                      ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"))),
        g.tag_row("{%tr for 行 in 项目.绩效指标 %}"),
        g.row(g.cell(0, 560, vmerge="continue"),
              g.cell(560, 1640, "{%keep 行.分页 %}{%vm 行.合并.一级指标 %}{{ 行.一级指标 }}", **centre),
              g.cell(1640, 2720, "{%vm 行.合并.二级指标 %}{{ 行.二级指标 }}", **centre),
              g.cell(2720, 4120, "{{ 行.三级指标 }}"), g.cell(4120, 5420, "{{ 行.年度指标值 }}"),
              g.cell(5420, 7270, "{{ 行.实际完成值 }}"), g.cell(7270, 7830, "{{ 行.分值 }}", **centre),
              g.cell(7830, 8540, "{{ 行.得分 }}", **centre), g.cell(8540, end, "{{ 行.偏差原因分析及改进措施 }}"),
              split=True),
        g.tag_row("{%tr endfor %}"),
        g.row(g.cell(0, 7270, "总分", **centre), g.cell(7270, 7830, "{{ 项目.总分.分值 }}", **centre),
              g.cell(7830, 8540, "{{ 项目.总分.得分 }}", **centre), g.cell(8540, end)),
    ]
    heading = paragraph("财政项目支出绩效自评表", "FormTitle") + paragraph("({{ 年度 }}年度)", "FormYear")
    return projects_loop(heading, g.table(*rows))


FORMS = {"申报表": (申报表, "财政项目支出绩效目标申报表"),
         "目标表2020": (目标表2020, "财政项目支出绩效目标表"),
         "自评表": (自评表, "财政项目支出绩效自评表")}


def main(names: list[str]) -> None:
    for name in names or FORMS:
        layout, title = FORMS[name]
        path = TEMPLATES / f"{name}.docx"
        write_docx(path, layout(), title)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
