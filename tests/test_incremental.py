"""Building again rewrites only what changed, never leaves a stale document, and still reports
every problem: the manifest in the output folder (perfdoc/make/incremental.py)."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import SPECS, copy_specs
from perfdoc.make import incremental
from perfdoc.make.incremental import MANIFEST_NAME

SUMMARY = "上海科学技术交流中心2025年度项目绩效目标汇总表.docx"
PROJECT = "02_信息化运维项目.yaml"


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def rewritten(before: dict[str, int], folder: Path) -> set[str]:
    after = mtimes(folder)
    return {name for name in after if before.get(name) != after[name]} - {MANIFEST_NAME}


@pytest.fixture
def built(run_cli, tmp_path):
    """The 2025 example unit, built once into out/."""
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    return folder, out


def test_nothing_changed_rewrites_nothing_and_still_reports_the_problems(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    first = run_cli("build", folder, "-o", out)
    before = mtimes(out)
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == first.exit_code == 0
    assert mtimes(out) == before  # not even the manifest
    # every problem is reported as by the first build, the example's warning among them
    assert result.stderr == first.stderr
    assert "05_技术转移协同创新发展建设.yaml:22:9: warning[empty-value]" in result.stderr
    assert "已生成" not in result.stdout
    assert "9 份文档的规格、模板和 perfdoc 都没有变化，未重写" in result.stdout


def test_one_changed_spec_rewrites_its_form_and_the_summary_only(run_cli, built):
    folder, out = built
    before = mtimes(out)
    spec = folder / PROJECT
    spec.write_text(spec.read_text(encoding="utf-8").replace("≥80(百分比)", "≥85(百分比)"), encoding="utf-8")
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 0
    assert rewritten(before, out) == {"信息化运维项目.docx", SUMMARY}
    assert result.stdout.count("已生成") == 2


def test_a_comment_changes_the_bytes_so_the_form_is_rebuilt(run_cli, built):
    folder, out = built
    before = mtimes(out)
    with (folder / PROJECT).open("a", encoding="utf-8") as spec:
        spec.write("# 备注\n")
    run_cli("build", folder, "-o", out)
    assert rewritten(before, out) == {"信息化运维项目.docx", SUMMARY}


def test_a_changed_unit_file_rewrites_everything(run_cli, built):
    folder, out = built
    before = mtimes(out)
    unit = folder / "单位.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("上海市科学技术委员会", "上海市科委"), encoding="utf-8")
    run_cli("build", folder, "-o", out)
    assert rewritten(before, out) == {p.name for p in out.glob("*.docx")}
    assert len(rewritten(before, out)) == 9


def test_a_changed_template_rewrites_everything(run_cli, built, tmp_path):
    folder, out = built
    restyled = tmp_path / "restyled"
    restyled.mkdir()
    shutil.copy(SPECS.parent / "templates" / "申报表.docx", restyled / "申报表.docx")
    assert run_cli("build", folder, "-o", out, "--templates", restyled).exit_code == 0
    before = mtimes(out)
    assert run_cli("build", folder, "-o", out, "--templates", restyled).exit_code == 0
    assert rewritten(before, out) == set()
    with zipfile.ZipFile(restyled / "申报表.docx", "a") as template:  # a restyle adds or changes a part
        template.writestr("customXml/item1.xml", "<x/>")
    assert run_cli("build", folder, "-o", out, "--templates", restyled).exit_code == 0
    assert len(rewritten(before, out)) == 9


def test_another_perfdoc_rewrites_everything(run_cli, built, monkeypatch):
    folder, out = built
    before = mtimes(out)
    monkeypatch.setattr(incremental, "__version__", "99.0")
    run_cli("build", folder, "-o", out)
    assert len(rewritten(before, out)) == 9


def test_a_changed_rule_in_a_sub_package_changes_the_code_digest(tmp_path):
    """The digest reads the whole package, sub-packages included: a rule edited in rules/ (or
    a renderer in output/) must invalidate every document, not only a change at the top."""
    copy = tmp_path / "perfdoc"
    shutil.copytree(incremental.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = incremental.code_digest(copy)
    assert before == incremental.code_digest(incremental.PACKAGE)
    for stage_file in ("rules/form_rules.py", "output/render.py", "input/values.py"):
        path = copy / stage_file
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a changed rule\n")
        assert incremental.code_digest(copy) != before, stage_file
        path.write_bytes(original)
    assert incremental.code_digest(copy) == before


def test_force_rewrites_everything(run_cli, built):
    folder, out = built
    before = mtimes(out)
    run_cli("build", folder, "-o", out, "--force")
    assert len(rewritten(before, out)) == 9


def test_a_deleted_or_edited_document_is_written_again(run_cli, built):
    folder, out = built
    (out / "信息化运维项目.docx").unlink()
    (out / SUMMARY).write_bytes(b"opened and saved by someone")
    before = mtimes(out)
    run_cli("build", folder, "-o", out)
    assert rewritten(before, out) == {"信息化运维项目.docx", SUMMARY}
    assert zipfile.is_zipfile(out / SUMMARY)


def test_a_removed_spec_removes_its_form_and_the_summary_follows(run_cli, built):
    folder, out = built
    (folder / PROJECT).unlink()
    before = mtimes(out)
    result = run_cli("build", folder, "-o", out)
    assert not (out / "信息化运维项目.docx").exists()
    assert rewritten(before, out) == {SUMMARY}
    assert f"已删除过期的 {out / '信息化运维项目.docx'}" in result.stderr


def test_a_spec_with_errors_leaves_no_stale_form_or_summary(run_cli, built):
    folder, out = built
    spec = folder / PROJECT
    good = spec.read_text(encoding="utf-8")
    spec.write_text(good.replace("当年财政拨款: 311,966.00", "当年财政拨款: 31万"), encoding="utf-8")
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 1
    assert not (out / "信息化运维项目.docx").exists() and not (out / SUMMARY).exists()
    assert len(list(out.glob("*.docx"))) == 7
    # unchanged since: the error is reported again, nothing is written
    before = mtimes(out)
    again = run_cli("build", folder, "-o", out)
    assert again.exit_code == 1 and "error[amount]" in again.stderr and "汇总表未生成" in again.stderr
    assert mtimes(out) == before
    # fixed: both come back, the other forms stay as they were
    spec.write_text(good, encoding="utf-8")
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert rewritten(before, out) == {"信息化运维项目.docx", SUMMARY}


def test_building_one_project_file_leaves_the_manifest_alone(run_cli, built):
    folder, out = built
    manifest = (out / MANIFEST_NAME).read_bytes()
    assert run_cli("build", folder / PROJECT, "-o", out).exit_code == 0
    assert (out / MANIFEST_NAME).read_bytes() == manifest
    before = mtimes(out)
    run_cli("build", folder, "-o", out)  # the form the one-file build rewrote is written again
    assert rewritten(before, out) == {"信息化运维项目.docx"}  # the 汇总表 was never touched


def test_an_output_folder_of_another_spec_folder_is_refused_and_nothing_written(run_cli, built, tmp_path):
    folder, out = built
    other = copy_specs("2026", tmp_path / "other")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run_cli("build", other, "-o", out)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"perfdoc: 输出文件夹 {out} 中是另一个规格文件夹（{folder.resolve()}）生成的文档，"
                                    "未写入任何文件")
    assert "--replace-other-specs" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # one project file of another folder is refused as well
    assert run_cli("build", other / "01_企业科技创新服务.yaml", "-o", out).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_replace_other_specs_removes_the_other_folders_documents(run_cli, built, tmp_path):
    folder, out = built
    (out / "信息化运维项目.pdf").write_bytes(b"%PDF-1.4 stale")
    (out / "说明.txt").write_text("not perfdoc's", encoding="utf-8")
    other = copy_specs("2026", tmp_path / "other")
    result = run_cli("build", other, "-o", out, "--replace-other-specs")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.docx")) == [
        "上海市科普教育展示技术中心（上海市国际科技交流中心）2026年度项目绩效目标汇总表.docx",
        "企业科技创新服务.docx", "国际科技人文交流与合作.docx"]
    assert not (out / "信息化运维项目.pdf").exists()
    assert (out / "说明.txt").exists()  # only what the manifest lists is removed
    assert f"已删除过期的 {out / SUMMARY}" in result.stderr
    # the folder is the 2026 unit's now: the 2025 unit is refused in turn
    assert run_cli("build", folder, "-o", out).exit_code == 2


def test_a_hostile_manifest_removes_nothing_outside_the_output_folder(run_cli, built, tmp_path):
    import json
    folder, out = built
    victim = tmp_path / "victim.docx"
    victim.write_bytes(b"keep")
    data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    for column, value in zip(("names", "keys", "sizes", "mtimes"), ("../victim.docx", "x", 4, 0)):
        data["documents"][column].append(value)
    data["specs"] = "/elsewhere"
    (out / MANIFEST_NAME).write_text(json.dumps(data), encoding="utf-8")
    assert run_cli("build", folder, "-o", out, "--replace-other-specs").exit_code == 0
    assert victim.read_bytes() == b"keep"


def test_a_damaged_manifest_means_a_full_build(run_cli, built):
    folder, out = built
    (out / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    before = mtimes(out)
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert len(rewritten(before, out)) == 9


def test_a_spec_with_its_recorded_size_and_mtime_is_not_read_again(run_cli, tmp_path):
    import os
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    spec = folder / PROJECT
    os.utime(spec, ns=(1_600_000_000 * 10**9,) * 2)  # long before the build: not racy
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert incremental.Manifest.load(out, folder).spec_stats[PROJECT][:2] == [spec.stat().st_size,
                                                                              spec.stat().st_mtime_ns]
    # the same size and mtime, other bytes: trusted unread, as make would (nothing rebuilt) …
    spec.write_bytes(spec.read_bytes().replace("信息化运维".encode(), "信息化维运".encode(), 1))
    os.utime(spec, ns=(1_600_000_000 * 10**9,) * 2)
    before = mtimes(out)
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert rewritten(before, out) == set()
    # … and any other mtime makes it read, and its form rebuilt
    os.utime(spec, ns=(1_600_000_001 * 10**9,) * 2)
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert SUMMARY in rewritten(before, out)


# -- a no-op told from sizes and mtimes alone (incremental.unchanged) --------------------------
# copy_specs keeps the example files' mtimes (copytree copies them), so the specs are older than
# the racy window and a second build takes this way.

def test_nothing_changed_is_told_without_loading_yaml_kinds_rules_or_jinja(run_cli, built):
    import subprocess
    import sys
    folder, out = built
    first = run_cli("build", folder, "-o", out)
    code = ("import sys\nfrom perfdoc.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    code = exit.code\n"
            "loaded = [m for m in ('yaml', 'jinja2', 'lxml', 'perfdoc.input.kinds', 'perfdoc.input.parse',"
            " 'perfdoc.rules.check', 'perfdoc.output.render') if m in sys.modules]\n"
            "print('LOADED', loaded, code)\n")
    before = mtimes(out)
    result = subprocess.run([sys.executable, "-c", code, "build", str(folder), "-o", str(out)],
                            capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert "LOADED [] 0" in result.stdout, result.stdout + result.stderr
    assert "9 份文档的规格、模板和 perfdoc 都没有变化，未重写" in result.stdout
    assert result.stderr == first.stderr  # the problems replayed, line for line
    assert mtimes(out) == before


def test_a_renamed_spec_with_its_size_and_mtime_is_seen(run_cli, built):
    folder, out = built
    (folder / PROJECT).rename(folder / "10_信息化运维项目.yaml")  # same bytes, same mtime, other order
    before = mtimes(out)
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 0
    assert SUMMARY in rewritten(before, out)  # the project moved to the end of the 汇总表


def test_the_unit_files_templates_folder_is_digested_on_a_no_op_too(run_cli, tmp_path):
    import os
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    templates = tmp_path / "模板"
    templates.mkdir()
    shutil.copy2(SPECS.parent / "templates" / "申报表.docx", templates / "申报表.docx")
    unit = folder / "单位.yaml"
    stat = unit.stat()
    with unit.open("a", encoding="utf-8") as file:
        file.write("模板: ../模板\n")
    os.utime(unit, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # an old unit file: its 模板 is recorded
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert incremental.Manifest.load(out, folder).unit_templates == ["../模板"]
    assert incremental.unchanged(out, folder, unit, []) is not None  # told without reading the unit
    before = mtimes(out)
    assert "未重写" in run_cli("build", folder, "-o", out).stdout and mtimes(out) == before
    with zipfile.ZipFile(templates / "申报表.docx", "a") as template:  # restyled in the unit's 模板 folder
        template.writestr("customXml/item1.xml", "<x/>")
    assert incremental.unchanged(out, folder, unit, []) is None
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert len(rewritten(before, out)) == 9
    shutil.rmtree(templates)  # gone: the unit file names a folder that is not there, as a full read says
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 1 and "templates-folder" in result.stderr


def test_a_unit_file_read_just_now_has_no_templates_folder_recorded(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    unit = folder / "单位.yaml"
    unit.write_bytes(unit.read_bytes())  # just written: an edit in the same tick could go unseen
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert incremental.Manifest.load(out, folder).unit_templates is None
    before = mtimes(out)
    assert "未重写" in run_cli("build", folder, "-o", out).stdout and mtimes(out) == before  # decided as before


def test_document_names_are_checked_together_as_one_by_one():
    names = ["a.docx", "汇总表.xlsx", ".a.docx", "a/b.docx", "a\\b.docx", "c:x.docx", "a\0.docx", "a.pdf",
             "x" * 251 + ".docx", "x" * 250 + ".docx", "", "a.docx\0", "a.DOCX", "..docx"]
    for first in names:
        for second in names:
            pair = [first, second]
            assert incremental.all_document_names(pair) == all(map(incremental.is_document_name, pair)), pair
    assert incremental.all_document_names([])
