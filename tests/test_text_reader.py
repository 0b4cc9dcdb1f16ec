"""The TXT reader: decoding, prose paragraphs, headings, and the flattened tables of the seed."""

from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import DATA, SAMPLES
from conftest import SEED as SEED_STEM

from decextract.errors import EncodingError
from decextract.model import Paragraph, Table
from decextract.readers import read_bytes, read_document
from decextract.readers.text import decode, read

# the seed and its gold are the project's own copies (samples/, tests/data/)
SEED = SAMPLES / f"{SEED_STEM}.txt"
PERF_GOLD = DATA / f"{SEED_STEM}.performance.json"


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.skip(f"seed sample not found at {SEED}")
    return read_document(SEED)


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


# --- decoding -------------------------------------------------------------------------------------------------

TEXT = "第一部分 部门概况\n2020年本年收入合计350.01万元。\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("gbk"),
        TEXT.encode("gb18030"),
        TEXT.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-bom"],
)
def test_decodes_supported_encodings(data):
    assert decode(data, "x.txt") == TEXT


def test_bom_does_not_reach_the_first_paragraph():
    doc = read(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "bom.txt", "0")
    assert doc.blocks[0].text == "第一部分 部门概况"
    assert doc.blocks[0].kind == "heading"


def test_undecodable_bytes_raise_encoding_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes("收入合计".encode() + b"\xff\xfe\xfd abc \x81\x20 end\n")
    with pytest.raises(EncodingError) as err:
        read_document(bad)
    assert "broken.txt" in str(err.value)
    assert err.value.path == str(bad)


def test_decoding_to_control_characters_is_rejected():
    with pytest.raises(EncodingError) as err:
        decode(b"abc" + bytes(range(1, 9)) * 20, "ctl.txt")
    assert "ctl.txt" in str(err.value)
    assert decode("表\t1\f\r\n".encode(), "ok.txt") == "表\t1\f\r\n"  # TAB, FF, CR, LF are text


def test_gbk_file_through_read_document(tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes("一、收入决算情况说明\n其中：一般公共预算财政拨款收入339.84万元。\n".encode("gbk"))
    doc = read_document(f)
    assert doc.format == "txt"
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph"]
    assert doc.blocks[1].section == ("一、收入决算情况说明",)


# --- prose ----------------------------------------------------------------------------------------------------

def test_paragraph_text_is_the_file_line_exactly(seed):
    lines = SEED.read_text("utf-8-sig").split("\n")
    texts = {b.text for b in seed.paragraphs()}
    # leading ASCII and ideographic spaces and trailing spaces are kept
    for raw in ("    本部门在2020年度部门决算中反映5个项目绩效目标实际完成情况。",
                "　　公用经费24.12万元，主要包括：办公费、手续费、水费、电费、邮电费、差旅费、维修（护）费、租赁费、"):
        line = next(x for x in lines if x.startswith(raw))
        assert line in texts
    assert "4.其他收入：指单位取得的除上述收入以外的各项收入。主要是…（收入类型）等。 " in texts


def test_blocks_are_indexed_in_reading_order(seed):
    assert [b.index for b in seed.blocks] == list(range(len(seed.blocks)))
    assert all(b.page is None for b in seed.blocks)
    assert seed.format == "txt" and seed.source == str(SEED)


def test_headings_and_section_paths(seed):
    heads = {b.text.strip(): b.level for b in seed.paragraphs() if b.is_heading}
    assert heads["第一部分 部门概况"] == 1
    assert heads["一、基本职能及主要工作"] == 2
    assert heads["（四）预算绩效管理情况。"] == 3
    assert heads["1.项目绩效目标完成情况。"] == 4
    # numbered list items are prose: long ones, and short ones continuing a prose list, and definitions
    prose = {b.text.strip() for b in seed.paragraphs() if not b.is_heading}
    assert "10.完成区委交办的其他任务。" in prose
    assert "1.财政拨款收入：指单位从同级财政部门取得的财政预算资金。" in prose
    assert "32.……。" in prose
    p = next(b for b in seed.paragraphs() if b.text.startswith("2020年本年收入合计350.01万元"))
    assert p.section == ("第二部分度部门决算情况说明", "二、收入决算情况说明")
    # a heading's section is its parents, not its previous sibling
    h = next(b for b in seed.paragraphs() if b.text == "二、收入决算情况说明")
    assert h.section == ("第二部分度部门决算情况说明",)


# --- the seed's flattened performance tables ------------------------------------------------------------------

def test_five_six_column_tables_with_captions_before_them(seed):
    tables = list(seed.tables())
    assert len(tables) == 5
    for t in tables:
        assert t.n_cols == 6
        assert [seed.blocks[t.index - 2].text, seed.blocks[t.index - 1].text] == ["项目绩效目标完成情况表", "(2020年度)"]
        assert t.title is None and t.unit is None and t.header_rows == 0
        assert t.section[-1] == "1.项目绩效目标完成情况。"


def test_merged_cells_match_the_word_original(seed):
    t = next(seed.tables())
    spans = {(c.row, c.col): (c.rowspan, c.colspan, c.text) for c in t.cells}
    assert spans[(0, 1)] == (1, 5, "矛盾纠纷多元化解（大调解）专项经费")
    assert spans[(2, 0)] == (3, 1, "预算执行情况(万元)")
    assert spans[(2, 4)] == (1, 2, "5")
    assert spans[(5, 0)] == (2, 1, "年度目标完成情况")
    assert spans[(5, 1)] == (1, 2, "预期目标")
    assert spans[(5, 3)] == (1, 3, "实际完成目标")
    assert spans[(7, 0)] == (10, 1, "绩效指标完成情况")
    assert (3, 0) not in spans  # covered by the merged cell above: stored once
    # a cell wrapped onto a line without TAB is joined back without a separator
    assert spans[(11, 2)] == (1, 1, "经济效益指标")
    # every grid slot is covered exactly once
    covered = [(r, k) for c in t.cells for r in range(c.row, c.row + c.rowspan)
               for k in range(c.col, c.col + c.colspan)]
    assert sorted(covered) == [(r, k) for r in range(t.n_rows) for k in range(6)]


def test_grid_recovers_the_gold_performance_tables(seed):
    if not PERF_GOLD.exists():
        pytest.skip(f"performance gold not found at {PERF_GOLD}")
    gold = json.loads(PERF_GOLD.read_text("utf-8"))
    tables = list(seed.tables())
    assert len(tables) == len(gold)
    n_indicators = 0
    for t, g in zip(tables, gold, strict=True):
        rows = t.text_rows()
        assert norm(rows[0][1]) == norm(g["project"])
        assert norm(rows[1][1]) == norm(g["unit"])
        assert [rows[2][2], rows[3][2], rows[4][2]] == [g["budget"]["total"], g["budget"]["fiscal"], g["budget"]["other"]]
        assert [rows[2][4], rows[3][4], rows[4][4]] == [g["executed"]["total"], g["executed"]["fiscal"],
                                                        g["executed"]["other"]]
        assert norm(rows[6][1]) == norm(g["goal_expected"])
        assert norm(rows[6][3]) == norm(g["goal_actual"])
        header = next(r for r, row in enumerate(rows) if row[1] == "一级指标")
        got = [[norm(x) for x in row[1:6]] for row in rows[header + 1:]]
        want = [[norm(i[k]) for k in ("level1", "level2", "level3", "expected", "actual")] for i in g["indicators"]]
        assert got == want
        n_indicators += len(got)
    assert n_indicators == 46


# --- flattened-table rules on small inputs --------------------------------------------------------------------

def read_text(text: str):
    return read(text.encode("utf-8"), "t.txt", "0")


def test_lone_tab_outside_the_first_column_is_an_empty_cell():
    doc = read_text("\t甲\n\t乙\n\t丙\n\n\t1\n\t\n\t3\n")
    (t,) = doc.tables()
    assert t.text_rows() == [["甲", "乙", "丙"], ["1", "", "3"]]
    assert all(c.rowspan == 1 for c in t.cells)


def test_lone_tab_first_column_merges_downwards_only_under_text():
    doc = read_text("\t\n\tA\n\tB\n\n\t\n\tC\n\tD\n")
    (t,) = doc.tables()
    assert [(c.row, c.col, c.rowspan) for c in t.cells if c.col == 0] == [(0, 0, 1), (1, 0, 1)]
    doc = read_text("\t合计\n\tA\n\tB\n\n\t\n\tC\n\tD\n")
    (t,) = doc.tables()
    assert t.text_rows() == [["合计", "A", "B"], ["合计", "C", "D"]]
    assert len(t.cells) == 5


def test_two_blank_lines_end_a_table_and_prose_resumes():
    doc = read_text("说明如下：\n\t标题表\n\n\ta\n\tb\n\n\tc\n\td\n\n\n\tx\n\ty\n\n\tz\n\tw\n\n\n后记。\n")
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Table", "Paragraph"]
    assert doc.blocks[1].text == "标题表"
    assert doc.blocks[2].text_rows() == [["a", "b"], ["c", "d"]]
    assert doc.blocks[3].text_rows() == [["x", "y"], ["z", "w"]]
    assert doc.blocks[4].text == "后记。"


def test_tab_indented_lines_without_a_row_of_cells_are_paragraphs():
    doc = read_text("前言\n\t缩进的一行\n\n正文。\n")
    assert all(isinstance(b, Paragraph) for b in doc.blocks)
    assert [b.text for b in doc.blocks] == ["前言", "缩进的一行", "正文。"]


def test_tab_indented_prose_is_not_a_table():
    # paragraphs indented with a TAB and no blank lines between them form one "row": still prose
    doc = read_text("\t第一段，收入10万元。\n\t第二段，支出5万元。\n\n\t第三段。\n\t第四段。\n")
    assert [b.text for b in doc.blocks] == ["第一段，收入10万元。", "第二段，支出5万元。", "第三段。", "第四段。"]
    assert all(isinstance(b, Paragraph) for b in doc.blocks)
    # a single row of cells is not enough for a table either
    doc = read_text("\t项目\n\t金额\n")
    assert [b.text for b in doc.blocks] == ["项目", "金额"]


def test_windows_line_breaks_do_not_leak_into_text():
    doc = read_text("一、概况\r\n收入10万元。\r\n\r\n\ta\r\n\tb\r\n\r\n\tc\r\n\td\r\n")
    assert [b.text for b in doc.paragraphs()] == ["一、概况", "收入10万元。"]
    (t,) = doc.tables()
    assert isinstance(t, Table) and t.text_rows() == [["a", "b"], ["c", "d"]]


def test_read_bytes_dispatches_text():
    doc = read_bytes("收入合计350.01万元。".encode("gb18030"), "mem.txt")
    assert doc.format == "txt" and doc.blocks[0].text == "收入合计350.01万元。"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_recognised(encoding):
    doc = read_bytes(TEXT.encode(encoding), "x.txt")
    assert [b.text for b in doc.blocks] == ["第一部分 部门概况", "2020年本年收入合计350.01万元。"]
    assert doc.warnings == ()


@pytest.mark.parametrize(("data", "cut"), [
    (TEXT.encode("utf-8") + "收".encode()[:2], 2),
    (TEXT.encode("utf-16-le")[:-1], 1),
    (TEXT.encode("utf-16")[:-1], 1),
    (TEXT.encode("gb18030") + "收".encode("gb18030")[:1], 1),
])
def test_a_file_cut_inside_its_last_character_loses_only_that_character(data, cut):
    doc = read_bytes(data, "cut.txt")
    assert doc.blocks[0].text == "第一部分 部门概况"
    assert [n.code for n in doc.warnings] == ["truncated_character"]
    assert f"last {cut} byte" in doc.warnings[0].message


def test_a_bad_byte_in_the_middle_is_still_an_encoding_error():
    with pytest.raises(EncodingError):
        decode(TEXT.encode("utf-8")[:5] + b"\xff\xfe\xfd" * 50 + TEXT.encode("utf-8")[5:], "mid.txt")
