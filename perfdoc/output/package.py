"""Write a .docx package (a zip) from parts deflated ahead of time.

A template's styles, settings, fonts and relationships are the same in every document rendered
from it. zipfile would deflate them again for each of a thousand documents — more than half
the cost of packaging a one-project form — so each is deflated once (`deflate`) and copied.

The bytes are those zipfile writes for the same parts at the same level (same headers, a fixed
1980-01-01 date): equal input gives equal output, so unchanged documents are recognisable.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

# zlib level 3: the form's XML deflates to 3.6 KB at twice the speed of level 6's 3.1 KB
# (measured on 1000 synthetic forms: 0.11 s against 0.25 s; the 1000-project 汇总表 is 2.8 MB
# instead of 2.2 MB). Every level is equally valid to Word, WPS and LibreOffice.
COMPRESS_LEVEL = 3
_DOS_DATE_1980_01_01 = (0, 0x21)  # (time, date) in the zip's DOS format
_ZIP_VERSION = 20                  # 2.0: deflate
_MADE_BY_UNIX = 3 << 8 | _ZIP_VERSION
_FILE_MODE_0600 = 0o600 << 16
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP32_LIMIT = 0xFFFFFFFF


class PackageTooLarge(Exception):
    """A part exceeds what a plain (non-zip64) package holds: 4 GiB."""


@dataclass(frozen=True)
class Part:
    """One deflated entry of the package."""
    name: str
    crc: int
    size: int
    deflated: bytes


def deflate(name: str, data: bytes) -> Part:
    """Compress one part as a zip entry (raw deflate, the zip's own framing)."""
    if len(data) >= _ZIP32_LIMIT:
        raise PackageTooLarge(f"{name} 超过 4 GiB，无法写入 .docx")
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    deflated = compressor.compress(data) + compressor.flush()
    return Part(name, zlib.crc32(data), len(data), deflated)


def zip_bytes(parts: list[Part]) -> bytes:
    """The bytes of a zip holding `parts` in this order."""
    chunks, directory, offset = [], [], 0
    time, date = _DOS_DATE_1980_01_01
    for part in parts:
        name = part.name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0  # bit 11: the name is UTF-8
        chunks.append(_LOCAL_HEADER.pack(b"PK\x03\x04", _ZIP_VERSION, flags, zlib.DEFLATED, time, date,
                                         part.crc, len(part.deflated), part.size, len(name), 0))
        chunks += [name, part.deflated]
        directory.append(_CENTRAL_HEADER.pack(
            b"PK\x01\x02", _MADE_BY_UNIX, _ZIP_VERSION, flags, zlib.DEFLATED, time, date, part.crc,
            len(part.deflated), part.size, len(name), 0, 0, 0, 0, _FILE_MODE_0600, offset) + name)
        offset += _LOCAL_HEADER.size + len(name) + len(part.deflated)
    if offset >= _ZIP32_LIMIT:
        raise PackageTooLarge("文档压缩后超过 4 GiB，无法写入 .docx")
    central = b"".join(directory)
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), len(central), offset, 0)
    return b"".join(chunks) + central + end
