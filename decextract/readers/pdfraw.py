"""PDFium's C functions called with plain pointers: the per-character calls of the PDF reader, made cheap.

pypdfium2's bindings check every argument against its declared pointer type, and its helper objects
are converted on each call; for calls made once per character (hundreds of thousands a document) that
checking costs more than the work PDFium does.  The functions here are the same C entry points (taken
from pypdfium2's bindings by address) declared with ``c_void_p`` handles, so a call passes a handle
converted once per page.  :func:`handle` gives that handle for a pypdfium2 object or raw pointer.
"""

from __future__ import annotations

import ctypes
import struct

import pypdfium2.raw as pdfium_c

_VOID = ctypes.c_void_p


def _fn(name: str, restype, *argtypes):
    """``name`` from PDFium with the given ``ctypes`` signature (handles as ``c_void_p``).

    Declared as a Python-API function (``PYFUNCTYPE``): the call keeps the GIL instead of releasing
    and taking it back around a call that lasts a fraction of a microsecond (PDFium runs one
    document at a time under the reader's lock anyway).
    """
    address = ctypes.cast(getattr(pdfium_c, name), _VOID).value
    return ctypes.PYFUNCTYPE(restype, *argtypes)(address)


def handle(obj) -> ctypes.c_void_p:
    """The ``c_void_p`` of a pypdfium2 helper object (``PdfPage``, ``PdfTextPage`` …) or raw pointer."""
    return ctypes.cast(getattr(obj, "raw", obj), _VOID)


#: float[4] filled by the box calls: left, top, right, bottom (FS_RECTF's field order)
Rect = ctypes.c_float * 4
#: float[6] filled by the matrix calls: a, b, c, d, e, f (FS_MATRIX's field order)
Matrix = ctypes.c_float * 6
#: float[2] filled by the point calls: x, y
Point = ctypes.c_float * 2
#: their values as Python floats (``struct`` reads a buffer faster than ctypes iterates an array)
RECT, MATRIX, POINT = struct.Struct("4f"), struct.Struct("6f"), struct.Struct("2f")

get_loose_char_box = _fn("FPDFText_GetLooseCharBox", ctypes.c_int, _VOID, ctypes.c_int, _VOID)
get_text_object = _fn("FPDFText_GetTextObject", _VOID, _VOID, ctypes.c_int)
get_matrix = _fn("FPDFText_GetMatrix", ctypes.c_int, _VOID, ctypes.c_int, _VOID)
get_font_size = _fn("FPDFText_GetFontSize", ctypes.c_double, _VOID, ctypes.c_int)
is_generated = _fn("FPDFText_IsGenerated", ctypes.c_int, _VOID, ctypes.c_int)
get_font_info = _fn("FPDFText_GetFontInfo", ctypes.c_ulong, _VOID, ctypes.c_int, _VOID, ctypes.c_ulong, _VOID)
get_font_weight = _fn("FPDFText_GetFontWeight", ctypes.c_int, _VOID, ctypes.c_int)

#: unsigned int[4] filled by the colour calls: r, g, b, a
Color = ctypes.c_uint * 4
_INT_P = _VOID  # int* and FPDF_BOOL* out-parameters, passed as byref(...)

page_count_objects = _fn("FPDFPage_CountObjects", ctypes.c_int, _VOID)
page_get_object = _fn("FPDFPage_GetObject", _VOID, _VOID, ctypes.c_int)
form_count_objects = _fn("FPDFFormObj_CountObjects", ctypes.c_int, _VOID)
form_get_object = _fn("FPDFFormObj_GetObject", _VOID, _VOID, ctypes.c_ulong)
object_get_type = _fn("FPDFPageObj_GetType", ctypes.c_int, _VOID)
object_get_matrix = _fn("FPDFPageObj_GetMatrix", ctypes.c_int, _VOID, _VOID)
object_get_fill_color = _fn("FPDFPageObj_GetFillColor", ctypes.c_int, _VOID, _VOID, _VOID, _VOID, _VOID)
object_get_stroke_color = _fn("FPDFPageObj_GetStrokeColor", ctypes.c_int, _VOID, _VOID, _VOID, _VOID, _VOID)
path_get_draw_mode = _fn("FPDFPath_GetDrawMode", ctypes.c_int, _VOID, _INT_P, _INT_P)
path_count_segments = _fn("FPDFPath_CountSegments", ctypes.c_int, _VOID)
path_get_segment = _fn("FPDFPath_GetPathSegment", _VOID, _VOID, ctypes.c_int)
segment_get_point = _fn("FPDFPathSegment_GetPoint", ctypes.c_int, _VOID, _VOID, _VOID)
segment_get_type = _fn("FPDFPathSegment_GetType", ctypes.c_int, _VOID)
segment_get_close = _fn("FPDFPathSegment_GetClose", ctypes.c_int, _VOID)
object_get_clip_path = _fn("FPDFPageObj_GetClipPath", _VOID, _VOID)
clip_count_paths = _fn("FPDFClipPath_CountPaths", ctypes.c_int, _VOID)
clip_count_segments = _fn("FPDFClipPath_CountPathSegments", ctypes.c_int, _VOID, ctypes.c_int)
clip_get_segment = _fn("FPDFClipPath_GetPathSegment", _VOID, _VOID, ctypes.c_int, ctypes.c_int)
