"""`perfdoc diff`: two versions of a unit compared in the form's terms, on the real examples — across
years (2025 vs 2026), against an edited copy, across git revisions — and written as text, JSON,
markdown, a Word 对照表 and an Excel one."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile

import pytest

from conftest import SPECS, copy_specs, tables
from perfdoc.workflow.diff import target_change, text_segments

GREEN = "01_绿色技术银行综合管理与运行.yaml"
ROW = "  - 一级指标: 产出指标\n    二级指标: 数量指标\n    三级指标: {}\n    指标值: =1.00(场)\n"


def edit_copy(folder):
    """What a year's drafting does to a unit: a project renamed (its file too), another renamed
    in place, one dropped; amounts changed; indicators retargeted, renamed, moved to another
    二级, and two swapped."""
    path = folder / GREEN
    text = path.read_text(encoding="utf-8")
    for old, new in [
        ("项目名称: 绿色技术银行综合管理与运行", "项目名称: 绿色技术银行运营与管理"),
        ("年度资金申请总额: 1,515,000.00\n  当年财政拨款: 1,515,000.00",
         "年度资金申请总额: 1,600,000.00\n  当年财政拨款: 1,600,000.00"),
        ("打造专业化、国际化的高水平", "打造专业化、国际化、数字化的高水平"),
        ("    指标值: ≥ 90.00 (百分比)", "    指标值: ≥95.00(%)"),
        ("三级指标: 遴选先进适用绿色技术\n    指标值: =200.00(项)", "三级指标: 遴选先进适用绿色技术\n    指标值: =250.00(项)"),
        ("三级指标: 海外中心工作研讨会", "三级指标: 海外中心工作交流研讨会"),
        ("    二级指标: 质量指标\n    三级指标: 绿色技术伙伴计划", "    二级指标: 时效指标\n    三级指标: 绿色技术伙伴计划"),
        (ROW.format("绿色低碳创新论坛") + ROW.format("绿色技术创新展"),
         ROW.format("绿色技术创新展") + ROW.format("绿色低碳创新论坛")),
    ]:
        assert old in text
        text = text.replace(old, new)
    path.unlink()
    (folder / "01_绿色技术银行运营与管理.yaml").write_text(text, encoding="utf-8")
    other = folder / "02_信息化运维项目.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("项目名称: 信息化运维项目", "项目名称: 信息系统运行维护"),
                     encoding="utf-8")
    (folder / "08_国际及港澳台科技创新合作.yaml").unlink()


@pytest.fixture
def edited(tmp_path, monkeypatch):
    shutil.copytree(SPECS / "2025", tmp_path / "old")
    shutil.copytree(SPECS / "2025", tmp_path / "new")
    edit_copy(tmp_path / "new")
    monkeypatch.chdir(tmp_path)
    return tmp_path


EDITED_TEXT = """\
比较 old（上海科学技术交流中心 2025 年度，申报表，8 个项目）
  与 new（上海科学技术交流中心 2025 年度，申报表，7 个项目）
新增项目 0 个，删除 1 个，改名 2 个，有改动 2 个，未变 5 个

项目：绿色技术银行运营与管理（改名，原为“绿色技术银行综合管理与运行”，按内容匹配，相似度 92%；new/01_绿色技术银行运营与管理.yaml）
  年度资金申请总额：1,515,000.00 → 1,600,000.00（增加 85,000.00，+5.61%）
  当年财政拨款：1,515,000.00 → 1,600,000.00（增加 85,000.00，+5.61%）
  年度总体目标：加快推进绿色技术银行建设, 打造专业化、国际{+化、数字+}化的高水平绿色技术创新服务平台…
  指标 改名 产出指标/数量指标/海外中心工作研讨会 → 产出指标/数量指标/海外中心工作交流研讨会（相似度 95%）
  指标值 产出指标/数量指标/遴选先进适用绿色技术：=200.00(项) → =250.00(项)（提高 50.00，+25.00%）
  指标 顺序 产出指标/数量指标/绿色低碳创新论坛：第 9 行 → 第 10 行
  指标 改变归类 产出指标/质量指标/绿色技术伙伴计划 → 产出指标/时效指标/绿色技术伙伴计划
  指标值 满意度指标/服务对象满意度指标/服务对象满意度：≥ 90.00 (百分比) → ≥95.00(%)（提高 5.00，+5.56%，收紧）

项目：信息系统运行维护（改名，原为“信息化运维项目”，按内容匹配，相似度 97%；new/02_信息化运维项目.yaml）
- 删除项目：国际及港澳台科技创新合作（old/08_国际及港澳台科技创新合作.yaml）
"""


def test_an_edited_copy_in_text(edited, run_cli):
    result = run_cli("diff", "old", "new")
    assert result.exit_code == 0
    assert result.stdout == EDITED_TEXT


def test_across_years_in_text(run_cli, monkeypatch):
    monkeypatch.chdir(SPECS.parent)
    result = run_cli("diff", "specs/2025", "specs/2026")
    assert result.exit_code == 0
    names = ["绿色技术银行综合管理与运行", "信息化运维项目", "科技类社会组织协同创新发展服务", "信息化建设项目",
             "技术转移协同创新发展建设", "张江高新区创新发展服务", "国内科技合作交流", "国际及港澳台科技创新合作"]
    removed = [f"- 删除项目：{name}（specs/2025/0{n}_{name}.yaml）" for n, name in enumerate(names, 1)]
    assert result.stdout.splitlines() == [
        "比较 specs/2025（上海科学技术交流中心 2025 年度，申报表，8 个项目）",
        "  与 specs/2026（上海市科普教育展示技术中心（上海市国际科技交流中心） 2026 年度，申报表，2 个项目）",
        "新增项目 2 个，删除 8 个，改名 0 个，有改动 0 个，未变 0 个",
        "单位文件 单位：上海科学技术交流中心 → 上海市科普教育展示技术中心（上海市国际科技交流中心）",
        "单位文件 年度：2025 → 2026",
        "单位文件 主管部门：上海市科学技术委员会 → 上海市科学技术协会",
        "单位文件 实施单位：上海科学技术交流中心 → 上海市科普教育展示技术中心（上海市国际科技交流中心）",
        "",
        "+ 新增项目：企业科技创新服务（specs/2026/01_企业科技创新服务.yaml）",
        removed[0],
        "+ 新增项目：国际科技人文交流与合作（specs/2026/02_国际科技人文交流与合作.yaml）",
        *removed[1:],
    ]


def test_the_json_field_by_field(edited, run_cli):
    result = run_cli("diff", "old", "new", "--format", "json")
    data = json.loads(result.stdout)
    assert data["format"] == "perfdoc-diff/1"
    assert data["old"] == {"source": "old", "unit": "上海科学技术交流中心", "year": 2025, "kind": "申报表", "projects": 8}
    assert data["summary"] == {"added": 0, "removed": 1, "renamed": 2, "changed": 2, "unchanged": 5}
    assert data["unit"] == []
    green, it, gone = data["projects"]
    assert (green["status"], green["old_name"], green["new_name"], green["match"], green["similarity"]) == \
        ("changed", "绿色技术银行综合管理与运行", "绿色技术银行运营与管理", "content", 0.92)
    assert (green["old_file"], green["new_file"]) == ("old/" + GREEN, "new/01_绿色技术银行运营与管理.yaml")
    budget = green["fields"][1]
    assert {k: budget[k] for k in ("field", "old", "new", "type", "difference", "percent")} == {
        "field": "项目资金.年度资金申请总额", "old": "1,515,000.00", "new": "1,600,000.00", "type": "amount",
        "difference": "+85,000.00", "percent": "+5.61%"}
    goal = green["fields"][3]
    assert goal["field"] == "年度总体目标"
    assert [s for s in goal["segments"] if s[0] != "="] == [["+", "化、数字"]]
    statuses = [(i["status"], i["new"]["三级指标"], i["reordered"]) for i in green["indicators"]]
    assert statuses == [("renamed", "海外中心工作交流研讨会", False), ("changed", "遴选先进适用绿色技术", False),
                        ("reordered", "绿色低碳创新论坛", True), ("moved", "绿色技术伙伴计划", False),
                        ("changed", "服务对象满意度", False)]
    satisfaction = green["indicators"][4]["changes"][0]
    assert {k: satisfaction[k] for k in ("field", "old", "new", "type", "direction", "difference", "percent")} == {
        "field": "指标值", "old": "≥ 90.00 (百分比)", "new": "≥95.00(%)", "type": "value",
        "direction": "tightened", "difference": "+5.00", "percent": "+5.56%"}
    assert green["indicators"][1]["changes"][0]["direction"] == "raised"
    assert green["indicators"][2]["old"]["row"] == 9 and green["indicators"][2]["new"]["row"] == 10
    assert green["indicators"][3]["old"]["二级指标"] == "质量指标" and green["indicators"][3]["new"]["二级指标"] == "时效指标"
    assert (it["renamed"], it["new_file"], [f["field"] for f in it["fields"]]) == \
        (True, "new/02_信息化运维项目.yaml", ["项目名称"])
    assert (gone["status"], gone["name"], gone["old_position"]) == ("removed", "国际及港澳台科技创新合作", 8)


def test_markdown_for_a_merge_request(edited, run_cli):
    lines = run_cli("diff", "old", "new", "--format", "markdown").stdout.splitlines()
    assert lines[:7] == ["## 上海科学技术交流中心项目绩效目标对照表（2025 年度：old → new）", "",
                         "- 原：old（上海科学技术交流中心 2025 年度，申报表，8 个项目）",
                         "- 现：new（上海科学技术交流中心 2025 年度，申报表，7 个项目）",
                         "- 新增项目 0 个，删除 1 个，改名 2 个，有改动 2 个，未变 5 个", "",
                         "| 项目 | 栏目 | 原 | 现 | 说明 |"]
    assert "| 绿色技术银行运营与管理 | 项目名称 | 绿色技术银行<del>综合</del>管理<del>与运行</del> | " \
           "绿色技术银行<ins>运营与</ins>管理 | 改名（按内容匹配，相似度 92%） |" in lines
    assert "| 绿色技术银行运营与管理 | 绩效指标：满意度指标/服务对象满意度指标/服务对象满意度：年度(/项目)指标值 | " \
           "<del>≥ 90.00 (百分比)</del> | <ins>≥95.00(%)</ins> | 提高 5.00，+5.56%，收紧 |" in lines


def test_a_pinned_pair_and_the_exit_code(edited, run_cli):
    same = run_cli("diff", "old", "old", "--exit-code")
    assert same.exit_code == 0 and "未变 8 个" in same.stdout
    assert run_cli("diff", "old", "new", "--exit-code").exit_code == 1
    pinned = run_cli("diff", "old", "new", "--format", "json", "--pair", "国际及港澳台科技创新合作=信息系统运行维护")
    projects = json.loads(pinned.stdout)["projects"]
    assert [(p["status"], p["old_name"], p["new_name"], p["match"]) for p in projects if p["match"] != "content"] == [
        ("changed", "国际及港澳台科技创新合作", "信息系统运行维护", "pinned"),
        ("removed", "信息化运维项目", None, None)]
    bad = run_cli("diff", "old", "new", "--pair", "没有这个项目=信息系统运行维护")
    assert (bad.exit_code, bad.stderr) == (2, "perfdoc: --pair：OLD 中没有名为“没有这个项目”的项目（或已配对）\n")


def test_colour_marks_deletions_red_and_insertions_green(edited, run_cli):
    coloured = run_cli("diff", "old", "new", "--color", "always").stdout
    assert "国际\x1b[32m化、数字\x1b[0m化的高水平" in coloured and "[-" not in coloured
    assert "\x1b[" not in run_cli("diff", "old", "new").stdout   # not a terminal: marks, no colour


def test_two_files_are_compared_as_one_project(edited, run_cli):
    result = run_cli("diff", "old/" + GREEN, "new/01_绿色技术银行运营与管理.yaml")
    assert "改名，原为“绿色技术银行综合管理与运行”，指定为同一项目，相似度 92%" in result.stdout


# -- git revisions --------------------------------------------------------------------------------
def git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.fixture
def repository(tmp_path, monkeypatch):
    repo = tmp_path / "unit"
    shutil.copytree(SPECS / "2025", repo / "old")       # named old/new so the output reads as above
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "报送")
    git(repo, "tag", "v2025-报送")
    edit_copy(repo / "old")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "修改")
    monkeypatch.chdir(repo)
    return repo


def test_git_revisions_compare_like_folders(repository, run_cli):
    result = run_cli("diff", "v2025-报送:old", "HEAD:old")
    expected = (EDITED_TEXT.replace("比较 old", "比较 v2025-报送:old").replace("  与 new", "  与 HEAD:old")
                .replace("new/", "HEAD:old/").replace("（old/", "（v2025-报送:old/"))
    assert result.stdout == expected
    assert run_cli("diff", "HEAD~1:old", "old", "--format", "json").stdout == \
        run_cli("diff", "v2025-报送:old", "HEAD:old", "--format", "json").stdout \
        .replace('"v2025-报送:old', '"HEAD~1:old').replace('"HEAD:old/', '"old/').replace('"HEAD:old"', '"old"')
    # nothing was checked out or left behind
    assert subprocess.run(["git", "status", "--porcelain"], cwd=repository, capture_output=True).stdout == b""


@pytest.mark.parametrize("args, message", [
    (["nosuch:old", "old"], "perfdoc: 找不到 git 修订“nosuch”（nosuch:old）"),
    (["HEAD:specs/2024", "old"], "perfdoc: 修订“HEAD”中没有“specs/2024”"),
    (["HEAD:../x", "old"], "perfdoc: “HEAD:../x”中的路径“../x”无效：应为仓库内的相对路径，不能含“..”"),
    (["--upload-pack=x:old", "old"], "perfdoc: “--upload-pack=x:old”不是有效的 git 修订写法（应为 修订:路径，如 HEAD~1:specs/2025）"),
])
def test_bad_revisions_are_answered_in_one_line(repository, run_cli, args, message):
    result = run_cli("diff", "--", *args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def test_bad_folders_are_answered_in_one_line(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "空").mkdir()
    copy_specs("2022", tmp_path)
    copy_specs("2025", tmp_path)
    for args, message in [
        (["空", "2025"], "perfdoc: 空 中没有单位文件 单位.yaml（写明 单位、年度 与各项目共用的 主管部门、实施单位）"),
        (["2022", "2025"], "perfdoc: 两边的表式不同（2022 是自评表，2025 是申报表），不能逐栏比较"),
        (["2025", "nowhere"], "perfdoc: 找不到规格文件夹或文件：nowhere"),
    ]:
        result = run_cli("diff", *args)
        assert (result.exit_code, result.stderr) == (2, message + "\n")
    (tmp_path / "2025" / GREEN).write_text("项目名称: [\n", encoding="utf-8")
    broken = run_cli("diff", "2025", "2025")
    assert broken.exit_code == 2 and len(broken.stderr.splitlines()) == 1
    assert broken.stderr.startswith(f"perfdoc: 2025/{GREEN}:2:1: YAML 语法错误")


# -- the 对照表 in Word and Excel --------------------------------------------------------------------
def test_the_word_table(edited, run_cli):
    result = run_cli("diff", "old", "new", "-o", "对照表.docx")
    assert result.stdout == "已生成 对照表.docx（新增项目 0 个，删除 1 个，改名 2 个，有改动 2 个，未变 5 个）\n"
    import docx
    document = docx.Document("对照表.docx")
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert [p.text for p in document.paragraphs][:2] == [
        "上海科学技术交流中心项目绩效目标对照表（2025 年度：old → new）",
        "原：old（上海科学技术交流中心 2025 年度，申报表，8 个项目）；现：new（上海科学技术交流中心 2025 年度，申报表，7 个项目）"]
    rows = tables("对照表.docx")[0]
    assert rows[0] == ["项目", "栏目", "原", "现", "说明"]
    assert rows[1] == ["绿色技术银行运营与管理", "项目名称", "绿色技术银行综合管理与运行", "绿色技术银行运营与管理",
                       "改名（按内容匹配，相似度 92%）"]
    assert rows[2] == ["绿色技术银行运营与管理", "年度资金申请总额", "1,515,000.00", "1,600,000.00", "增加 85,000.00，+5.61%"]
    assert rows[-1] == ["国际及港澳台科技创新合作", "项目", "国际及港澳台科技创新合作", "",
                        "删除项目（old/08_国际及港澳台科技创新合作.yaml）"]
    assert len(rows) == 12
    # deletions struck through in red, insertions underlined in blue
    name_row = document.tables[0].rows[1]
    old_runs = [(r.text, r.font.strike, str(r.font.color.rgb)) for r in name_row.cells[2].paragraphs[0].runs]
    new_runs = [(r.text, r.font.underline, str(r.font.color.rgb)) for r in name_row.cells[3].paragraphs[0].runs]
    assert old_runs == [("绿色技术银行", None, "None"), ("综合", True, "C00000"), ("管理", None, "None"),
                        ("与运行", True, "C00000")]
    assert new_runs == [("绿色技术银行", None, "None"), ("运营与", True, "0050C8"), ("管理", None, "None")]


def test_the_excel_table(edited, run_cli):
    run_cli("diff", "old", "new", "-o", "对照表.xlsx")
    with zipfile.ZipFile("对照表.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "上海科学技术交流中心项目绩效目标对照表（2025 年度：old → new）" in strings
    assert "<t>综合</t>" in strings and "<strike/>" in strings and '<u/>' in strings
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert "<f>" not in sheet and "<t>=250.00(项)</t>" in strings   # a value starting with = stays text
    assert sheet.count("<row ") == 3 + 11   # title, subtitle, the header (after a blank row), the rows


def test_an_unknown_output_type_is_refused(edited, run_cli):
    result = run_cli("diff", "old", "new", "-o", "对照表.pdf")
    assert result.exit_code == 2 and "不认识的文件类型“.pdf”" in result.stderr


# -- the pieces -------------------------------------------------------------------------------------
@pytest.mark.parametrize("old, new, direction, words", [
    ("≥90.00(%)", "≥95.00(%)", "tightened", "提高 5.00，+5.56%，收紧"),
    ("≥95.00(%)", "≥90.00(%)", "loosened", "降低 5.00，-5.26%，放宽"),
    ("≤130.00(万元)", "≤120.00(万元)", "tightened", "降低 10.00，-7.69%，收紧"),
    ("≤120.00(万元)", "≤130.00(万元)", "loosened", "提高 10.00，+8.33%，放宽"),
    ("≥90.00(%)", ">90.00(%)", "tightened", "“≥”改为“>”，收紧"),
    ("=2.00(场)", "=3.00(场)", "raised", "提高 1.00，+50.00%"),
    ("=2.00(场)", "≥2.00(场)", "changed", "运算符由“=”改为“≥”"),
    ("=2.00(场)", "=2.00(次)", "changed", "计量单位由“场”改为“次”"),
    ("有效提升", "显著提升", "changed", ""),
])
def test_target_values_tightened_or_loosened(old, new, direction, words):
    assert target_change(old, new)[:2] == (direction, words)


def test_texts_differ_character_by_character():
    assert text_segments("2025年12月底前完成", "2026年12月底前完成") == [
        ["=", "202"], ["-", "5"], ["+", "6"], ["=", "年12月底前完成"]]
    assert text_segments("组织开展活动", "组织举办活动") == [["=", "组织"], ["-", "开展"], ["+", "举办"], ["=", "活动"]]


# -- pre-commit ------------------------------------------------------------------------------------
def test_the_pre_commit_hooks_run_perfdoc_commands():
    """pre-commit's documented manifest: a list of hooks with id, name, entry, language."""
    import yaml
    from perfdoc.cli import main
    hooks = yaml.safe_load((SPECS.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    documented = {"id", "name", "entry", "language", "files", "exclude", "types", "types_or", "exclude_types",
                  "always_run", "fail_fast", "verbose", "pass_filenames", "require_serial", "description",
                  "language_version", "minimum_pre_commit_version", "args", "stages"}
    assert [hook["id"] for hook in hooks] == ["perfdoc-validate", "perfdoc-fmt"]
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook) <= documented
        program, command, *options = hook["entry"].split()
        assert (program, hook["language"], hook["pass_filenames"]) == ("perfdoc", "python", False)
        assert command in main.commands
        assert all(any(o in p.opts for p in main.commands[command].params) for o in options)


def test_a_value_that_cannot_be_read_is_compared_as_blank_and_said(edited, run_cli):
    """A draft with an empty placeholder row (perfdoc next) or a typo can still be reviewed."""
    spec = edited / "new" / "02_信息化运维项目.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("当年财政拨款: 311,966.00", "当年财政拨款: 31万"),
                    encoding="utf-8")
    result = run_cli("diff", "old", "new")
    assert result.exit_code == 0
    assert result.stderr == ("注意：new 中有 1 个值无法读取（如 new/02_信息化运维项目.yaml:9：“其中：当年财政拨款”应为金额（元），"
                             "如 1,515,000.00，实际是“31万”），比较时按空白计；perfdoc validate 列出全部\n")
    assert "  当年财政拨款：311,966.00 → （空）" in result.stdout.splitlines()


# -- specs from elsewhere: a diff takes time in proportion to them ----------------------------------
# Two shapes kept `perfdoc diff` busy for minutes (difflib is quadratic in the worst case): 3,000
# renamed rows, each compared with every other, and two texts of 300,000 characters compared
# character by character. The timeout only says "it did not hang".
def _big_pair(tmp_path, old_text: str, new_text: str):
    folders = []
    for side, text in (("old", old_text), ("new", new_text)):
        folder = tmp_path / side
        folder.mkdir()
        shutil.copy(SPECS / "2025" / "单位.yaml", folder / "单位.yaml")
        (folder / GREEN).write_text(text, encoding="utf-8")
        folders.append(folder)
    return folders


def _run_diff(folders):
    import sys
    from conftest import REPO
    return subprocess.run([sys.executable, "-m", "perfdoc", "diff", *map(str, folders)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_thousands_of_renamed_rows_are_compared_without_hanging(tmp_path):
    spec = (SPECS / "2025" / GREEN).read_text(encoding="utf-8")
    head = spec[:spec.index("绩效指标:\n") + len("绩效指标:\n")]
    old = head + "".join(ROW.format(f"指标{i}") for i in range(3000))
    new = head + "".join(ROW.format(f"目标项{i}") for i in range(3000))
    result = _run_diff(_big_pair(tmp_path, old, new))
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert "指标2999" in result.stdout  # every row is accounted for, renamed or removed


def test_two_long_texts_are_compared_without_hanging(tmp_path):
    import random
    rng = random.Random(1)
    words = ["建设", "平台", "运维", "服务", "提升", "完成", "系统", "数据", "安全", "管理"]
    goal = "".join(rng.choice(words) for _ in range(150_000))
    edited = list(goal)
    for _ in range(2000):
        edited[rng.randrange(len(edited))] = "改"
    spec = (SPECS / "2025" / GREEN).read_text(encoding="utf-8")
    start = spec.index("年度总体目标: ")
    end = spec.index("\n", start)
    old, new = (spec[:start] + "年度总体目标: " + text + spec[end:] for text in (goal, "".join(edited)))
    result = _run_diff(_big_pair(tmp_path, old, new))
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert "年度总体目标" in result.stdout


def test_a_long_text_keeps_what_it_shares_at_both_ends():
    old, new = "甲" * 15_000 + "旧" + "乙" * 15_000, "甲" * 15_000 + "新的" + "乙" * 15_000
    assert text_segments(old, new) == [["=", "甲" * 15_000], ["-", "旧"], ["+", "新的"], ["=", "乙" * 15_000]]
