"""perfdoc build through the CLI: what is written, what is refused, and what a value can't break."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SPECS, copy_specs, paragraphs, table_rows

SPEC = SPECS / "2025" / "02_信息化运维项目.yaml"


def _unit_with(tmp_path: Path, **replacements) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(SPECS / "2025" / "单位.yaml", folder / "单位.yaml")
    text = SPEC.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    (folder / "01_项目.yaml").write_text(text, encoding="utf-8")
    return folder


def test_build_writes_each_project_and_the_summary(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").glob("*.docx"))
    assert written == sorted(["企业科技创新服务.docx", "国际科技人文交流与合作.docx",
                              "上海市科普教育展示技术中心（上海市国际科技交流中心）2026年度项目绩效目标汇总表.docx"])
    assert "已生成" in result.stdout


def test_default_output_is_output_slash_year(run_cli, tmp_path, monkeypatch):
    folder = copy_specs("2026", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run_cli("build", folder).exit_code == 0
    assert (tmp_path / "output" / "2026" / "企业科技创新服务.docx").is_file()


def test_values_that_look_like_xml_or_jinja_print_literally(run_cli, tmp_path):
    tricky = '技术+金融 <A&B> "模式" {{ 项目名称 }} {% if x %}'
    folder = _unit_with(tmp_path, **{"三级指标: 系统稳定性": f"三级指标: '{tricky}'",
                                     "项目名称: 信息化运维项目": "项目名称: R&D <运维>"})
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = table_rows(tmp_path / "out" / "R&D _运维_.docx")
    assert rows[0][1] == "R&D <运维>"
    assert any(tricky in row for row in rows)


def test_paragraphs_in_a_value_become_paragraphs_in_the_cell(run_cli, tmp_path):
    folder = _unit_with(tmp_path, **{"年度总体目标: 本项目": "年度总体目标: |-\n  第一段。\n  第二段 & 结尾\n  本项目"})
    assert run_cli("build", folder, "-o", tmp_path / "out").exit_code == 0
    import docx
    table = docx.Document(str(tmp_path / "out" / "信息化运维项目.docx")).tables[0]
    cell = table.rows[8].cells[-1]
    texts = [p.text for p in cell.paragraphs]
    assert texts[:2] == ["第一段。", "第二段 & 结尾"] and texts[2].startswith("本项目")
    # each new paragraph keeps the cell's paragraph style
    assert {p.style.name for p in cell.paragraphs} == {"表格文字"}


def test_a_spec_with_errors_is_not_built_and_the_summary_is_withheld(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    bad = folder / "02_国际科技人文交流与合作.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("当年财政拨款: 400,000.00", "当年财政拨款: 40万"),
                   encoding="utf-8")
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "02_国际科技人文交流与合作.yaml:9:11: error[amount]" in result.stderr and "error[amount]" in result.stderr
    assert "汇总表未生成" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.docx")) == ["企业科技创新服务.docx"]


def test_warnings_do_not_block_the_build(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert "warning[empty-value]" in result.stderr
    assert "info[" not in result.stderr  # notes are counted, not listed: validate lists them
    assert "23 条提示（提示未列出，用 perfdoc validate 查看）" in result.stderr
    assert (tmp_path / "out" / "技术转移协同创新发展建设.docx").is_file()


def test_unsafe_project_names_stay_inside_the_output_folder(run_cli, tmp_path):
    folder = _unit_with(tmp_path, **{"项目名称: 信息化运维项目": "项目名称: '../../etc/a:b*c?'"})
    out = tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    produced = [p for p in tmp_path.rglob("*.docx")]
    assert all(out in p.parents for p in produced)
    assert (out / "_.._etc_a_b_c_.docx").is_file()


def test_no_temporary_files_are_left_behind(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    run_cli("build", folder, "-o", tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_missing_unit_file_is_a_usage_error(run_cli, tmp_path):
    (tmp_path / "x.yaml").write_text("项目名称: x\n", encoding="utf-8")
    result = run_cli("validate", tmp_path)
    assert result.exit_code == 2
    assert "单位.yaml" in result.stderr


def test_two_renders_are_byte_identical(tmp_path):
    from perfdoc.make.pipeline import build
    a = build(SPECS / "2026", output=tmp_path / "a")
    b = build(SPECS / "2026", output=tmp_path / "b")
    for x, y in zip(a.written, b.written):
        assert x.read_bytes() == y.read_bytes()


def test_summary_title_paragraph_comes_first(tmp_path):
    from perfdoc.make.pipeline import build
    result = build(SPECS / "2026", output=tmp_path)
    summary = result.written[-1]
    assert paragraphs(summary)[0] == "上海市科普教育展示技术中心（上海市国际科技交流中心）2026年度项目绩效目标汇总表"


def test_building_one_project_file_leaves_the_summary_alone(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    out = tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    summary = next(out.glob("*汇总表.docx"))
    before = summary.read_bytes()
    result = run_cli("build", folder / "02_国际科技人文交流与合作.yaml", "-o", out)
    assert result.exit_code == 0
    assert "汇总表" not in result.stdout
    assert summary.read_bytes() == before


def test_a_form_that_cannot_be_written_stops_the_build_and_says_why(run_cli, tmp_path):
    folder = copy_specs("2026", tmp_path)
    out = tmp_path / "out"
    run_cli("build", folder, "-o", out)
    form = sorted(p for p in out.glob("*.docx") if "汇总表" not in p.name)[0]
    form.unlink()
    form.mkdir()  # a folder where the form goes: renaming the finished file onto it fails
    result = run_cli("build", folder, "-o", out, "--force")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert form.name in result.output, result.output
    assert form.is_dir() and not list(out.glob(".*.tmp"))
