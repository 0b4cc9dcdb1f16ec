"""decextract: figures, tables and provenance from Chinese government 部门决算/部门预算 disclosures.

>>> import decextract
>>> records = decextract.extract("samples/xiqu-zhengfawei-2020-juesuan.txt")
>>> records[0].TYPE
'document'
"""

from .errors import DecExtractError
from .pipeline import extract, read_tables
from .records import (
    Check,
    DocumentInfo,
    Figure,
    Indicator,
    Notice,
    PerformanceIndicator,
    PerformanceProject,
    Provenance,
    TableInfo,
    TableRow,
    to_dict,
    to_json,
)

__version__ = "0.2.0"

__all__ = [
    "Check",
    "DecExtractError",
    "DocumentInfo",
    "Figure",
    "Indicator",
    "Notice",
    "PerformanceIndicator",
    "PerformanceProject",
    "Provenance",
    "TableInfo",
    "TableRow",
    "__version__",
    "extract",
    "extract_many",
    "read_tables",
    "to_dataframe",
    "to_dict",
    "to_json",
]


def __getattr__(name: str):
    # The batch layer (worker processes, SQLAlchemy, pandas) loads only when asked for.
    if name in ("extract_many", "to_dataframe"):
        from . import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'decextract' has no attribute {name!r}")
