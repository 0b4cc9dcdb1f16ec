"""Builders of table fixtures: one layout written as a text grid, built as a model Table, a DOCX or an XLSX.

A layout is a list of blocks: a ``str`` is a line of text above or between
tables, a list of rows is a table.  In a row, ``"<"`` marks a slot merged with
the cell to its left and ``"^"`` a slot merged with the cell above.
"""

from __future__ import annotations

import io

import docx
import openpyxl

from decextract.model import Cell, Document, Paragraph, Table

Grid = list[list[str]]
Layout = list["str | Grid"]


def spans(grid: Grid) -> list[tuple[int, int, str, int, int]]:
    """``(row, col, text, rowspan, colspan)`` of every cell of ``grid`` at its top-left slot."""
    out = []
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if text in ("<", "^"):
                continue
            colspan = 1
            while c + colspan < len(row) and row[c + colspan] == "<":
                colspan += 1
            rowspan = 1
            while r + rowspan < len(grid) and grid[r + rowspan][c] == "^":
                rowspan += 1
            out.append((r, c, text, rowspan, colspan))
    return out


def model_table(grid: Grid, index: int = 0, page: int | None = None) -> Table:
    """The grid as a model :class:`Table` (title, unit and header rows unset, as readers leave them)."""
    cells = tuple(Cell(r, c, text, rs, cs, page=page) for r, c, text, rs, cs in spans(grid))
    return Table(index=index, cells=cells, n_rows=len(grid), n_cols=len(grid[0]), page=page)


def model_document(layout: Layout, source: str = "fixture") -> Document:
    """The layout as a :class:`Document` of paragraphs and tables, as a reader would give it."""
    blocks = []
    for i, block in enumerate(layout):
        blocks.append(Paragraph(i, block) if isinstance(block, str) else model_table(block, index=i))
    return Document(source=source, sha256="0" * 64, format="txt", blocks=tuple(blocks))


def docx_bytes(layout: Layout) -> bytes:
    """The layout as a Word document: paragraphs and tables with real merged cells."""
    document = docx.Document()
    for block in layout:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        table = document.add_table(rows=len(block), cols=len(block[0]))
        table.style = "Table Grid"
        for r, c, text, rowspan, colspan in spans(block):
            cell = table.cell(r, c)
            if rowspan > 1 or colspan > 1:
                cell = cell.merge(table.cell(r + rowspan - 1, c + colspan - 1))
            cell.text = text
        document.add_paragraph("")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes(layout: Layout) -> bytes:
    """The layout as one worksheet: lines in column A, tables with merged ranges, a blank row after each table."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "自评表"
    row = 1
    for block in layout:
        if isinstance(block, str):
            sheet.cell(row=row, column=1, value=block)
            row += 1
            continue
        for r, c, text, rowspan, colspan in spans(block):
            value: str | float = text
            plain = text.replace(".", "", 1)
            if plain.isdigit():
                value = float(text) if "." in text else int(text)
            sheet.cell(row=row + r, column=c + 1, value=value if text else None)
            if rowspan > 1 or colspan > 1:
                sheet.merge_cells(
                    start_row=row + r, start_column=c + 1, end_row=row + r + rowspan - 1, end_column=c + colspan
                )
        row += len(block) + 1
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# the three layouts besides the seed's

#: the common 项目支出绩效自评表 (amounts over 年度资金总额 / 其中:本年财政拨款 / 上年结转资金 / 其他资金)
COMMON: Layout = [
    "项目支出绩效自评表",
    "（2021年度）",
    [
        ["项目名称", "城市道路养护项目", "<", "<", "<", "<", "<", "<", "<"],
        ["主管部门", "某区住房和城乡建设局", "<", "<", "实施单位", "某区市政设施管理所", "<", "<", "<"],
        ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "<"],
        ["^", "年度资金总额", "120", "125.5", "118.3", "10", "94.26%", "9.43", "<"],
        ["^", "其中：本年财政拨款", "100", "105.5", "100.3", "—", "—", "—", "<"],
        ["^", "上年结转资金", "20", "20", "18", "—", "—", "—", "<"],
        ["^", "其他资金", "0", "0", "0", "—", "—", "—", "<"],
        ["年度总体目标", "预期目标", "<", "<", "<", "实际完成情况", "<", "<", "<"],
        ["^", "完成全区主次干道养护50公里，\n道路完好率不低于95%。", "<", "<", "<", "完成养护52公里，道路完好率96%。", "<", "<", "<"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["^", "产出指标", "数量指标", "道路养护里程", "≥50公里", "52公里", "20分", "20分", ""],
        ["^", "^", "质量指标", "道路完好率", "≥95%", "96%", "20", "20", ""],
        ["^", "^", "^", "验收合格率", "100%", "98%", "10", "9", "个别路段返工，\n下一步加强过程监管"],
        ["^", "效益指标", "社会效益指标", "道路通行状况", "明显改善", "明显改善", "20", "18", ""],
        ["^", "满意度指标", "服务对象满意度指标", "市民满意度", "≥90%", "92%", "10", "10", ""],
        ["总分", "<", "<", "<", "<", "<", "100", "86.43", ""],
    ],
]

#: the Sichuan 项目支出绩效自评表 (年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分; 指标性质, 度量单位)
SICHUAN: Layout = [
    "项目支出绩效自评表",
    "（2021年度）",
    [
        ["项目名称", "乡村振兴示范村建设", "<", "<", "<", "<", "<", "<", "<", "<", "<"],
        ["预算单位", "某县农业农村局", "<", "<", "<", "<", "<", "<", "<", "<", "<"],
        ["项目资金（万元）", "", "<", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "", "<"],
        ["^", "年度资金总额", "<", "300", "280", "266", "95%", "10", "9.5", "", "<"],
        ["^", "其中：财政拨款", "<", "300", "270", "256", "", "", "", "", "<"],
        ["^", "其他资金", "<", "0", "10", "10", "", "", "", "", "<"],
        ["年度总体目标", "预期目标", "<", "<", "<", "<", "实际完成目标", "<", "<", "<", "<"],
        ["^", "建成示范村5个，带动农户增收。", "<", "<", "<", "<", "建成示范村5个，带动180户增收。", "<", "<", "<", "<"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"],
        ["^", "产出指标", "数量指标", "建设示范村数量", "≥", "5", "个", "5", "30", "30", ""],
        ["^", "^", "时效指标", "完成时间", "≤", "12", "月", "11", "20", "20", ""],
        ["^", "效益指标", "社会效益指标", "带动农户增收户数", "≥", "200", "户", "180", "20", "18", "部分农户未纳入"],
        ["^", "满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90", "%", "93", "20", "20", ""],
        ["总分", "<", "<", "<", "<", "<", "<", "<", "100", "97.5", ""],
    ],
]

#: the 部门整体支出绩效自评表 (the department is the project)
DEPARTMENT: Layout = [
    "部门整体支出绩效自评表",
    "（2021年度）",
    [
        ["部门（单位）名称", "某区司法局", "<", "<", "<", "<", "<", "<", "<"],
        ["年度部门整体支出预算执行情况（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "<"],
        ["^", "年度资金总额", "800", "820", "810", "10", "98.78%", "9.88", "<"],
        ["^", "其中：财政拨款", "790", "800", "795", "—", "—", "—", "<"],
        ["^", "其他资金", "10", "20", "15", "—", "—", "—", "<"],
        ["年度总体目标", "预期目标", "<", "<", "<", "实际完成情况", "<", "<", "<"],
        ["^", "推进法治政府建设，完成人民调解工作。", "<", "<", "<", "法治政府建设有序推进，调解成功率98%。", "<", "<", "<"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["^", "产出指标", "数量指标", "法律援助案件数", "≥300件", "320件", "30", "30", ""],
        ["^", "效益指标", "社会效益指标", "矛盾纠纷调解成功率", "≥95%", "98%", "30", "30", ""],
        ["^", "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "88%", "30", "25", "宣传不足，将加强普法宣传"],
    ],
]
