"""PDFium's C functions called with plain pointers: the per-character calls of the PDF reader, made cheap.

pypdfium2's bindings check every argument against its declared pointer type, and its helper objects
are converted on each call; for calls made once per character or path segment (hundreds of thousands a
document) that checking costs more than the work PDFium does.  The functions here are the same C entry
points (taken from pypdfium2's bindings by address), most of them called without declared argument
types (ctypes then passes a ``c_void_p``, a ``byref`` and a small ``int`` as they are, at half the cost
of checking them against a signature): a page's handle is converted once (:func:`handle`), and the
handles these calls return come back as :class:`Handle` objects, ready to be passed again.
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

class Handle(ctypes.c_void_p):
    """A handle returned by the untyped calls below: kept a ctypes object (a subclass of ``c_void_p`` is not
    turned into an ``int``), so it goes back to them as a pointer.  Null handles are false."""


def _untyped(name: str, restype):
    """``name`` from PDFium called without declared argument types: the fastest ctypes call.

    Its arguments must be what C receives without conversion: handles as ``c_void_p`` (:func:`handle`,
    or a :class:`Handle` an untyped call returned), out-parameters as ``byref``, and indices as Python
    ints (a C ``int``).  A Python ``int`` holding a pointer is refused (too long for a C ``int``): pass
    those to the typed functions.
    """
    fn = _fn(name, restype)
    fn.argtypes = None
    return fn


# per character (text page handle, index, out-parameters)
get_loose_char_box = _untyped("FPDFText_GetLooseCharBox", ctypes.c_int)
get_text_object = _untyped("FPDFText_GetTextObject", _VOID)  # -> int (a key, handed to the typed calls)
get_matrix = _untyped("FPDFText_GetMatrix", ctypes.c_int)
get_font_size = _untyped("FPDFText_GetFontSize", ctypes.c_double)
is_generated = _untyped("FPDFText_IsGenerated", ctypes.c_int)
get_font_info = _fn("FPDFText_GetFontInfo", ctypes.c_ulong, _VOID, ctypes.c_int, _VOID, ctypes.c_ulong, _VOID)
get_font_weight = _untyped("FPDFText_GetFontWeight", ctypes.c_int)

#: unsigned int[4] filled by the colour calls: r, g, b, a
Color = ctypes.c_uint * 4

# page objects and paths (page handle, or Handle of an object or segment)
page_count_objects = _untyped("FPDFPage_CountObjects", ctypes.c_int)
page_get_object = _untyped("FPDFPage_GetObject", Handle)
form_count_objects = _untyped("FPDFFormObj_CountObjects", ctypes.c_int)
form_get_object = _fn("FPDFFormObj_GetObject", Handle, _VOID, ctypes.c_ulong)  # (an unsigned long index)
object_get_type = _untyped("FPDFPageObj_GetType", ctypes.c_int)
object_get_matrix = _untyped("FPDFPageObj_GetMatrix", ctypes.c_int)
object_get_fill_color = _untyped("FPDFPageObj_GetFillColor", ctypes.c_int)
object_get_stroke_color = _untyped("FPDFPageObj_GetStrokeColor", ctypes.c_int)
path_get_draw_mode = _untyped("FPDFPath_GetDrawMode", ctypes.c_int)
path_count_segments = _untyped("FPDFPath_CountSegments", ctypes.c_int)
path_get_segment = _untyped("FPDFPath_GetPathSegment", Handle)
segment_get_point = _untyped("FPDFPathSegment_GetPoint", ctypes.c_int)
segment_get_type = _untyped("FPDFPathSegment_GetType", ctypes.c_int)
segment_get_close = _untyped("FPDFPathSegment_GetClose", ctypes.c_int)

# text objects and their fonts (Handle of an object, Handle of a font)
text_object_get_font = _untyped("FPDFTextObj_GetFont", Handle)
font_is_embedded = _untyped("FPDFFont_GetIsEmbedded", ctypes.c_int)
font_get_flags = _untyped("FPDFFont_GetFlags", ctypes.c_int)

# clip paths (the text object as the int get_text_object gives)
object_get_clip_path = _fn("FPDFPageObj_GetClipPath", Handle, _VOID)
clip_count_paths = _untyped("FPDFClipPath_CountPaths", ctypes.c_int)
clip_count_segments = _untyped("FPDFClipPath_CountPathSegments", ctypes.c_int)
clip_get_segment = _untyped("FPDFClipPath_GetPathSegment", Handle)
