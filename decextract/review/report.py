"""The review report: one self-contained HTML file to check by eye where every record came from.

PDF pages are rendered by PDFium and embedded as data URIs, with a box over every figure, table,
table row, performance row and check (coloured by kind; failed checks and warnings in red).  Other
formats are shown as their text, block by block, with each record's span or table cell highlighted.
A list of the records sits beside the pages; a click on a record (or its box) scrolls to the box
and shows its fields.  The file needs no server and no network: styles and script are inline.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import attrs

from .. import __version__
from ..errors import ExtractionError, SinkError
from ..model import Document, Paragraph, Table
from ..pipeline import records_of
from ..readers import read_document
from ..records import Record, decimal_text, to_dict
from ..tables import annotate
from .marks import COLOURS, KINDS, Mark, is_failed, marks_of
from .pages import DEFAULT_DPI, PdfPages, encoded_pages


@attrs.frozen
class Review:
    """A document read for review: its annotated model, its records and where each one is."""

    document: Document
    records: tuple[Record, ...]
    marks: tuple[Mark, ...]


def review_of(path: str | os.PathLike) -> Review:
    """Read and extract the disclosure at ``path`` and place every record on it."""
    doc = read_document(path)
    try:
        records = records_of(doc)
        annotated = annotate(doc)  # the model the records' block and cell numbers refer to
        marks = marks_of(records, annotated)
    except Exception as exc:  # a bug must not hide which file it was
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}", path=doc.source) from exc
    return Review(annotated, tuple(records), tuple(marks))


def write_review(path: str | os.PathLike, out: str | os.PathLike, *, only_failed: bool = False,
                 dpi: int = DEFAULT_DPI) -> Path:
    """Write the review report of the disclosure at ``path`` to ``out`` (HTML); return ``out``."""
    text = review_html(review_of(path), only_failed=only_failed, dpi=dpi)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SinkError(f"cannot write the report: {exc.strerror or exc}", path=str(out)) from exc
    return out


def review_html(review: Review, *, only_failed: bool = False, dpi: int = DEFAULT_DPI) -> str:
    """The report as one HTML document.

    ``only_failed`` keeps just the failed checks and the records with warnings (and, for a PDF,
    only the pages they are on).
    """
    records = review.records
    keep = [i for i, r in enumerate(records) if not only_failed or is_failed(r)]
    kept = set(keep)
    marks = [m for m in review.marks if m.record in kept]
    doc = review.document
    info = records[0]
    if only_failed and not keep:
        body = "<p class=\"hint\" id=\"nothing\">Nothing failed: no failed checks and no warnings.</p>"
    elif doc.format == "pdf":
        body = _pdf_pages(doc, records, marks, dpi, only_failed)
    else:
        body = _text_view(doc, records, marks)
    drawn: dict[int, list] = defaultdict(list)
    for m in marks:
        if m.bbox is not None:
            drawn[m.record].append([m.page, *m.bbox])
    payload = [{"i": i, "failed": is_failed(records[i]), "boxes": drawn.get(i, []), "fields": to_dict(records[i])}
               for i in keep]
    title = f"decextract review: {Path(info.source).name}"
    return "".join([
        "<!doctype html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<meta name=\"generator\" content=\"decextract {__version__}\">",
        f"<title>{html.escape(title)}</title><style>{_asset('report.css')}</style></head>\n<body>",
        _header(info, records, keep, only_failed),
        _list(records, keep, marks),
        f"<main id=\"pages\">{body}</main>",
        "<aside id=\"detail\"><p class=\"hint\">Click a record in the list, or its box on the page, "
        "to see its fields.</p></aside>\n",
        f"<script type=\"application/json\" id=\"records\">{_script_json(payload)}</script>\n",
        f"<script>{_asset('report.js')}</script></body></html>\n",
    ])


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _script_json(value) -> str:
    """JSON that cannot end its <script> element early."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _header(info: Record, records: Sequence[Record], keep: Sequence[int], only_failed: bool) -> str:
    counts: dict[str, int] = defaultdict(int)
    failed = 0
    for i in keep:
        counts[records[i].TYPE] += 1
        failed += is_failed(records[i])
    what = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    meta = " · ".join(str(v) for v in (info.issuer, info.fiscal_year, info.kind, info.format,
                                        f"{info.pages} pages" if info.pages else None) if v)
    warnings = "".join(f"<li>{html.escape(w.code)}: {html.escape(w.message)}</li>" for w in info.warnings)
    filters = "".join(
        f"<label><input type=\"checkbox\" checked data-kind=\"{kind}\"><span class=\"swatch\" "
        f"style=\"border-color:{COLOURS.get(kind, '#777')}\"></span>{kind}</label>"
        for kind in [*KINDS[:-1], "document"] if counts.get(kind))
    return (f"<header><h1>{html.escape(info.source)}</h1><div class=\"meta\">{html.escape(meta)} — "
            f"{html.escape(what)}; <b>{failed} failed or with warnings</b>"
            f"{' (only these are shown: --only failed)' if only_failed else ''}</div>"
            f"{f'<ul class=warnings>{warnings}</ul>' if warnings else ''}"
            f"<div id=\"filters\">{filters}<label><span class=\"swatch\" style=\"border-color:"
            f"{COLOURS['warning']}\"></span>failed / warning</label></div></header>\n")


def summary(record: Record) -> str:
    """One line saying what a record is, for the list."""
    t = record.TYPE
    if t == "document":
        return " ".join(str(v) for v in (record.issuer, record.fiscal_year, record.kind) if v) or record.source
    if t == "figure":
        return f"{record.text} · {record.label or '—'} · {record.relation}"
    if t == "table":
        return f"{record.table or '(untitled)'} · {record.n_rows}×{record.n_cols}"
    if t == "table_row":
        values = [decimal_text(v) for v in record.values.values() if v is not None][:2]
        return " ".join(x for x in (record.code, record.name, *values) if x) or "(row)"
    if t == "performance_project":
        return record.project or "(project)"
    if t == "performance_indicator":
        return f"{record.level3 or record.level2 or '—'}: {record.actual or '—'}"
    if t == "check":
        return f"{'✓' if record.ok else '✗'} {record.formula}"
    if t == "indicator":
        agrees = {True: " ✓", False: " ✗", None: ""}[record.agrees]
        return f"{record.concept} = {decimal_text(record.value)} {record.unit} · {record.location}{agrees}"
    return t


def _where(record: Record, marks: Sequence[Mark]) -> str:
    pages = sorted({m.page for m in marks if m.page is not None})
    if pages:
        return f"p.{pages[0]}" if len(pages) == 1 else f"p.{pages[0]}–{pages[-1]}"
    prov = getattr(record, "prov", None)
    return f"#{prov.block}" if prov is not None else ""


def _list(records: Sequence[Record], keep: Sequence[int], marks: Sequence[Mark]) -> str:
    of: dict[int, list[Mark]] = defaultdict(list)
    for m in marks:
        of[m.record].append(m)
    items = []
    for i in keep:
        r = records[i]
        failed = is_failed(r)
        colour = COLOURS["warning"] if failed else COLOURS.get(r.TYPE, "#777")
        items.append(f"<li class=\"k-{r.TYPE}{' failed' if failed else ''}\" data-rec=\"{i}\" "
                     f"style=\"--c:{colour}\"><span class=\"where\">{_where(r, of[i])}</span>"
                     f"{html.escape(summary(r))}</li>")
    return f"<ul id=\"list\">{''.join(items)}</ul>\n"


# ---------------------------------------------------------------- PDF pages


def _pdf_pages(doc: Document, records: Sequence[Record], marks: Sequence[Mark], dpi: int, only_failed: bool) -> str:
    warned: dict[int, list[str]] = defaultdict(list)
    for notice in records[0].warnings:
        for p in notice.pages:
            warned[p].append(f"{notice.code}: {notice.message}")
    with PdfPages(doc.source) as pages:
        numbers = range(1, pages.count + 1)
        if only_failed:
            numbers = sorted({m.page for m in marks if m.page} | set(warned))
        out = []
        for page, mime, data, (width, height) in encoded_pages(pages, numbers, dpi):
            boxes = "".join(_box(m, records[m.record], width, height) for m in marks
                            if m.page == page and m.bbox is not None)
            banner = "".join(f"<div class=\"banner\">{html.escape(w)}</div>" for w in warned.get(page, []))
            uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            out.append(f"<section class=\"page{' has-warning' if page in warned else ''}\" id=\"page-{page}\" "
                       f"data-page=\"{page}\" data-width=\"{width:.2f}\" data-height=\"{height:.2f}\" "
                       f"style=\"width:{width * dpi / 72:.0f}px\"><div class=\"label\">page {page}</div>"
                       f"<img src=\"{uri}\" alt=\"page {page}\">{banner}{boxes}</section>")
    return "".join(out)


def _box(mark: Mark, record: Record, width: float, height: float) -> str:
    x0, top, x1, bottom = mark.bbox
    style = (f"left:{100 * x0 / width:.4f}%;top:{100 * top / height:.4f}%;"
             f"width:{100 * (x1 - x0) / width:.4f}%;height:{100 * (bottom - top) / height:.4f}%;--c:{mark.colour}")
    bbox = " ".join(f"{v:.2f}" for v in mark.bbox)
    return (f"<div class=\"box k-{record.TYPE}\" data-rec=\"{mark.record}\" data-bbox=\"{bbox}\" "
            f"style=\"{style}\" title=\"{html.escape(summary(record))}\"></div>")


# ---------------------------------------------------------------- text of other formats


def _text_view(doc: Document, records: Sequence[Record], marks: Sequence[Mark]) -> str:
    by_block: dict[int, list[Mark]] = defaultdict(list)
    for m in marks:
        if m.block is not None:
            by_block[m.block].append(m)
    out = []
    for block in doc.blocks:
        here = by_block.get(block.index, [])
        if isinstance(block, Paragraph):
            out.append(_paragraph(block, here, records))
        elif isinstance(block, Table):
            out.append(_table(block, here, records))
    return f"<div id=\"text\">{''.join(out)}</div>"


def _paragraph(block: Paragraph, marks: Sequence[Mark], records: Sequence[Record]) -> str:
    tag = "p class=\"heading\"" if block.is_heading else "p"
    loose = [m for m in marks if m.span is None]  # records of the block whose span was not found
    attrs_ = f" data-rec=\"{' '.join(str(m.record) for m in loose)}\"" if loose else ""
    return (f"<{tag}{attrs_}><span class=\"block-no\">{block.index}</span>"
            f"{_highlighted(block.text, [m for m in marks if m.span is not None], records)}</p>")


def _highlighted(text: str, spans: Sequence[Mark], records: Sequence[Record]) -> str:
    """``text`` as HTML, each piece that records' spans cover wrapped in a highlight naming them."""
    cuts = sorted({0, len(text), *(p for m in spans for p in m.span)})
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = html.escape(text[a:b])
        over = [m for m in spans if m.span[0] <= a and b <= m.span[1] and m.span[0] < m.span[1]]
        if over:
            top = max(over, key=lambda m: (m.failed, KINDS.index(m.kind) if m.kind in KINDS else 0))
            recs = " ".join(str(m.record) for m in over)
            kinds = " ".join(sorted({f"k-{records[m.record].TYPE}" for m in over}))
            parts.append(f"<span class=\"hl {kinds}\" data-rec=\"{recs}\" style=\"--c:{top.colour}\" "
                         f"title=\"{html.escape(summary(records[top.record]))}\">{piece}</span>")
        else:
            parts.append(piece)
    return "".join(parts)


def _table(table: Table, marks: Sequence[Mark], records: Sequence[Record]) -> str:
    cells: dict[tuple[int, int], list[Mark]] = defaultdict(list)
    rows: dict[int, list[Mark]] = defaultdict(list)
    whole: list[Mark] = []
    for m in marks:
        if m.cell is None:
            whole.append(m)
        elif m.whole_row:
            rows[m.cell[0]].append(m)
        else:
            cells[m.cell].append(m)
    out = [f"<table data-block=\"{table.index}\""
           + (f" data-rec=\"{' '.join(str(m.record) for m in whole)}\"" if whole else "") + ">"]
    for r in range(table.n_rows):
        row_marks = rows.get(r, [])
        attr = ""
        if row_marks:
            attr = f" data-rec=\"{' '.join(str(m.record) for m in row_marks)}\""
        out.append(f"<tr{attr}>")
        for cell in table.row(r):
            here = cells.get((cell.row, cell.col), [])
            inside = [m for m in here if m.span is not None]  # figures: their text within the cell
            whole = [m for m in here if m.span is None]
            span = "".join(f" {k}=\"{v}\"" for k, v in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if v > 1)
            mark_attr = ""
            if whole or row_marks:
                colour = max(whole + row_marks, key=lambda m: m.failed).colour
                mark_attr = f" style=\"--c:{colour}\" data-recs"
                if whole:
                    mark_attr += f" data-rec=\"{' '.join(str(m.record) for m in whole)}\""
            out.append(f"<td{span}{mark_attr}>{_highlighted(cell.text, inside, records)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)

