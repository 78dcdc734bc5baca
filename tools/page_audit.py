"""Read built forms page by page, as a reviewer holding one printed page does.

    python tools/page_audit.py specs/2025 specs/2026 …       # build, print with LibreOffice, report
    python tools/page_audit.py --sweep 60 specs/2026           # also 60 synthetic projects of growing length

For each PDF page it asks: is the page empty? Which project is it? For each indicator row printed
on it: does the page also show the row's 一级 and 二级 (a merged cell that began on an earlier
page prints blank here)? The numbers are what the layout of templates/*.docx achieves in
LibreOffice; tests/test_pages.py holds the examples to them.

Rows are found by their 三级 text in the 三级 column of the page (pdftotext -bbox gives each word's
box); the columns' positions come from the template's indicator row. A row without 三级 text (the
2020 form's bare rows) cannot be found and is not counted.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TWIPS_PER_POINT = 20
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def squash(text) -> str:
    return re.sub(r"\s+", "", str(text or ""))


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    number: int                      # 1-based
    words: list[Word]

    @property
    def text(self) -> str:
        return "".join(w.text for w in sorted(self.words, key=lambda w: (round(w.y0), w.x0)))

    def column_text(self, x0: float, x1: float) -> str:
        """The words whose centre lies between x0 and x1 (points), top to bottom."""
        inside = [w for w in self.words if x0 <= (w.x0 + w.x1) / 2 < x1]
        return "".join(w.text for w in sorted(inside, key=lambda w: (round(w.y0, 1), w.x0)))


@dataclass
class Report:
    """What one PDF shows: its empty pages, and each indicator row a page leaves unlabelled."""
    pdf: Path
    pages: int = 0
    empty: list[int] = field(default_factory=list)
    rows: int = 0                                                   # indicator rows found
    bare: int = 0                                                   # rows without 三级 text: not looked for
    unfound: list[str] = field(default_factory=list)                # 三级 not found whole on one page
    rows_on: dict[int, int] = field(default_factory=dict)           # page → indicator rows found on it
    no_first: list[tuple[int, str]] = field(default_factory=list)   # (page, 三级) without its 一级 on the page
    no_second: list[tuple[int, str]] = field(default_factory=list)  # … without its 二级
    no_project: list[int] = field(default_factory=list)             # pages with rows but no 项目名称

    def summary(self) -> str:
        return (f"{self.pdf.name}: {self.pages} 页，空白页 {self.empty or '无'}；指标行 {self.rows}"
                f"（无三级 {self.bare}，未找到 {len(self.unfound)}），本页不见一级 {len(self.no_first)} 行，不见二级 {len(self.no_second)} 行，"
                f"不见项目名称的页 {self.no_project or '无'}")


def read_pages(pdf: Path) -> list[Page]:
    """Every page of a PDF with its words' boxes (pdftotext -bbox)."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    pages = []
    for number, chunk in enumerate(xhtml.split("<page ")[1:], start=1):
        words = [Word(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in _WORD.findall(chunk)]
        pages.append(Page(number, words))
    return pages


def cell_ranges(template: Path) -> dict[str, tuple[float, float]]:
    """The x-range (points from the page's left edge) of every template cell whose text holds a
    `{{ … }}` expression, keyed by that text: where each value prints."""
    root = etree.fromstring(zipfile.ZipFile(template).read("word/document.xml"))
    page_width = int(root.find(f".//{W}sectPr/{W}pgSz").get(f"{W}w"))
    ranges = {}
    for row in root.iter(f"{W}tr"):
        width = int(row.getparent().find(f"{W}tblPr/{W}tblW").get(f"{W}w"))
        x = (page_width - width) / 2  # the built-in tables are centred
        for cell in row.findall(f"{W}tc"):
            cell_width = int(cell.find(f"{W}tcPr/{W}tcW").get(f"{W}w"))
            text = "".join(t.text or "" for t in cell.iter(f"{W}t"))
            for expression in re.findall(r"\{\{\s*(.*?)\s*\}\}", text):
                ranges.setdefault(expression, (x / TWIPS_PER_POINT, (x + cell_width) / TWIPS_PER_POINT))
            x += cell_width
    return ranges


def indicator_columns(template: Path, kind) -> dict[str, tuple[float, float]]:
    """Where the 一级, 二级 and 三级 of an indicator row print, and the 项目名称."""
    ranges = cell_ranges(template)
    first, second, third = (c.key for c in kind.indicator_field.columns[:3])
    name = next(r for e, r in ranges.items() if "项目.项目名称" in e)
    return {"一级": ranges[f"行.{first}"], "二级": ranges[f"行.{second}"], "三级": ranges[f"行.{third}"],
            "项目名称": name}


def audit(pdf: Path, projects: list[dict], kind, template: Path) -> Report:
    """Check one PDF that prints `projects` (printed data, render.project_data) in order."""
    pages = read_pages(pdf)
    report = Report(pdf, pages=len(pages))
    report.empty = [p.number for p in pages if not squash(p.text)]
    ranges = indicator_columns(template, kind)
    columns = [c.key for c in kind.indicator_field.columns]
    first, second, third = columns[:3]
    texts = {p.number: {name: squash(p.column_text(*r)) for name, r in ranges.items()} for p in pages}
    page_index, offset = 0, 0
    for project in projects:
        rows_pages = set()
        for row in project[kind.indicator_field.key]:
            needle = squash(row[third])
            if not needle:
                report.bare += 1
                continue
            found = _find(needle, pages, texts, page_index, offset)
            if found is None:  # not printed, or its 三级 split across two pages
                report.unfound.append(row[third])
                continue
            page_index, offset = found
            number = pages[page_index].number
            rows_pages.add(number)
            report.rows += 1
            report.rows_on[number] = report.rows_on.get(number, 0) + 1
            if squash(row[first]) and squash(row[first]) not in texts[number]["一级"]:
                report.no_first.append((number, row[third]))
            if squash(row[second]) and squash(row[second]) not in texts[number]["二级"]:
                report.no_second.append((number, row[third]))
        name = squash(project.get("项目名称", ""))
        report.no_project += [n for n in sorted(rows_pages) if name and name not in texts[n]["项目名称"]]
    return report


def _find(needle: str, pages: list[Page], texts: dict, page_index: int, offset: int):
    """The next place (page index, offset past it) where `needle` is printed in the 三级 column."""
    for index in range(page_index, len(pages)):
        column = texts[pages[index].number]["三级"]
        at = column.find(needle, offset if index == page_index else 0)
        if at >= 0:
            return index, at + len(needle)
    return None


def to_pdf(documents: list[Path], outdir: Path, profile: Path) -> list[Path]:
    """Convert .docx files to PDF in one LibreOffice run."""
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(outdir), *map(str, documents)],
                   check=True, capture_output=True, timeout=900)
    return [outdir / (d.stem + ".pdf") for d in documents]


def audit_folder(specs: Path, work: Path, templates: list[Path] = ()) -> list[Report]:
    """Build a spec folder, print every document with LibreOffice and audit each PDF."""
    from perfdoc.make.pipeline import build
    from perfdoc.output.render import project_data
    result = build(specs, output=work / "out", templates=templates, force=True)
    if result.specs.has_errors:
        raise SystemExit("\n".join(p.format() for p in result.specs.problems if p.is_error))
    # written in plan order: each project's form, then the 汇总表 of them all
    documents = list(result.written)
    pdfs = to_pdf(documents, work / "pdf", work / "profile")
    printed = [project_data(p) for p in result.specs.projects]
    kind = result.specs.unit.kind
    groups = [[data] for data in printed] + ([printed] if len(documents) > len(printed) else [])
    return [audit(pdf, projects, kind, kind.template) for pdf, projects in zip(pdfs, groups)]


GROWING = ("年度总体目标", "预期目标", "实际完成情况", "项目概况")  # one row's long texts, in each kind


def sweep_unit(folder: Path, count: int, template_spec: Path, step: int = 24) -> Path:
    """A unit of `count` copies of one project, each with a long text some characters longer than
    the last, so that among them the table ends at every height of a page."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template_spec.parent / "单位.yaml", folder / "单位.yaml")
    text = template_spec.read_text(encoding="utf-8")
    lines = [m.group(0) for key in GROWING for m in re.finditer(r"^%s: .*$" % key, text, re.M)]
    for number in range(1, count + 1):
        body = text
        for line in lines:
            body = body.replace(line, line.split(":")[0] + ": " + "甲" * (step * number))
        body = re.sub(r"^项目名称: (.*)$", lambda m: f"项目名称: {m.group(1)}{number:03d}", body, flags=re.M)
        (folder / f"{number:03d}.yaml").write_text(body, encoding="utf-8")
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--sweep", type=int, default=0, help="also N copies of each folder's first project, growing")
    parser.add_argument("--keep", type=Path, help="keep the built documents and PDFs here")
    parser.add_argument("--templates", type=Path, action="append", default=[], help="as perfdoc build --templates")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="page_audit_"))
    failed = False
    for index, folder in enumerate(args.folders):
        targets = [folder]
        if args.sweep:
            first = sorted(p for p in folder.glob("*.yaml") if p.name != "单位.yaml")[0]
            targets.append(sweep_unit(work / f"sweep{index}" / "specs", args.sweep, first))
        for target in targets:
            for report in audit_folder(target, work / f"{index}-{target.name}", args.templates):
                print(report.summary())
                failed |= bool(report.empty)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
