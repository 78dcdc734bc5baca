"""Write the foreign Word forms that tests/test_import.py imports: forms perfdoc did not write.

    python tools/make_foreign_forms.py            → tests/foreign/*.docx

- 手工排版.docx: a 申报表 laid out by hand with python-docx — four columns instead of eleven,
  other merges, the indicators in a table nested inside the 绩效指标 cell, the 年度总体目标 as a
  label beside its text, and the indicator table cut in two by a page with one row split across it.
- 经办人录入.docx: a 自评表 whose labels are typed as clerks type them — full-width colons,
  spaces inside labels, `*` marks, line breaks inside labels, 其中 left out.
- 经LibreOffice另存.docx: 手工排版.docx saved by LibreOffice as Word 97 (.doc) and back to .docx
  (needs soffice; the result is committed because LibreOffice rewrites the whole file).
- 系统导出.docx: a 汇总表 of two 申报表 as a budget system or WPS exports one — titles and year
  inside the tables, label and value in one cell (项目名称：…), a 序号 column among the indicators.
- 加密.docx: 经办人录入.docx with the password "secret" (needs msoffcrypto-tool, for this script only).
- 加密.pdf: 经办人录入.docx printed to PDF by LibreOffice with the open password "secret".
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.shared import Cm

FOREIGN = Path(__file__).resolve().parent.parent / "tests" / "foreign"

INDICATORS = [
    ("成本指标", "经济成本指标", "项目总成本", "≤50.00(万元)"),
    ("产出指标", "数量指标", "举办培训", "=4.00(场)"),
    ("产出指标", "数量指标", "走访企业", "≥20.00(家)"),
    ("产出指标", "质量指标", "培训合格率", "≥95.00(%)"),
    ("产出指标", "时效指标", "完成及时性", "2025年12月底前"),
    ("效益指标", "社会效益指标", "服务能力提升", "比上年度有所提升，服务企业数量和质量进一步提高，形成可复制推广的服务模式"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90.00(%)"),
]


LABEL, VALUE = Cm(3), Cm(4.4)          # the hand-laid form's four columns: label, value, label, value
LEVELS = (Cm(2.4), Cm(2.8), Cm(3.4), Cm(5.2))   # the nested indicator table's columns (in 13.8 cm)


def hand_laid(path: Path) -> None:
    """A 申报表 in four columns, indicators nested, and cut by a page."""
    document = docx.Document()
    document.add_paragraph("财政项目支出绩效目标申报表")
    document.add_paragraph("（2025年度）")
    table = document.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    for left, right in [(("项目名称", "企业服务能力提升"), ("项目性质", "其他一次性项目")),
                        (("项目类别", "特定目标类"), ("主管部门", "上海市某某委员会")),
                        (("实施单位", "上海某某服务中心"), ("计划开始日期", "2025-01-01")),
                        (("计划完成日期", "2025年12月31日"), ("年度资金申请总额", "500,000.00")),
                        (("其中：当年财政拨款", "500,000.00"), ("上年结转资金", "0.00")),
                        (("其他资金", "0.00"), ("", ""))]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = *left, *right
    goal = table.add_row().cells
    goal[0].text = "年度总体目标"
    merged = goal[1].merge(goal[3])
    merged.text = "一、开展企业服务能力提升培训。"
    merged.add_paragraph("二、走访企业，了解需求。")
    holder = table.add_row().cells
    holder[0].text = "绩效指标"
    inner = holder[1].merge(holder[3]).add_table(rows=1, cols=4)
    inner.style = "Table Grid"
    for cell, text in zip(inner.rows[0].cells, ("一级指标", "二级指标", "三级指标", "指标值")):
        cell.text = text
    _indicator_rows(inner, INDICATORS[:5])
    # The 效益指标 row is cut by the page: its first half ends the nested table …
    first, second, third, value = INDICATORS[5]
    cut = value.index("，") + 1
    cells = inner.add_row().cells
    cells[0].text, cells[1].text, cells[2].text, cells[3].text = first, second, third, value[:cut]
    _widths(table, (LABEL, VALUE, LABEL, VALUE))
    _widths(inner, LEVELS)
    # … and the rest of the table, after the page break, is a second table with the same columns
    # (as Word files converted from PDF have it): its first row is the rest of that row.
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    rest = document.add_table(rows=0, cols=5)
    rest.style = "Table Grid"
    rest.add_row().cells[4].text = value[cut:]
    for row in INDICATORS[6:]:
        cells = rest.add_row().cells
        for cell, text in zip(cells[1:], row):
            cell.text = text
    _widths(rest, (LABEL, *LEVELS))
    document.add_paragraph("填表人：张三")   # LibreOffice's .doc export drops a table that ends the document
    document.save(path)


EXPORTED = [  # (项目名称, 金额, indicators) of the two projects in 系统导出.docx
    ("科普讲座进社区", "120,000.00", [("成本指标", "经济成本指标", "讲座成本", "≤12.00(万元)"),
                                       ("产出指标", "数量指标", "讲座场次", "≥10.00(场)"),
                                       ("效益指标", "社会效益指标", "居民科学素质", "有所提升"),
                                       ("满意度指标", "服务对象满意度指标", "听众满意度", "≥90.00(%)")]),
    ("科技馆展品更新", "80,000.00", [("成本指标", "经济成本指标", "更新成本", "≤8.00(万元)"),
                                       ("产出指标", "质量指标", "展品验收合格率", "=100.00(%)"),
                                       ("效益指标", "可持续影响指标", "展品使用年限", "≥5.00(年)"),
                                       ("满意度指标", "服务对象满意度指标", "观众满意度", "≥85.00(%)")]),
]


def system_export(path: Path) -> None:
    """A 汇总表 as a budget system or WPS exports it: the title, the year and the forms all inside
    tables (one table per project), labels and values in one cell (项目名称：…), and an
    indicator table with a 序号 column the form does not have."""
    document = docx.Document()
    for number, (name, amount, indicators) in enumerate(EXPORTED):
        if number:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        table = document.add_table(rows=0, cols=6)
        table.style = "Table Grid"

        def row(*texts, merge_all=False):
            cells = table.add_row().cells
            if merge_all:
                cells[0].merge(cells[5]).text = texts[0]
                return
            for cell, text in zip(cells, texts):
                cell.text = text

        if not number:
            row("上海某某科普中心2025年度项目绩效目标汇总表", merge_all=True)
        row("财政项目支出绩效目标申报表", merge_all=True)
        row("（2025年度）", merge_all=True)
        row(f"项目名称：{name}", "", "", "项目性质：其他经常性项目", "", "项目类别：其他运转类")
        row("主管部门：上海市科学技术协会", "", "", "实施单位：上海某某科普中心", "", "")
        row("计划开始日期：2025-01-01", "", "", "计划完成日期：2025-12-31", "", "")
        row("年度资金申请总额", amount, "当年财政拨款", amount, "上年结转资金", "0.00")
        row("其他资金", "0.00", "", "", "", "")
        row("年度总体目标", f"完成{name}。", "", "", "", "")
        row("序号", "一级指标", "二级指标", "三级指标", "指标值", "")
        for index, indicator in enumerate(indicators, 1):
            row(str(index), *indicator, "")
        _widths(table, (Cm(2.6),) * 6)
    document.add_paragraph("")
    document.save(path)


def _widths(table, widths) -> None:
    """Set the grid's and every cell's width (Word reads the cells, LibreOffice and WPS the grid)."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _indicator_rows(table, rows) -> None:
    """Indicator rows with 一级 and 二级 merged down over their groups (python-docx writes w:vMerge)."""
    start = len(table.rows)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    for column in (0, 1):
        top = start
        for index in range(start + 1, len(table.rows) + 1):
            same = index < len(table.rows) and all(
                table.rows[index].cells[c].text == table.rows[top].cells[c].text for c in range(column + 1))
            if not same:
                if index - 1 > top:
                    text = table.rows[top].cells[column].text
                    merged = table.cell(top, column).merge(table.cell(index - 1, column))
                    for paragraph in merged.paragraphs[1:]:
                        paragraph._p.getparent().remove(paragraph._p)
                    merged.paragraphs[0].text = text
                top = index


def clerk_typed(path: Path) -> None:
    """A 自评表 with labels as clerks type them."""
    document = docx.Document()
    document.add_paragraph("财政项目支出绩效自评表")
    document.add_paragraph("( 2022 年度 )")
    table = document.add_table(rows=0, cols=8)
    table.style = "Table Grid"

    def row(*texts):
        cells = table.add_row().cells
        for cell, text in zip(cells, texts):
            cell.text = text
        return cells

    row("* 项目 名称：", "科技服务平台运行", "", "", "", "", "", "")
    row("主管部门：", "上海市某某委员会", "实施\n单位：", "上海某某服务中心", "", "", "", "")
    row("项目资金（元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    row("", "年度资金总额：", "200000.00", "180000.00", "171,000.00", "10", "95.00%", "9.50")
    row("", "当年财政拨款", "200000.00", "180000.00", "171000.00", "—", "", "")
    row("", "上年结转 资金", "0", "0", "", "—", "", "")
    row("", "其他资金", "0", "0", "", "—", "", "")
    row("年度总体目标", "预期目标：", "", "", "实际完成情况：", "", "", "")
    row("", "保障平台稳定运行。", "", "", "平台全年稳定运行。", "", "", "")
    row("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    row("", "产出指标", "数量指标", "服务企业数", "=100家", "120家", "50", "50")
    row("", "效益指标", "社会效益指标", "服务能力", "有所提升", "提升", "30", "28")
    row("", "满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", "10", "10")
    row("总分", "", "", "", "", "", "100", "97.50")
    _widths(table, (Cm(1.4), Cm(2), Cm(1.8), Cm(1.8), Cm(2), Cm(1.8), Cm(1.2), Cm(1.4)))
    document.add_paragraph("")   # LibreOffice's .doc export drops a table that ends the document
    document.save(path)


def through_libreoffice(source: Path, target: Path) -> None:
    """Save `source` as .doc with LibreOffice, then that .doc as .docx again."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("soffice not found: 经LibreOffice另存.docx needs LibreOffice")
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        profile = f"-env:UserInstallation=file://{work / 'profile'}"
        subprocess.run([soffice, profile, "--headless", "--convert-to", "doc", "--outdir", str(work), str(source)],
                       check=True, timeout=180, capture_output=True)
        doc = work / (source.stem + ".doc")
        subprocess.run([soffice, profile, "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir",
                        str(work / "back"), str(doc)], check=True, timeout=180, capture_output=True)
        shutil.copyfile(work / "back" / (source.stem + ".docx"), target)


def encrypted(source: Path, target: Path) -> None:
    """`source` with a password (secret), as Word saves it: an OLE container, not a zip.

    Needs msoffcrypto-tool (pip install msoffcrypto-tool), used here only."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        sys.exit("msoffcrypto-tool not installed: 加密.docx needs it (pip install msoffcrypto-tool)")
    with open(source, "rb") as plain, open(target, "wb") as locked:
        OOXMLFile(plain).encrypt("secret", locked)


def password_pdf(source: Path, target: Path) -> None:
    """`source` printed to PDF by LibreOffice with the open password "secret"."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("soffice not found: 加密.pdf needs LibreOffice")
    options = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
               '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        subprocess.run([soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
                        "--convert-to", options, "--outdir", str(work), str(source)],
                       check=True, timeout=180, capture_output=True)
        shutil.copyfile(work / (source.stem + ".pdf"), target)


def main() -> None:
    FOREIGN.mkdir(parents=True, exist_ok=True)
    hand_laid(FOREIGN / "手工排版.docx")
    clerk_typed(FOREIGN / "经办人录入.docx")
    through_libreoffice(FOREIGN / "手工排版.docx", FOREIGN / "经LibreOffice另存.docx")
    system_export(FOREIGN / "系统导出.docx")
    encrypted(FOREIGN / "经办人录入.docx", FOREIGN / "加密.docx")
    password_pdf(FOREIGN / "经办人录入.docx", FOREIGN / "加密.pdf")
    for path in sorted(FOREIGN.glob("*.*")):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
