"""A unit's spec folder: its 单位.yaml and the project files, in the order the 汇总表 prints them."""
from __future__ import annotations

import os
import re
from pathlib import Path

UNIT_FILE_NAMES = ("单位.yaml", "单位.yml")
SPEC_SUFFIXES = (".yaml", ".yml")
_DIGITS = re.compile(r"(\d+)")


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
    return [folder / name for name in project_file_names(folder)]


def project_file_names(folder: Path) -> list[str]:
    """project_files' names: a no-op rebuild of 10,000 specs lists them all, and pathlib's
    per-entry objects cost more than the listing itself. (.YAML as saved by Windows tools is a
    spec too; a hidden file (.x.yaml) is not.)"""
    names = listed_project_file_names(folder)
    names.sort(key=lambda name: [int(t) if t.isdigit() else t for t in _DIGITS.split(name)])
    return names


def listed_project_file_names(folder: Path) -> list[str]:
    """project_file_names in the folder listing's order: for a no-op rebuild, which knows the
    order of the names it recorded and need not sort 10,000 of them again."""
    return [name for name in os.listdir(folder) if name.lower().endswith(SPEC_SUFFIXES)
            and name not in UNIT_FILE_NAMES and not name.startswith(".")]


def builtin_dir() -> Path:
    """The folder of the built-in kinds: templates/ beside the package in a checkout, else the
    installed data package perfdoc.templates (setup.cfg maps templates/ to it). (Here, not in
    kinds.py: a no-op rebuild digests the folder without loading YAML or the kinds.)"""
    checkout = Path(__file__).resolve().parents[2] / "templates"  # perfdoc/input/folder.py → the checkout
    if (checkout / "申报表.yaml").is_file():
        return checkout
    from importlib.resources import files
    return Path(str(files("perfdoc.templates")))
