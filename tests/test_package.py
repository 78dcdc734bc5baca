"""The package writer writes what zipfile writes, with parts deflated once and reused."""
from __future__ import annotations

import io
import zipfile

from perfdoc.output.package import COMPRESS_LEVEL, deflate, zip_bytes

PARTS = [("[Content_Types].xml", b"<Types/>" * 50), ("word/document.xml", "<w:t>汇总表 &amp;</w:t>".encode() * 500),
         ("word/styles.xml", b"")]


def test_the_bytes_are_those_zipfile_writes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in PARTS:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            package.writestr(info, data, zipfile.ZIP_DEFLATED, COMPRESS_LEVEL)
    assert zip_bytes([deflate(name, data) for name, data in PARTS]) == buffer.getvalue()


def test_a_part_deflated_once_serves_many_packages():
    styles = deflate("word/styles.xml", b"<w:styles/>" * 100)
    for text in (b"<a/>", b"<b/>"):
        package = zipfile.ZipFile(io.BytesIO(zip_bytes([deflate("word/document.xml", text), styles])))
        assert package.testzip() is None
        assert package.read("word/document.xml") == text
        assert package.read("word/styles.xml") == b"<w:styles/>" * 100
