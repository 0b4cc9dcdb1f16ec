"""Tables: structure (title, unit, header rows), performance tables and the standard annex tables."""

from .performance import performance_records
from .structure import amount_in_yuan, annotate, clean_text, distinct_rows, row_context, table_unit, unit_scale

__all__ = [
    "amount_in_yuan",
    "annotate",
    "clean_text",
    "distinct_rows",
    "performance_records",
    "row_context",
    "table_unit",
    "unit_scale",
]
