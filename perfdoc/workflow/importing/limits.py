"""Bounds on files from elsewhere: a form is small, so anything huge or strange is refused early.

Word and Excel files are zip archives of XML. A zip bomb (a few KB that inflate to gigabytes), an
XML entity bomb (a DOCTYPE declaring entities that expand exponentially), a password-protected
file (an OLE container, not a zip) or an old .doc/.xls is refused here, before any library parses
it, with one Chinese line saying what the file is and what to do.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .grid import Refused

MAX_FILE_BYTES = 50 * 1024 * 1024        # a unit's 汇总表 with 40 projects is a few MB
MAX_UNPACKED_BYTES = 200 * 1024 * 1024   # all members of a .docx/.xlsx together, inflated
MAX_MEMBERS = 5000
MAX_RATIO = 200                          # inflated ÷ compressed, for members above 1 MB
MAX_PDF_PAGES = 500
MAX_PAGE_CHARS = 100_000                 # a dense A4 page of Chinese holds about 3,000
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 200

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Refused(f"无法读取：{exc.strerror or exc}") from None
    if size == 0:
        raise Refused("文件是空的")
    if size > MAX_FILE_BYTES:
        raise Refused(f"文件有 {size // (1024 * 1024)} MB，超过 {MAX_FILE_BYTES // (1024 * 1024)} MB：不像一份绩效表，未读取")


def check_office_zip(path: Path, what: str) -> None:
    """Refuse what is not a sound Office zip: encrypted, old binary format, corrupt, or a bomb."""
    check_size(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise Refused(f"文件有密码保护：请在 Word/WPS/Excel 中取消密码（或另存一份无密码的 {what}）后再导入")
        raise Refused(f"这是旧版 Office 97-2003 格式（.doc/.xls）：请在 Word/WPS/Excel 中另存为 {what} 后再导入")
    if not zipfile.is_zipfile(path):
        raise Refused(f"不是有效的 {what} 文件（文件已损坏，或只是改了扩展名）")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise Refused(f"压缩包中有 {len(members)} 个部件，超过 {MAX_MEMBERS}：不像一份绩效表，未读取")
            total = sum(m.file_size for m in members)
            if total > MAX_UNPACKED_BYTES:
                raise Refused(f"解压后有 {total // (1024 * 1024)} MB，超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB"
                              f"（可能是“压缩炸弹”），未读取")
            for member in members:
                if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                    raise Refused(f"部件 {member.filename} 的压缩比异常（可能是“压缩炸弹”），未读取")
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        prolog = part.read(4096)
                    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                        raise Refused(f"部件 {member.filename} 含有 DOCTYPE/实体声明（Office 文件从不需要，"
                                      f"可能是 XML 炸弹），未读取")
    except zipfile.BadZipFile as exc:
        raise Refused(f"不是有效的 {what} 文件（压缩包已损坏：{exc}）") from None
    except (OSError, RuntimeError, NotImplementedError) as exc:  # encrypted zip members, odd methods
        raise Refused(f"无法读取 {what} 压缩包：{exc}") from None
