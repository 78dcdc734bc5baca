"""The floor for `perfdoc validate`: only parse every spec in a folder with libyaml, check nothing.

    python bench/libyaml_parse.py SPEC_FOLDER
"""
import sys
from pathlib import Path

import yaml

for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
