"""perfdoc serve in a real browser: Debian's chromium driven by its chromium-driver (selenium).

selenium is told the system driver (/usr/bin/chromedriver), so nothing is downloaded at run
time; .ci/run installs chromium and chromium-driver.
"""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from conftest import copy_specs
from perfdoc.make.pipeline import build
from perfdoc.workflow.serve import start

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(not CHROMEDRIVER.is_file(), reason="needs Debian's chromium-driver (.ci/run installs it)")


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1366,900", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def served(tmp_path):
    folder = copy_specs("2025", tmp_path)
    build(folder, output=tmp_path / "out")
    server = start(folder, port=0, output=tmp_path / "out")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.stop()
    thread.join(timeout=5)


def test_the_page_shows_the_form_marks_a_problem_and_follows_an_edit(browser, served, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import StaleElementReferenceException
    folder, address = served
    browser.get(address + "/")
    browser.find_element(By.LINK_TEXT, "绿色技术银行综合管理与运行").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table.form"))

    # the form: its labels, and the 一级 cell spanning its indicator rows
    table = browser.find_element(By.CSS_SELECTOR, "table.form")
    assert "年度资金申请总额" in table.text and "1,515,000.00" in table.text
    output_cell = next(td for td in table.find_elements(By.TAG_NAME, "td") if td.text == "产出指标")
    assert int(output_cell.get_attribute("rowspan")) == 12
    # a problem, marked on its cell, message and file:line beside it in the margin
    flagged = next(td for td in browser.find_elements(By.CSS_SELECTOR, "td.flag") if "=2(场)" in td.text)
    note = browser.find_element(By.CSS_SELECTOR, f'.note[data-cell="{flagged.get_attribute("id")}"]')
    assert "01_绿色技术银行综合管理与运行.yaml:26" in note.text and "系统格式为“=2.00(场)”" in note.text
    cell_box, note_box = flagged.rect, note.rect
    assert note_box["x"] >= cell_box["x"] + cell_box["width"]          # beside the cell, to its right
    assert abs(note_box["y"] - cell_box["y"]) < 5                      # level with it
    assert note_box["x"] + note_box["width"] <= 1366                    # within a laptop's screen
    assert browser.find_element(By.LINK_TEXT, "下载 绿色技术银行综合管理与运行.docx")
    WebDriverWait(browser, 10).until(lambda b: "实时预览" in b.find_element(By.ID, "live").text
                                     and "未连接" not in b.find_element(By.ID, "live").text)
    browser.save_screenshot(str(tmp_path / "preview.png"))

    # the author fixes the value in the editor: the open page follows by itself
    spec = folder / "01_绿色技术银行综合管理与运行.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count("=2(场)") == 1
    saved = time.monotonic()
    spec.write_text(text.replace("=2(场)", "=3.00(场)"), encoding="utf-8")
    # the page swaps its table while we read it: a vanished element is read again, not a failure
    WebDriverWait(browser, 10, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda b: "=3.00(场)" in b.find_element(By.CSS_SELECTOR, "table.form").text)
    followed = time.monotonic() - saved
    assert not [td for td in browser.find_elements(By.CSS_SELECTOR, "td.flag") if "=3.00(场)" in td.text]
    assert followed < 3, f"the page took {followed:.2f} s to follow the edit"
    # the downloaded .docx is now older than the spec: the page says so
    assert "再运行一次 perfdoc build" in browser.find_element(By.ID, "content").text
