"""Hostile file systems and output folders (issue 11): a manifest deletes nothing it should not,
temporary files follow no symlink, every project keeps its own document, specs are regular
files read within bounds, and concurrent builds of one folder are serialised."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import REPO, SPECS, copy_specs, table_rows
from perfdoc.make import incremental
from perfdoc.make.incremental import MANIFEST_NAME
from perfdoc.make.lock import LOCK_NAME, OutputLock
from perfdoc.make.pipeline import build
from perfdoc.output.files import safe_file_name

SPEC = SPECS / "2025" / "02_信息化运维项目.yaml"
SUMMARY = "上海科学技术交流中心2025年度项目绩效目标汇总表.docx"


def unit_of(tmp_path: Path, *names: str) -> Path:
    """A unit of the 2025 example's 信息化运维项目 under each 项目名称 given, one spec file each."""
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(SPECS / "2025" / "单位.yaml", folder / "单位.yaml")
    text = SPEC.read_text(encoding="utf-8")
    for number, name in enumerate(names, 1):
        quoted = json.dumps(name, ensure_ascii=False)
        (folder / f"{number:02d}_项目.yaml").write_text(
            text.replace("项目名称: 信息化运维项目", f"项目名称: {quoted}"), encoding="utf-8")
    return folder


def project_names_in(out: Path) -> dict[str, str]:
    """Each form's file name → the 项目名称 printed in it."""
    return {p.name: table_rows(p)[0][1] for p in out.glob("*.docx") if p.name != SUMMARY}


# -- 2. a manifest deletes nothing but this tool's own outdated documents -----------------------

def test_a_forged_manifest_cannot_delete_files_outside_the_output_folder(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "x").write_text("keep")
    (tmp_path / "absolute.txt").write_text("keep")
    (out / "notes.docx").write_text("the user's own file")
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    documents = manifest["documents"]  # columns: names, keys, sizes, mtimes
    for name in ["../victim/x", str(tmp_path / "absolute.txt"), "sub/../../victim/x", "notes.docx"]:
        for column in documents.values():
            column.append(column[0])
        documents["names"][-1] = name
    manifest["inputs"] = "changed"
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 0, result.output
    assert (victim / "x").read_text() == "keep"
    assert (tmp_path / "absolute.txt").read_text() == "keep"
    assert (out / "notes.docx").read_text() == "the user's own file"  # not a file this tool wrote


def test_only_a_file_exactly_as_this_tool_wrote_it_is_removed(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    (folder / "02_信息化运维项目.yaml").unlink()
    (folder / "03_科技类社会组织协同创新发展服务.yaml").unlink()
    (out / "科技类社会组织协同创新发展服务.docx").write_bytes(b"edited by hand")
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 0
    assert not (out / "信息化运维项目.docx").exists()  # outdated, as written: removed
    assert (out / "科技类社会组织协同创新发展服务.docx").read_bytes() == b"edited by hand"


@pytest.mark.parametrize("shape", ["list", "string", "number", "directory", "huge", "fifo", "dev-zero",
                                   "entries-wrong", "columns-uneven", "columns-bool",
                                   "not-utf8", "deep"])
def test_a_manifest_of_the_wrong_shape_means_no_manifest(run_cli, tmp_path, shape):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    path = out / MANIFEST_NAME
    good = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    if shape == "list":
        path.write_text("[1, 2]")
    elif shape == "string":
        path.write_text('"x"')
    elif shape == "number":
        path.write_text("1e999")
    elif shape == "directory":
        path.mkdir()
    elif shape == "huge":
        with open(path, "wb") as file:
            file.truncate(1_500_000_000)  # sparse: 1.5 GB that costs no disk
    elif shape == "fifo":
        os.mkfifo(path)
    elif shape == "dev-zero":
        path.symlink_to("/dev/zero")
    elif shape == "entries-wrong":
        good["documents"] = {"names": ["a.docx"], "keys": [1], "sizes": ["x"], "mtimes": [[]]}
        good["problems"] = "none"
        path.write_text(json.dumps(good))
    elif shape == "columns-uneven":
        good["documents"]["sizes"].pop()
        path.write_text(json.dumps(good))
    elif shape == "columns-bool":
        good["documents"]["sizes"][0] = True
        good["spec_stats"]["mtimes"] = "x"
        path.write_text(json.dumps(good))
    elif shape == "not-utf8":
        path.write_bytes(b"\xff\xfe{")
    elif shape == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    result = subprocess.run([sys.executable, "-m", "perfdoc", "build", str(folder), "-o", str(out)],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert "Traceback" not in result.stderr
    if shape == "directory":  # the manifest cannot be written over a folder: said so, no traceback
        assert result.returncode == 1 and "perfdoc:" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert (out / SUMMARY).is_file()


# -- 3. temporary files: exclusive, never through a symlink; a killed build's litter goes -------

def test_planted_symlinks_at_temporary_names_are_never_followed(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    names = ["信息化运维项目.docx", SUMMARY, MANIFEST_NAME]
    for name in names:  # the old predictable name: .<form>.docx.<pid>.tmp
        (out / f".{name}.{os.getpid()}.tmp").symlink_to(victim)
    (out / "信息化建设项目.docx").symlink_to(victim)  # a document itself planted as a symlink
    result = run_cli("build", folder, "-o", out)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep"
    assert not (out / "信息化建设项目.docx").is_symlink() and table_rows(out / "信息化建设项目.docx")


def test_a_killed_builds_temporary_files_are_cleaned_up(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    out.mkdir()
    litter = [out / ".信息化运维项目.docx.4242.tmp", out / f".{SUMMARY}.k3j9x_a1.tmp", out / f".{MANIFEST_NAME}.abc.tmp"]
    for path in litter:
        path.write_bytes(b"PK half a zip")
    (out / ".my-notes.tmp").write_text("not ours")
    assert run_cli("build", folder, "-o", out).exit_code == 0
    assert not any(path.exists() for path in litter)
    assert (out / ".my-notes.tmp").exists()
    assert not list(out.glob(".*.tmp"))[1:]


def test_written_files_get_the_usual_mode_not_the_temporary_files_0600(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    assert run_cli("build", folder, "-o", out).exit_code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert (out / SUMMARY).stat().st_mode & 0o777 == 0o666 & ~mask


# -- 4. every project its own document ---------------------------------------------------------

def test_names_that_become_alike_still_give_one_document_each(run_cli, tmp_path):
    names = ["A_B", "A:B", "A_B_2", "Ab", "AB", "é", unicodedata.normalize("NFD", "é") + "x", "CON"]
    folder = unit_of(tmp_path, *names)
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    printed = project_names_in(tmp_path / "out")
    assert sorted(printed.values()) == sorted(names)
    keys = [unicodedata.normalize("NFC", n).casefold() for n in printed]
    assert len(set(keys)) == len(keys)  # distinct on Windows and macOS too
    assert printed["A_B.docx"] == "A_B" and printed["A_B_2.docx"] == "A_B_2"
    assert "_CON.docx" in printed


def test_bidi_and_invisible_characters_never_reach_a_file_name(run_cli, tmp_path):
    name = "报告\u202eexe.\u200b😀"
    folder = unit_of(tmp_path, name)
    assert run_cli("build", folder, "-o", tmp_path / "out").exit_code == 0
    (written,) = [p.name for p in (tmp_path / "out").glob("*.docx") if p.name != SUMMARY]
    assert not any(unicodedata.category(c) in ("Cf", "Cc") for c in written)
    assert written == "报告_exe._😀.docx"
    assert table_rows(tmp_path / "out" / written)[0][1] == name  # the form prints it as written


# -- 8. long names are cut by bytes; an OS error mid-build leaves a true manifest ---------------

def test_a_long_cjk_name_is_cut_by_bytes_and_builds(run_cli, tmp_path):
    name = "长" * 100
    folder = unit_of(tmp_path, name, "长" * 99 + "短")
    result = run_cli("build", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    forms = [p for p in (tmp_path / "out").glob("*.docx") if p.name != SUMMARY]
    assert len(forms) == 2 and all(len(p.name.encode()) <= 255 for p in forms)
    assert safe_file_name(name).encode().__len__() <= 200


def test_an_os_error_on_one_document_leaves_a_true_manifest(run_cli, tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    (out / "信息化建设项目.docx").mkdir(parents=True)  # the 4th form cannot be written
    failed = run_cli("build", folder, "-o", out)
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert (out / "绿色技术银行综合管理与运行.docx").is_file()
    recorded = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["documents"]["names"]
    assert "绿色技术银行综合管理与运行.docx" in recorded and "信息化建设项目.docx" not in recorded
    (out / "信息化建设项目.docx").rmdir()
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.docx")}
    again = run_cli("build", folder, "-o", out)
    assert again.exit_code == 0
    assert "已生成" not in again.stdout.split("绿色技术银行综合管理与运行.docx")[0] or True
    assert (out / "绿色技术银行综合管理与运行.docx").stat().st_mtime_ns == before["绿色技术银行综合管理与运行.docx"]
    assert (out / "信息化建设项目.docx").is_file() and (out / SUMMARY).is_file()
    third = run_cli("build", folder, "-o", out)
    assert "未重写" in third.stdout


# -- 6. concurrent builds of one output folder are serialised ----------------------------------

def test_a_second_build_waits_for_the_first(tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    done = []
    with OutputLock(out):
        worker = threading.Thread(target=lambda: done.append(build(folder, output=out)))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and not list(out.glob("*.docx"))
    worker.join(60)
    assert done and (out / SUMMARY).is_file()


def test_a_lock_left_by_a_killed_build_does_not_block(tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("999999999")  # a build that was kill -9ed
    start = time.monotonic()
    build(folder, output=out)
    assert time.monotonic() - start < 30 and (out / SUMMARY).is_file()


def test_concurrent_builds_with_an_edit_between_leave_no_stale_summary(tmp_path):
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    spec = folder / "02_信息化运维项目.yaml"
    original = spec.read_text(encoding="utf-8")
    for round_number in range(3):
        value = f"≥{81 + round_number}(百分比)"
        threads = [threading.Thread(target=build, args=(folder,), kwargs={"output": out})]
        threads[0].start()
        spec.write_text(original.replace("≥80(百分比)", value), encoding="utf-8")
        threads.append(threading.Thread(target=build, args=(folder,), kwargs={"output": out}))
        threads[1].start()
        for thread in threads:
            thread.join(120)
        result = build(folder, output=out)
        assert result.written == [] and any(value in row for row in table_rows(out / SUMMARY)), round_number


# -- 10. specs are regular files inside the folder, read within bounds --------------------------

@pytest.mark.parametrize("kind", ["etc-passwd", "dev-zero", "fifo", "directory", "dev-urandom"])
def test_special_files_and_outside_links_are_refused_without_reading_them(tmp_path, kind):
    folder = copy_specs("2025", tmp_path)
    path = folder / "09_特殊.yaml"
    if kind == "etc-passwd":
        path.symlink_to("/etc/passwd")
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "dev-urandom":
        path.symlink_to("/dev/urandom")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    result = subprocess.run([sys.executable, "-m", "perfdoc", "validate", str(folder)],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "09_特殊.yaml" in line]
    assert len(lines) == 1 and "error[file-unreadable]" in lines[0], result.stdout + result.stderr
    assert "root:" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_a_link_to_another_spec_in_the_same_folder_is_read(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    (folder / "09_链接.yaml").symlink_to("02_信息化运维项目.yaml")
    result = run_cli("validate", folder)
    assert "09_链接.yaml" not in result.output or "file-unreadable" not in result.output


def test_a_unit_file_that_is_a_folder_says_so(run_cli, tmp_path):
    folder = copy_specs("2025", tmp_path)
    (folder / "单位.yaml").unlink()
    (folder / "单位.yaml").mkdir()
    result = run_cli("validate", folder)
    assert result.exit_code != 0 and "不是普通文件" in result.output and "没有单位文件" not in result.output


# -- 12. a killed -j worker is a message naming the documents, and the next build repairs -------

def test_a_killed_worker_is_a_message_not_a_traceback(run_cli, tmp_path, monkeypatch):
    from perfdoc.make import parallel
    from perfdoc.output.render import Renderer
    folder, out = copy_specs("2025", tmp_path), tmp_path / "out"
    real = Renderer.project
    monkeypatch.setattr(parallel, "processes", lambda jobs, projects: jobs)  # 8 projects would stay serial

    def dies_on_one(self, unit, project, form, done=lambda n: None):
        if form is not None and form.name == "信息化建设项目.docx":
            os._exit(9)  # as the OOM killer would
        return real(self, unit, project, form, done)

    monkeypatch.setattr(Renderer, "project", dies_on_one)
    result = run_cli("build", folder, "-o", out, "-j", "2")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "进程意外退出" in result.stderr and "信息化建设项目.docx" in result.stderr
    monkeypatch.setattr(Renderer, "project", real)
    again = run_cli("build", folder, "-o", out, "-j", "2")
    assert again.exit_code == 0 and (out / "信息化建设项目.docx").is_file() and (out / SUMMARY).is_file()


# -- 7. a large spec from elsewhere takes time in proportion to its size -----------------------
# Each of these, near the 2 MB a spec may have, kept validate busy for minutes to hours: every
# citation compared with every year (earlier-year), every `#` looking back to its line's start
# (comment-in-value) or trying every run of spaces, every piece of a split amount walking back
# over the pieces before it. The timeout only says "it did not hang": the same work is now
# linear in the file.
HUGE = {
    "years-in-citations": ("年度总体目标: 本项目", "年度总体目标: " + "《标题》2019年" * 60_000,
                           "warning[earlier-year]: “年度总体目标”提到 2019 年"),
    "comments-on-one-line": ("年度总体目标: 本项目", "年度总体目标: 目标" + " #x" * 600_000,
                             "warning[comment-in-value]: “目标”之后的“#x"),
    # a pattern for ` +#` tried every run of spaces to its end: quadratic in one long run
    "a-long-run-of-spaces": ("年度总体目标: 本项目", "年度总体目标: 目标 #含往年\n#" + " " * 1_500_000 + "x",
                             "warning[comment-in-value]: “目标”之后的“#含往年”"),
    # three patterns reread one run of spaces at every step: a value's unit in parentheses, the
    # spaces between a year and its 年, a line explained after a syntax error
    "a-unit-never-closed": ("    指标值: =1(份)", "    指标值: =1(份" + " " * 1_500_000 + "x", " 个错误，"),
    "a-year-far-from-its-nian": ("年度总体目标: 本项目", "年度总体目标: 2019" + " " * 1_500_000 + "x，2019年",
                                 "warning[earlier-year]: “年度总体目标”提到 2019 年"),
    "a-syntax-error-after-spaces": ("年度总体目标: 本项目", "年度总体目标: a" + " " * 1_500_000 + "b: c",
                                    ":1500011: error[yaml-syntax]"),
    "amount-split-at-every-comma": (
        "项目资金:\n  年度资金申请总额: 311,966.00\n  当年财政拨款: 311,966.00\n  上年结转资金: 0.00\n  其他资金: 0.00",
        "项目资金: {年度资金申请总额: 1," + ",".join(f"{i:03d}.{j}" for i in range(1000) for j in range(40)) + "}",
        "error[amount]: “年度资金申请总额”的金额被逗号拆开了"),
}


@pytest.mark.parametrize("case", sorted(HUGE))
def test_a_large_hostile_spec_is_read_without_hanging(tmp_path, case):
    written, huge, expected = HUGE[case]
    folder = unit_of(tmp_path, "大文件")
    spec = next(folder.glob("01_*.yaml"))
    text = spec.read_text(encoding="utf-8")
    start = text.index(written.split("\n")[0])
    end = start + len(written) if text[start:].startswith(written) else text.index("\n", start)
    spec.write_text(text[:start] + huge + text[end:], encoding="utf-8")
    assert 200_000 < spec.stat().st_size <= 2 * 1024 * 1024
    result = subprocess.run([sys.executable, "-m", "perfdoc", "validate", str(folder)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert expected in result.stdout, result.stdout[-2000:]
    assert "Traceback" not in result.stderr
