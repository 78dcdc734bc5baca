"""The tightened near-limit writer: the near-limit writer with its last repeated work removed.

The near-limit writer (near_limit.py) builds each form's XML once but deflates the 汇总表 whole,
a second compression of every form, and holds it as one string. This one deflates each form's
XML once, as a piece that ends on a byte boundary, writes the form's document from it, and
appends the same piece to the 汇总表, streamed to its file (perfdoc.output.package.PackageStream):
no form is rendered or compressed twice, and memory does not grow with the unit. It writes the
same bytes as perfdoc. A harder yardstick: hand-written for this one form, no validation.

    python bench/tight_writer.py SPEC_FOLDER OUT_FOLDER
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from near_limit import Form, read_project  # noqa: E402  (bench/ is not a package)
from perfdoc.output.package import PackageStream, assembled_part, deflate_piece, zip_bytes  # noqa: E402

BODY = "word/document.xml"


class TightForm(Form):
    def pieces(self, project_xml: str, first: bool) -> list:
        return [deflate_piece(b"" if first else self.page_break.encode("utf-8")),
                deflate_piece(project_xml.encode("utf-8"))]

    def parts(self, body) -> list:
        return [body if name == BODY else part for name, part in self.deflated]

    def form_document(self, form_piece) -> bytes:
        pieces = [self.head_piece, self.first_break, form_piece, self.tail_piece]
        return zip_bytes(self.parts(assembled_part(BODY, pieces)))


def main(specs: Path, out: Path) -> None:
    unit = yaml.load((specs / "单位.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    form = TightForm()
    form.head_piece, form.tail_piece = deflate_piece(form.head.encode("utf-8")), deflate_piece(form.tail.encode("utf-8"))
    form.first_break, page_break = deflate_piece(b""), deflate_piece(form.page_break.encode("utf-8"))
    title = f"{unit['单位']}{unit['年度']}年度项目绩效目标汇总表"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"{title}.docx", "wb") as summary:
        stream = PackageStream(summary, form.parts(BODY))
        stream.add(deflate_piece((form.head + form.title.fill({"汇总表标题": title})).encode("utf-8")))
        for number, path in enumerate(sorted(p for p in specs.glob("*.yaml") if p.name != "单位.yaml")):
            project = read_project(path, unit)
            piece = deflate_piece(form.project_xml(project).encode("utf-8"))
            (out / f"{project['项目名称']}.docx").write_bytes(form.form_document(piece))
            stream.add(form.first_break if number == 0 else page_break)
            stream.add(piece)
        stream.add(form.tail_piece)
        stream.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
