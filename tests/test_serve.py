"""perfdoc serve without a browser: the pages, the form as HTML, live re-reading, and what it refuses."""
from __future__ import annotations

import http.client
import os
import threading

import lxml.html
import pytest

from conftest import SPECS, copy_specs, tables
from perfdoc.make.pipeline import build, read_specs
from perfdoc.output.html import form_content, render_form
from perfdoc.output.render import Renderer
from perfdoc.workflow.serve import MAX_LISTENERS, Preview, start


def _rows(table) -> list[list[str]]:
    """An HTML table read as conftest.tables reads a .docx: in each row, every distinct cell that
    covers it (one spanning rows counts in each of its rows), by its text."""
    grid: dict[tuple[int, int], object] = {}
    for r, tr in enumerate(table.findall("tr")):
        c = 0
        for td in tr.findall("td"):
            while (r, c) in grid:
                c += 1
            for dr in range(int(td.get("rowspan", 1))):
                for dc in range(int(td.get("colspan", 1))):
                    grid[(r + dr, c + dc)] = td
            c += int(td.get("colspan", 1))
    rows = []
    for r in range(max(r for r, _ in grid) + 1):
        cells = [grid[(r, c)] for c in sorted(c for rr, c in grid if rr == r)]
        rows.append([td.text_content() for i, td in enumerate(cells) if i == 0 or td is not cells[i - 1]])
    return rows


@pytest.mark.parametrize("year", ["2025", "2022", "2020"])  # 申报表, 自评表, 目标表2020
def test_the_html_form_has_the_printed_forms_cells_and_merges(year, tmp_path):
    specs = read_specs(SPECS / year)
    project = specs.projects[1]
    view = render_form(Renderer(), specs.unit, [project], [], summary=False)
    page = lxml.html.fromstring(f"<div>{view.html}</div>")
    html_tables = page.findall(".//table")
    docx_path = tmp_path / "form.docx"  # the bytes a build writes for this project
    docx_path.write_bytes(Renderer().render(specs.unit, [project], summary=False))
    docx_tables = tables(docx_path)
    assert len(html_tables) == len(docx_tables) >= 1
    for html_table, docx_table in zip(html_tables, docx_tables):
        html_rows = [[" ".join(t.split()) for t in row] for row in _rows(html_table)]
        docx_rows = [[" ".join(t.split()) for t in row] for row in docx_table]
        assert html_rows == docx_rows
    # the 一级 of the indicator block spans its rows, as the printed form merges it
    assert any(int(td.get("rowspan", 1)) > 1 for td in page.iter("td"))


def test_a_problem_is_marked_on_its_cell_with_message_and_line():
    specs = read_specs(SPECS / "2025")
    project = specs.projects[0]  # 01_绿色技术银行…: “=2(场)” for 绿色技术专题对接活动 (line 26)
    problems = [p for p in specs.problems if p.path == project.path]
    view = render_form(Renderer(), specs.unit, [project], problems, summary=False)
    page = lxml.html.fromstring(str(form_content(view)))
    flagged = [td for td in page.iter("td") if "flag" in td.classes]
    assert len(flagged) == len(problems) == len(view.notes) == 2
    cell = next(td for td in flagged if "=2(场)" in td.text_content())
    assert cell.find("p").text_content() == "=2(场)"  # the value is the cell's own text, a badge beside it
    assert "info" in cell.classes and cell.find_class("badge")[0].text_content() == "1"
    note = next(n for n in page.find_class("note") if n.get("data-cell") == cell.get("id"))
    text = note.text_content()
    assert "绿色技术专题对接活动" in text and "01_绿色技术银行综合管理与运行.yaml:26" in text


def test_index_lists_projects_with_funds_and_counts(tmp_path):
    preview = Preview(SPECS / "2025", output=tmp_path)
    page = lxml.html.fromstring(preview.page("/"))
    rows = page.find_class("index")[0].findall(".//tbody/tr")
    assert len(rows) == 8
    first = [td.text_content() for td in rows[0].findall("td")]
    assert first[1] == "绿色技术银行综合管理与运行" and first[2] == "1,515,000.00"
    specs = read_specs(SPECS / "2025")
    warnings = sum(1 for p in specs.problems if p.severity == "warning" and p.path.name.startswith("01_"))
    assert first[3:5] == ["0", str(warnings)]


def test_summary_shows_every_project_in_order(tmp_path):
    preview = Preview(SPECS / "2025", output=tmp_path)
    text = lxml.html.fromstring(preview.page("/summary")).text_content()
    names = [p.name for p in read_specs(SPECS / "2025").projects]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions) and "上海科学技术交流中心2025年度项目绩效目标汇总表" in text


def test_a_spec_that_does_not_load_shows_the_error(tmp_path):
    folder = copy_specs("2026", tmp_path)
    bad = folder / "01_企业科技创新服务.yaml"
    bad.write_text("项目名称: [未闭合\n", encoding="utf-8")
    preview = Preview(folder, output=tmp_path / "out")
    page = lxml.html.fromstring(preview.page("/project/01_%E4%BC%81%E4%B8%9A%E7%A7%91%E6%8A%80%E5%88%9B%E6%96%B0%E6%9C%8D%E5%8A%A1.yaml"))
    error = page.find_class("load-error")[0].text_content()
    assert "无法显示表格" in error and "01_企业科技创新服务.yaml:" in error
    assert not page.findall(".//table")
    index = lxml.html.fromstring(preview.page("/")).text_content()
    assert "（无法读取）" in index


def test_an_edit_rereads_only_that_file(tmp_path):
    folder = copy_specs("2025", tmp_path)
    preview = Preview(folder, output=tmp_path / "out")
    preview.page("/")
    assert preview.files.reads == 8
    spec = folder / "03_科技类社会组织协同创新发展服务.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("科技类社会组织协同创新发展服务",
                                                             "科技类社会组织协同创新发展服务（修订）", 1),
                    encoding="utf-8")
    os.utime(spec, ns=(spec.stat().st_atime_ns, spec.stat().st_mtime_ns + 10**9))
    preview.changed()
    assert "科技类社会组织协同创新发展服务（修订）" in preview.page("/")
    assert preview.files.reads == 9


def test_a_unit_file_removed_while_serving_is_said_and_recovers(tmp_path):
    folder = copy_specs("2026", tmp_path)
    preview = Preview(folder, output=tmp_path / "out")
    unit = (folder / "单位.yaml").read_bytes()
    (folder / "单位.yaml").unlink()
    preview.changed()
    assert "中没有单位文件 单位.yaml" in lxml.html.fromstring(preview.page("/")).text_content()
    (folder / "单位.yaml").write_bytes(unit)
    preview.changed()
    assert "企业科技创新服务" in lxml.html.fromstring(preview.page("/")).text_content()


def test_a_spec_linked_from_elsewhere_is_not_read(tmp_path):
    folder = copy_specs("2026", tmp_path)
    (tmp_path / "secret.txt").write_text("项目名称: 不应显示的内容\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", folder / "03_链接.yaml")
    preview = Preview(folder, output=tmp_path / "out")
    page = preview.page("/project/03_%E9%93%BE%E6%8E%A5.yaml")
    assert "不应显示的内容" not in page and "规格文件夹之外的链接" in page
    assert "不应显示的内容" not in preview.page("/") + preview.page("/summary")


def test_downloads_are_the_built_files_of_what_is_on_screen(tmp_path):
    build(SPECS / "2026", output=tmp_path)
    preview = Preview(SPECS / "2026", output=tmp_path)
    page = lxml.html.fromstring(preview.page("/project/01_%E4%BC%81%E4%B8%9A%E7%A7%91%E6%8A%80%E5%88%9B%E6%96%B0%E6%9C%8D%E5%8A%A1.yaml"))
    links = [a.get("href") for a in page.iter("a") if a.get("download") is not None]
    assert links == ["/files/%E4%BC%81%E4%B8%9A%E7%A7%91%E6%8A%80%E5%88%9B%E6%96%B0%E6%9C%8D%E5%8A%A1.docx"]


# -- over HTTP ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served")
    out = tmp_path / "out"
    build(SPECS / "2026", output=out)
    (tmp_path / "secret.docx").write_bytes(b"outside")
    os.symlink(tmp_path / "secret.docx", out / "link.docx")
    server = start(SPECS / "2026", port=0, output=out, watch=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.stop()
    thread.join(timeout=5)


def _get(server, path: str, host: str = "127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", f"{host}:{server.port}")
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def test_serves_pages_and_a_built_document(server):
    assert _get(server, "/")[0] == 200
    status, body = _get(server, "/files/%E4%BC%81%E4%B8%9A%E7%A7%91%E6%8A%80%E5%88%9B%E6%96%B0%E6%9C%8D%E5%8A%A1.docx")
    assert status == 200 and body[:2] == b"PK"


@pytest.mark.parametrize("path", [
    "/files/../%E5%8D%95%E4%BD%8D.yaml", "/files/..%2F..%2Fsetup.cfg", "/files/%2e%2e%2f%2e%2e%2fsetup.cfg",
    "/files/%2e%2e/secret.docx", "/files//etc/passwd", "/files/%2Fetc%2Fpasswd", "/files/link.docx",
    "/files/.perfdoc-manifest.json", "/files/C:%5Cwindows%5Cwin.ini", "/project/..%2F2025%2F01_x.yaml",
    "/project/%2e%2e%2f%2e%2e%2fsetup.cfg", "/project/%E5%8D%95%E4%BD%8D.yaml", "/../../setup.cfg", "/%2e%2e/%2e%2e/setup.cfg",
    "/etc/passwd",
])
def test_never_serves_a_file_outside_its_folders(server, path):
    status, body = _get(server, path)
    assert status == 404 and b"outside" not in body and b"[metadata]" not in body


def test_refuses_another_host_name(server):
    assert _get(server, "/", host="attacker.example")[0] == 403


def test_listeners_are_bounded(server):
    connections = []
    try:
        for _ in range(MAX_LISTENERS):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", "/events")
            response = connection.getresponse()
            assert response.status == 200
            connections.append(connection)
        assert _get(server, "/events")[0] == 503
    finally:
        for connection in connections:
            connection.close()


def test_listens_on_this_machine_only(server):
    assert server.server_address[0] == "127.0.0.1"


def test_ctrl_c_ends_the_server_cleanly_while_a_page_listens():
    import re
    import signal
    import subprocess
    import sys
    # SIGINT restored in the child: a CI shell may start it with SIGINT ignored
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from perfdoc.cli import main; sys.argv = ['perfdoc'] + sys.argv[1:]; main()")
    process = subprocess.Popen([sys.executable, "-c", code, "serve", str(SPECS / "2026"), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", first).group(1))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/events")
        assert connection.getresponse().status == 200
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "预览已结束" in rest and "Traceback" not in rest
