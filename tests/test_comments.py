"""perfdoc build --comments: every problem a Word comment on the cell it concerns, read back with python-docx."""
from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from conftest import SPECS, copy_specs
from perfdoc.make.pipeline import COMMENTS, read_specs
from perfdoc.output.comments import AUTHOR, comment_text
from perfdoc.output.render import project_data


def _comments(path: Path) -> dict[str, list[str]]:
    """Each comment's text → the texts of the cells it is anchored on (by its range start)."""
    document = docx.Document(str(path))
    texts = {c.comment_id: c.text for c in document.comments}
    assert all(c.author == AUTHOR and c.initials == "pd" for c in document.comments)
    found: dict[str, list[str]] = {}
    for start in document.element.body.iter(qn("w:commentRangeStart")):
        holder = next((a for a in start.iterancestors() if a.tag in (qn("w:tc"), qn("w:body"))), None)
        paragraphs = holder.findall(qn("w:p")) if holder.tag == qn("w:tc") else [start.getparent()]
        cell = "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs)
        found.setdefault(texts[int(start.get(qn("w:id")))], []).append(cell)
    assert sum(map(len, found.values())) == len(texts)  # every comment is anchored
    return found


def _written_value(problem) -> str | None:
    """The value as written on the problem's line of the spec, when that line is `key: value`."""
    line = problem.path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    match = re.match(r"\s*(?:- )?([^:#]+):(.*)$", line)
    if not match or not problem.field.endswith(match.group(1).strip()):
        return None
    return match.group(2).split(" #")[0].strip().strip("'\"")


def _printed(project, dotted: str):
    """What the form prints for a field (the data its template sees)."""
    value = project_data(project)
    for part in dotted.split("."):
        value = value[int(part)] if isinstance(value, list) else value.get(part)
    return value


@pytest.mark.parametrize("year", ["2025", "2022", "2020"])
def test_every_problem_is_a_comment_at_its_cell(year, run_cli, tmp_path):
    folder = copy_specs(year, tmp_path)
    result = run_cli("build", folder, "-o", tmp_path / "out", "--comments=all")
    assert result.exit_code == 0, result.output
    specs = read_specs(folder)
    checked = 0
    for project in specs.projects:
        problems = [p for p in specs.problems if p.path == project.path]
        document = next(p for p in (tmp_path / "out").glob("*.docx") if project.name in p.stem)
        comments = _comments(document)
        assert sorted(comments) == sorted(comment_text(p) for p in problems)
        for problem in problems:
            cells = comments[comment_text(problem)]
            printed = _printed(project, problem.field)
            if not isinstance(printed, str):
                continue  # a row or a group: anchored at its first printed cell
            assert cells[0] == printed, (problem.format(), cells)
            written = _written_value(problem)
            if isinstance(project.get(problem.field), str) and written and not written.startswith(("|", ">")):
                assert cells[0] == written  # a text is printed as written: the cell shows exactly it
            checked += 1
    assert checked >= {"2025": 20, "2022": 5, "2020": 5}[year]


def test_the_example_of_the_issue_sits_on_its_cell(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    assert run_cli("build", folder, "-o", tmp_path / "out", "--comments").exit_code == 0
    comments = _comments(tmp_path / "out" / "绿色技术银行综合管理与运行.docx")
    text = ("警告[value-format]：指标“服务对象满意度”的值“≥ 90.00 (百分比)”写法不规范，应写作“≥90.00(%)”"
            "（perfdoc fmt 可自动改正）（01_绿色技术银行综合管理与运行.yaml:78）")
    assert comments == {text: ["≥ 90.00 (百分比)"]}  # the info on “=2(场)” only with --comments=all


def test_the_summary_carries_every_projects_comments(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    assert run_cli("build", folder, "-o", tmp_path / "out", "--comments").exit_code == 0
    summary = _comments(tmp_path / "out" / "上海科学技术交流中心2025年度项目绩效目标汇总表.docx")
    problems = [p for p in read_specs(folder).problems if p.severity in COMMENTS["warnings"]]
    assert sorted(summary) == sorted(comment_text(p) for p in problems) and len(problems) >= 3


def test_unit_file_problems_are_commented_on_the_summary_title(run_cli, tmp_path):
    folder = tmp_path / "2027"  # 年度: 2026 in a folder named 2027: a warning on the unit file
    shutil.copytree(SPECS / "2026", folder)
    unit = folder / "单位.yaml"
    problems = [p for p in read_specs(folder).problems if p.path == unit]
    assert [p.rule for p in problems] == ["year-folder"]
    run_cli("build", folder, "-o", tmp_path / "out", "--comments")
    summary = next((tmp_path / "out").glob("*汇总表.docx"))
    cells = _comments(summary)[comment_text(problems[0])]
    assert cells == [summary.stem]


def test_without_the_option_documents_are_byte_identical(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    assert run_cli("build", folder, "-o", tmp_path / "plain").exit_code == 0
    # a folder built with comments and then without is the plain build again, byte for byte
    assert run_cli("build", folder, "-o", tmp_path / "toggled", "--comments=all").exit_code == 0
    with_comments = {p.name: p.read_bytes() for p in (tmp_path / "toggled").glob("*.docx")}
    assert run_cli("build", folder, "-o", tmp_path / "toggled").exit_code == 0
    names = sorted(p.name for p in (tmp_path / "plain").glob("*.docx"))
    assert names == sorted(p.name for p in (tmp_path / "toggled").glob("*.docx")) and len(names) == 9
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "plain", tmp_path / "toggled", names, shallow=False)
    assert match == names and not mismatch and not errors
    # and the commented ones did differ where there was something to say
    assert sum(with_comments[n] != (tmp_path / "plain" / n).read_bytes() for n in names) == 9


def test_comments_are_the_same_bytes_serially_and_in_processes(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    run_cli("build", folder, "-o", tmp_path / "one", "--comments")
    run_cli("build", folder, "-o", tmp_path / "two", "--comments", "-j", "2")
    names = sorted(p.name for p in (tmp_path / "one").glob("*.docx"))
    assert filecmp.cmpfiles(tmp_path / "one", tmp_path / "two", names, shallow=False)[0] == names


def test_comments_option_takes_only_warnings_or_all(run_cli, tmp_path):
    result = run_cli("build", SPECS / "2026", "-o", tmp_path, "--comments=some")
    assert result.exit_code == 2
