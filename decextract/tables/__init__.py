"""Tables: structure (title, unit, header rows), performance tables and the standard annex tables."""

from .annex import annex_records, classify, table_kind, title_key
from .performance import performance_records
from .structure import amount_in_yuan, annotate, clean_text, distinct_rows, row_context, table_unit, unit_scale

__all__ = [
    "amount_in_yuan",
    "annex_records",
    "annotate",
    "classify",
    "clean_text",
    "distinct_rows",
    "performance_records",
    "row_context",
    "table_kind",
    "table_unit",
    "title_key",
    "unit_scale",
]
