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


def test_pieces_deflated_apart_make_one_part_that_zipfile_reads():
    from perfdoc.output.package import assembled_part, deflate_piece
    texts = [b"<w:document><w:body>", "<w:p>项目 &amp; 表</w:p>".encode() * 500, b"", b"</w:body></w:document>"]
    package = zipfile.ZipFile(io.BytesIO(zip_bytes([assembled_part("word/document.xml",
                                                                   [deflate_piece(t) for t in texts])])))
    assert package.testzip() is None
    assert package.read("word/document.xml") == b"".join(texts)


def test_crc_of_pieces_without_their_bytes():
    import zlib
    from perfdoc.output.package import crc32_combine
    a, b = b"head" * 1000, bytes(range(256)) * 5000  # b longer than the zero buffer's megabyte
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b""), 0) == zlib.crc32(a)


def test_a_streamed_package_is_the_zip_of_the_same_parts(tmp_path):
    from perfdoc.output.package import PackageStream, Piece, assembled_part, deflate_piece
    pieces = [deflate_piece(f"<w:p>{i}</w:p>".encode() * 100) for i in range(50)]
    styles = deflate("word/styles.xml", b"<w:styles/>" * 100)
    whole = zip_bytes([styles, assembled_part("word/document.xml", pieces), styles])
    with open(tmp_path / "a.docx", "wb") as file:
        stream = PackageStream(file, [styles, "word/document.xml", styles])
        for piece in pieces:  # as sent back by a -j worker: without the XML itself
            stream.add(Piece(piece.deflated, piece.crc, piece.size))
        stream.close()
    assert (tmp_path / "a.docx").read_bytes() == whole
