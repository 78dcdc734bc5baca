"""A unit's spec folder: its 单位.yaml and the project files, in the order the 汇总表 prints them."""
from __future__ import annotations

import os
import re
from pathlib import Path

UNIT_FILE_NAMES = ("单位.yaml", "单位.yml")
SPEC_SUFFIXES = (".yaml", ".yml")


class UsageError(Exception):
    """The command was pointed at something that is not a spec folder."""


def find_unit_file(folder: Path) -> Path:
    if not folder.is_dir():
        raise UsageError(f"找不到规格文件夹：{folder}")
    for name in UNIT_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    for name in UNIT_FILE_NAMES:
        if os.path.lexists(folder / name):  # a folder, a FIFO, a dangling link: not "no unit file"
            raise UsageError(f"{folder / name} 不是普通文件（单位文件应是一个 YAML 文本文件）")
    raise UsageError(f"{folder} 中没有单位文件 单位.yaml（写明 单位、年度 与各项目共用的 主管部门、实施单位）")


def project_files(folder: Path) -> list[Path]:
    """Every project spec in the folder, in natural file-name order (2_… before 10_…)."""
    # .YAML as saved by Windows tools is a spec too; a hidden file (.x.yaml) is not
    files = [p for p in folder.iterdir()
             if p.suffix.lower() in SPEC_SUFFIXES and p.name not in UNIT_FILE_NAMES and not p.name.startswith(".")]
    return sorted(files, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)])
