"""Looking at where records came from: the review report (HTML) and page pictures with boxes."""

from .marks import COLOURS, Mark, is_failed, marks_of
from .pages import DEFAULT_DPI, PdfPages, draw_marks, page_png
from .report import Review, review_html, review_of, write_review

__all__ = [
    "COLOURS",
    "DEFAULT_DPI",
    "Mark",
    "PdfPages",
    "Review",
    "draw_marks",
    "is_failed",
    "marks_of",
    "page_png",
    "review_html",
    "review_of",
    "write_review",
]
