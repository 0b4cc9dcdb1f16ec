"""The real published disclosures run clean and give the figures printed on their pages.

Each case below was checked by eye against the page image (page numbers are
the PDF's, 1-based).  The shared folder holds the files; tests skip when it
is absent.
"""

from __future__ import annotations

from functools import cache

import pytest

from decextract import Figure, extract
from decextract.records import to_dict


@cache
def _figures(path) -> tuple[dict, ...]:
    return tuple(to_dict(r) for r in extract(path) if isinstance(r, Figure))


def _find(real_dir, name, page, text, label_part):
    figs = [f for f in _figures(real_dir / name)
            if f["prov"]["page"] == page and f["text"] == text and label_part in (f["label"] or "")]
    assert figs, f"{name} p.{page}: no figure {text!r} labelled …{label_part}…"
    return figs[0]


@pytest.mark.parametrize("name", [
    "jiangsu-jianchayuan-2019-yusuan.pdf", "putuo-shangwuwei-2025-yusuan.pdf",
    "putuo-shehuigongzuobu-2024-juesuan.pdf", "putuo-sifaju-2026-yusuan.pdf", "putuo-sifaju-2026-yusuan.xlsx",
])
def test_runs_clean_with_sound_provenance(real_dir, name):
    figs = _figures(real_dir / name)
    assert figs, name
    for f in figs:
        prov = f["prov"]
        assert prov["context"][prov["start"]:prov["end"]] == f["text"]
        if name.endswith(".pdf"):
            assert prov["page"] and prov["bbox"], f
            x0, top, x1, bottom = prov["bbox"]
            assert x0 <= x1 and top <= bottom


# (file, page, text, label part, value, unit, year, relation, direction)
CASES = [
    ("putuo-shehuigongzuobu-2024-juesuan.pdf", 17, "105.58万元", "基本支出", "1055800", "元", 2024, "value", None),
    ("putuo-shehuigongzuobu-2024-juesuan.pdf", 17, "34.30%", "基本支出", "34.3", "%", 2024, "share", None),
    ("putuo-shehuigongzuobu-2024-juesuan.pdf", 17, "202.24万元", "项目支出", "2022400", "元", 2024, "value", None),
    ("putuo-shehuigongzuobu-2024-juesuan.pdf", 17, "100.00%", "收入支出总计", "100", "%", 2024, "change_rate", "increase"),
    ("putuo-sifaju-2026-yusuan.pdf", 8, "9628.22万元", "收入预算", "96282200", "元", 2026, "value", None),
    ("putuo-sifaju-2026-yusuan.pdf", 8, "1690.69万元", "预算执行数", "16906900", "元", 2025, "value", None),
    ("putuo-sifaju-2026-yusuan.pdf", 8, "1.07%", "", "1.07", "%", 2026, "change_rate", "decrease"),
    ("putuo-sifaju-2026-yusuan.pdf", 8, "1672.67万元", "公共安全支出司法行政运行", "16726700", "元", 2026, "value", None),
    ("jiangsu-jianchayuan-2019-yusuan.pdf", 25, "2214.39万元", "收、支预算总计", "22143900", "元", 2019, "change", "increase"),
    ("jiangsu-jianchayuan-2019-yusuan.pdf", 25, "16,593.12万元", "公共安全", "165931200", "元", 2019, "value", None),
    ("jiangsu-jianchayuan-2019-yusuan.pdf", 25, "2.94 %", "社会保障和就业", "2.94", "%", 2019, "change_rate", "increase"),
]


@pytest.mark.parametrize("name, page, text, label, value, unit, year, relation, direction", CASES,
                         ids=[f"{c[0][:12]}-p{c[1]}-{c[2]}" for c in CASES])
def test_hand_checked_figure(real_dir, name, page, text, label, value, unit, year, relation, direction):
    f = _find(real_dir, name, page, text, label)
    assert (f["value"], f["unit"], f["year"], f["relation"], f["direction"]) == (value, unit, year, relation, direction)
