"""perfdoc import: specs from the forms a unit already has — Word, PDF, Excel.

    perfdoc import 去年的汇总表.docx -o specs/2025        → specs/2025/单位.yaml, 01_….yaml …

Each reader turns a foreign file into lines and table rows (docx.py, pdf.py) or rows of a sheet
(xlsx.py); forms.py reads the forms out of them by their labels, where the kind's template says
each field is printed (layout.py); specs.py makes the unit's spec files; the files are written
only when every input was read, and then validated like any spec.
"""
from .importer import ImportResult, import_files

__all__ = ["ImportResult", "import_files"]
