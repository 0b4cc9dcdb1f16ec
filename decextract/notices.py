"""Document-level notices found after reading: nothing to read, or not a disclosure at all.

A reader says what it could not read (pages without text, garbled pages, OCR);
these say what the whole document turned out to be, so that a file that loads
with no figures never passes silently:

- ``no_text``: the reader found no text at all (a scan without OCR, an empty page);
- ``not_a_disclosure``: no standard annex or performance table, and either no
  disclosure wording (决算, 预算, or a fiscal term of ``data/fiscal_terms.txt``) or no
  amount of money anywhere (a news page, a notice); or a spreadsheet without a
  standard table: a disclosure published as a workbook is its annex tables, so a
  workbook of other rows (a reviewer's checklist quoting amounts, a list of assets)
  is an attachment of something else however fiscal its wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import regex

from . import data
from .model import Document
from .records import DocumentInfo, Notice, Record


@cache
def _disclosure_words() -> regex.Pattern:
    terms = [line.split()[0] for line in data.text("fiscal_terms.txt").splitlines() if line.strip()]
    return regex.compile("|".join([r"决\s*算", r"预\s*算", *sorted(map(regex.escape, terms), key=len, reverse=True)]))

_SPREADSHEETS = frozenset({"xlsx", "xls", "et", "ods"})  # formats whose disclosures are tables only
_TABLE_TYPES = frozenset({"performance_project", "performance_indicator"})
_EXPLAINED = frozenset({"no_text_pages", "garbled_pages", "unreadable_pages"})  # the reader said why already


def document_notices(doc: Document, info: DocumentInfo, records: Sequence[Record]) -> tuple[Notice, ...]:
    """The notices to add to ``info`` for ``doc`` and the records extracted from it."""
    if any(n.code in _EXPLAINED for n in info.warnings):
        return ()
    text = [b.text for b in doc.paragraphs() if b.text.strip()]
    if not text and not any(c.text.strip() for t in doc.tables() for c in t.cells):
        return (Notice("no_text", "the document has no text to read"),)
    standard = any(getattr(r, "table_id", None) for r in records) or any(r.TYPE in _TABLE_TYPES for r in records)
    if standard:
        return ()
    cells = [c.text for t in doc.tables() for c in t.cells if c.text.strip()]
    if doc.format in _SPREADSHEETS:
        return (Notice("not_a_disclosure", "a spreadsheet without a standard annex or performance table: this "
                       "does not look like a budget or final-accounts disclosure"),)
    words = _disclosure_words()
    worded = info.kind is not None or any(words.search(t) for t in text + cells)
    money = any(r.TYPE == "figure" and r.kind == "amount" for r in records)
    if not (worded and money):
        why = "no 决算/预算 or fiscal wording" if not worded else "no amount of money"
        return (Notice("not_a_disclosure", f"{why} and no standard annex or performance table: this does not "
                       "look like a budget or final-accounts disclosure"),)
    return ()
