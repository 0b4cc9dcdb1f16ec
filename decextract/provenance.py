"""What a reader knows about where text came from, carried into every record's provenance.

Records are built from blocks by the figure, table and performance layers, which
know nothing of formats.  :func:`mark` adds the reader's facts afterwards, in one
place: ``prov.ocr`` and ``prov.confidence`` for text recognised in a page image
(the lowest confidence of the characters under the record's box, its table row
or its table; on a page straightened before OCR, ``prov.bbox`` and a table's
``bboxes`` are turned back onto the page as scanned), ``prov.element`` for a block of a web page, and
``prov.converted`` for a file read after conversion (LibreOffice).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .model import Cell, Document, OcrPage, Table
from .records import DocumentInfo, Provenance, Record, TableInfo


def mark(doc: Document, records: Sequence[Record]) -> list[Record]:
    """``records`` with their provenance completed from ``doc``; unchanged when there is nothing to add."""
    if not (doc.ocr or doc.converted or any(getattr(b, "element", None) for b in doc.blocks)):
        return list(records)
    blocks = {b.index: b for b in doc.blocks}
    pages = {p.page: p for p in doc.ocr}
    out: list[Record] = []
    for record in records:
        if isinstance(record, DocumentInfo):
            out.append(attrs.evolve(record, converted=doc.converted))
            continue
        if isinstance(record, TableInfo) and any(p.skew for p in doc.ocr):
            record = attrs.evolve(record, bboxes=tuple(_on_page(b, pages) for b in record.bboxes))
        prov = getattr(record, "prov", None)
        if prov is None:
            out.append(record)
            continue
        record = attrs.evolve(record, prov=_marked(doc, record, prov, blocks, pages))
        if getattr(record, "disagreements", ()):  # an indicator's other places: each from its own page
            record = attrs.evolve(record, disagreements=tuple(
                attrs.evolve(p, prov=_marked(doc, p, p.prov, blocks, pages)) for p in record.disagreements))
        out.append(record)
    return out


def _marked(doc: Document, record, prov: Provenance, blocks: dict, pages: dict[int, OcrPage]) -> Provenance:
    block = blocks.get(prov.block)
    changes: dict = {"converted": doc.converted, "element": getattr(block, "element", None)}
    if pages:
        changes.update(_ocr(record, prov, block, pages))
        page = pages.get(prov.page) if prov.bbox is not None else None
        if page is not None and page.skew:  # boxes of a straightened page, as they lie on the page as scanned
            changes["bbox"] = page.on_page(prov.bbox)
    return attrs.evolve(prov, **changes)


def _on_page(bbox: tuple, pages: dict[int, OcrPage]) -> tuple:
    """A table's ``(page, x0, top, x1, bottom)`` as it lies on its page as scanned."""
    page = pages.get(bbox[0])
    return bbox if page is None or not page.skew else (bbox[0], *page.on_page(tuple(bbox[1:])))


def _ocr(record: Record, prov: Provenance, block, pages: dict[int, OcrPage]) -> dict:
    """``ocr`` and ``confidence`` of a record whose text lies on OCR'd pages."""
    boxes: list[tuple[int, tuple | None]] = []
    if isinstance(record, TableInfo):
        boxes = [(b[0], b[1:]) for b in record.bboxes] or [(p, None) for p in record.pages]
    elif prov.bbox is not None and prov.page is not None:
        boxes = [(prov.page, prov.bbox)]
    elif isinstance(block, Table) and prov.cell is not None:
        boxes = _row_boxes(block, prov.cell.row)
    elif prov.page is not None:
        boxes = [(prov.page, None)]
    found = [pages[p].confidence(box) for p, box in boxes if p in pages]
    if not found:
        return {}
    known = [c for c in found if c is not None]
    return {"ocr": True, "confidence": min(known) if known else None}


def _row_boxes(table: Table, row: int) -> list[tuple[int, tuple | None]]:
    """``(page, bbox)`` of each cell of ``row`` that has a box."""
    cells: list[Cell] = [c for c in table.cells if c.row <= row < c.row + c.rowspan and c.text]
    return [(c.page, c.bbox) for c in cells if c.page is not None and c.bbox is not None]
