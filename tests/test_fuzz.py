"""Property tests: no spec, however generated or mangled, gives a traceback; every generated spec
that validates builds a .docx that python-docx opens (and LibreOffice converts a sample)."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import SPECS, squash
from perfdoc.make.pipeline import build, read_specs

UNIT = (SPECS / "2025" / "单位.yaml").read_text(encoding="utf-8")
# every example of every kind (申报表, 自评表, 2020 目标表), mutated beside its own unit file
EXAMPLES = sorted(p for p in SPECS.glob("*/*.yaml") if p.name != "单位.yaml")
# PERFDOC_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("PERFDOC_FUZZ_EXAMPLES", 60)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text an author (or a bad paste) might produce: CJK, XML specials, Jinja, quotes, controls.
awkward_text = st.text(
    alphabet=st.one_of(st.sampled_from(list("项目绩效指标≥≤=()（）%&<>\"'{}#:-|*!,. \n\t")),
                       st.characters(blacklist_categories=("Cs",))),
    max_size=40)
level1 = st.sampled_from(["成本指标", "产出指标", "效益指标", "满意度指标", "效果指标", ""])
level2 = st.sampled_from(["经济成本指标", "数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标", "", "其他"])
value = st.one_of(awkward_text, st.sampled_from(["=2(场)", "≥90.00(%)", "≤130.00(万元)", "≥ 90 (百分比)", "=5-10家企业", ""]),
                  st.builds(lambda op, n, u: f"{op}{n}({u})", st.sampled_from(["=", "≥", "≤", ">=", "＞"]),
                            st.decimals(0, 10**9, places=2, allow_nan=False), st.sampled_from(["%", "万元", "元", "场"])))
amount = st.one_of(st.decimals(0, 10**10, places=2, allow_nan=False).map(str),
                   st.decimals(0, 10**10, places=2, allow_nan=False).map(lambda d: f"{d:,.2f}"),
                   awkward_text, st.none())
row = st.fixed_dictionaries({"一级指标": level1, "二级指标": level2, "三级指标": awkward_text, "指标值": value})
project = st.fixed_dictionaries({
    "项目名称": awkward_text, "项目性质": st.sampled_from(["其他一次性项目", "其他经常性项目", "x"]),
    "项目类别": st.sampled_from(["特定目标类", "其他运转类"]),
    "计划开始日期": st.sampled_from(["2025-01-01", "2025-02-30", "2024-12-31", "明年"]),
    "计划完成日期": st.sampled_from(["2025-12-31", "2025-06-30"]),
    "项目资金": st.fixed_dictionaries({"年度资金申请总额": amount, "当年财政拨款": amount, "上年结转资金": amount,
                                    "其他资金": amount}),
    "年度总体目标": awkward_text, "绩效指标": st.lists(row, max_size=12),
}, optional={"项目总目标": awkward_text, "未知键": awkward_text})


def write_unit(folder: Path, specs: dict[str, str | bytes], unit: str = UNIT) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "单位.yaml").write_text(unit, encoding="utf-8")
    for name, text in specs.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def balanced(data: dict) -> dict:
    """Half the generated specs get consistent funding, so that many of them validate and build."""
    funds = data["项目资金"]
    try:
        from decimal import Decimal
        parts = [Decimal(str(funds[k]).replace(",", "")) for k in ("当年财政拨款", "上年结转资金", "其他资金")]
        funds["年度资金申请总额"] = f"{sum(parts):,.2f}"
    except Exception:
        pass
    return data


@FUZZ
@given(data=project, fix_funds=st.booleans())
def test_generated_specs_never_crash_and_valid_ones_build(tmp_path, data, fix_funds):
    if fix_funds:
        data = balanced(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    folder = write_unit(tmp_path / "gen", {"01_项目.yaml": text})
    specs = read_specs(folder)
    if specs.has_errors:
        return
    result = build(folder, output=tmp_path / "out")
    assert len(result.written) == 2
    for path in result.written:
        document = docx.Document(io.BytesIO(path.read_bytes()))
        assert document.tables, path


def mutate(text: str, ops) -> str:
    lines = text.splitlines(keepends=True)
    for op, i, junk in ops:
        if not lines:
            break
        i %= len(lines)
        if op == "drop":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines[i] = lines[i][: len(junk) % (len(lines[i]) + 1)] + junk + lines[i][len(junk) % (len(lines[i]) + 1):]
        elif op == "swap":
            j = (i + 1) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
    return "".join(lines)


mutation = st.tuples(st.sampled_from(["drop", "duplicate", "insert", "swap", "indent", "dedent"]),
                     st.integers(0, 500), st.text(max_size=6))


@FUZZ
@given(spec=st.sampled_from(EXAMPLES), ops=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_fixture_specs_never_crash(tmp_path, spec, ops):
    folder = write_unit(tmp_path / "mut", {spec.name: mutate(spec.read_text(encoding="utf-8"), ops)},
                        unit=(spec.parent / "单位.yaml").read_text(encoding="utf-8"))
    specs = read_specs(folder)
    for problem in specs.problems:
        assert problem.line >= 1 and problem.message
    if not specs.has_errors:
        build(folder, output=tmp_path / "out")


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path, raw):
    folder = write_unit(tmp_path / "bytes", {"01_x.yaml": raw})
    read_specs(folder)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_a_sample_of_generated_documents(tmp_path):
    """One soffice start converts a handful of generated, valid documents with awkward text."""
    samples = []
    texts = ["技术+金融 <A&B> 模式 {{ 项目名称 }} {% if %} \"引号\" 'x'", "第一段\n第二段\n\n第四段", "😀 𠀀 ①②③ ＆"]
    base = (SPECS / "2026" / "01_企业科技创新服务.yaml").read_text(encoding="utf-8")
    for i, text in enumerate(texts):
        spec = base.replace("项目名称: 企业科技创新服务", f"项目名称: 样本{i}").replace(
            "三级指标: 活动完成及时性", "三级指标: " + yaml.safe_dump(text, allow_unicode=True).strip().removesuffix("\n...").removesuffix("..."))
        samples.append(spec)
    folder = write_unit(tmp_path / "lo", {f"{i:02d}.yaml": s for i, s in enumerate(samples)})
    (folder / "单位.yaml").write_text(UNIT.replace("2025", "2026"), encoding="utf-8")
    result = build(folder, output=tmp_path / "out")
    assert not result.specs.has_errors, [p.format() for p in result.specs.problems]
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, result.written)],
                   check=True, capture_output=True, timeout=300)
    assert len(list((tmp_path / "pdf").glob("*.pdf"))) == len(result.written)
    text = squash(subprocess.run(["pdftotext", str(tmp_path / "pdf" / "样本0.pdf"), "-"], capture_output=True,
                                 text=True, check=True).stdout)
    # printed literally; the cell wraps, and pdftotext may read the value cell beside it in between
    first, second = squash("技术+金融 <A&B> 模式 {{"), squash("项目名称 }} {% if %}")
    assert first in text and second in text[text.index(first):]
