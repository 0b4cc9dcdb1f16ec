"""HTML and MHTML reader: a web page's article body, paragraphs and tables in order.

Decoding: a byte-order mark, else the charset a saved page's MIME part declares,
else the page's own ``<meta charset>`` / ``http-equiv`` declaration, else UTF-8
when the bytes are valid UTF-8, else GB18030 (which reads GBK and GB2312).  A
saved page (``.mht``/``.mhtml``, a MIME ``multipart/related`` message) gives its
first ``text/html`` part.

The article body: scripts, styles, forms' controls and HTML5 ``nav``/``header``/
``footer``/``aside`` are dropped, and elements whose class or id names
navigation, headers, footers, sharing or related links (data:
``html_page.json``) — unless one holds most of the page's text.  The body is then
the container a site names as its article (``TRS_Editor``, ``zoom``,
``article-content`` …) holding most of the text, else the deepest element holding
at least 70% of the page's text outside links.  An article title printed just
above the body (an ``h1``, or an element whose class says title) is read first.

Blocks: each block-level element and each ``<br>`` ends a paragraph; whitespace
runs become one space, and none is kept between CJK characters (a line break in
the source between two ideographs prints nothing).  Headings are ``h1``–``h6``
(the level of their numbering when numbered, as the DOCX reader does) and numbered
paragraphs the :class:`~decextract.sections.Outline` accepts.  ``<table>`` becomes
the same :class:`~decextract.model.Table` the other readers give, ``rowspan`` and
``colspan`` resolved on a grid (a span is clipped to the table); a table that holds
tables, or has one cell, is layout and its content is read as flow.  A cell's
lines are joined as the DOCX reader joins them.  Every block carries the path of
its element (``/html/body/div[2]/p[3]``) in ``element``.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from functools import cache

import lxml.etree
import lxml.html
import regex

from .. import data
from ..errors import DamagedFileError
from ..model import Block, Cell, Document, Table
from ..sections import Outline, numbering_level
from .docx import _join_lines

_BLOCK_TAGS = frozenset(
    "address article blockquote center dd details dialog div dl dt fieldset figcaption figure form h1 h2 h3 h4 h5 "
    "h6 hr li main ol p pre section summary ul caption tbody thead tfoot tr".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_SPACE = regex.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_CJK_GAP = regex.compile(r"(?<=[\p{Han}\u3000-\u303f\uff00-\uffef])\s+(?=[\p{Han}\u3000-\u303f\uff00-\uffef])")
_LAYOUT_CELL_BLOCKS = 6  # a cell holding this many paragraphs makes its table a layout frame
_MAX_GRID = 200_000  # grid slots of one table: spans beyond the rows and columns present are clipped


@cache
def _lexicon() -> tuple[frozenset[str], regex.Pattern, regex.Pattern, regex.Pattern]:
    lex = data.load("html_page.json")
    return (frozenset(lex["drop_tags"]), regex.compile(lex["boilerplate_regex"]),
            regex.compile(lex["content_regex"]), regex.compile(lex["title_regex"]))


def read(data_: bytes, source: str, sha256: str) -> Document:
    """Read a web page (HTML, or a saved MHTML page) into the document model."""
    from .sniff import sniff

    fmt = sniff(data_, source)
    payload, charset = (_mhtml_html(data_, source) if fmt == "mhtml" else (data_, None))
    text = decode(payload, charset)
    try:
        root = lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(
            remove_comments=True, remove_pis=True, no_network=True, recover=True))
    except (lxml.etree.ParserError, ValueError) as exc:  # an empty or undecodable document
        raise DamagedFileError(f"not a readable web page: {exc}", path=source) from exc
    title = _title(root)
    _drop_boilerplate(root)
    body = _article(root)
    walker = _Walker(root.getroottree())
    heading = _title_element(body)
    if heading is not None:
        walker.walk(heading)
    walker.walk(body)
    return Document(source=source, sha256=sha256, format=fmt, blocks=tuple(walker.blocks), title=title)


# ---------------------------------------------------------------- bytes to text


def decode(payload: bytes, declared: str | None = None) -> str:
    """The text of an HTML page's bytes (see the module docstring for the order of evidence)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if payload.startswith(bom):
            return payload.decode(encoding, "replace").lstrip("\ufeff")
    candidates = [declared] if declared else []
    meta = _META_CHARSET.search(payload[:8192])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "replace"))
    for name in candidates:
        encoding = _codec(name)
        if encoding:
            try:
                return payload.decode(encoding)
            except UnicodeDecodeError:
                if encoding != "utf-8":
                    return payload.decode(encoding, "replace")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("gb18030", "replace")


def _codec(name: str | None) -> str | None:
    """Python's codec for a declared charset; GB2312 and GBK are read as GB18030, their superset."""
    try:
        encoding = codecs.lookup((name or "").strip().strip("'\"")).name
    except LookupError:
        return None
    return "gb18030" if encoding in ("gb2312", "gbk", "gb18030", "hz") else encoding


def _mhtml_html(data_: bytes, source: str) -> tuple[bytes, str | None]:
    """The first ``text/html`` part of a saved page, and the charset it declares."""
    message = email.message_from_bytes(data_, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if payload:
                return payload, part.get_content_charset()
    raise DamagedFileError("a saved web page (MHTML) with no HTML part", path=source)


# ---------------------------------------------------------------- the article body


def _title(root) -> str | None:
    node = root.find(".//title")
    text = _clean(node.text_content()) if node is not None else ""
    return text if regex.search(r"\p{Han}", text) else None


def _classes(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def _text_length(el) -> int:
    return len(_SPACE.sub("", el.text_content()))


def _drop_boilerplate(root) -> None:
    """Remove scripts, controls and the page's navigation, header and footer (never most of the text)."""
    drop, boilerplate, content, _ = _lexicon()
    for el in list(root.iter(lxml.etree.Element)):
        if el.tag in drop and el.getparent() is not None:
            el.drop_tree()
    body = root.find("body")
    total = _text_length(body if body is not None else root) or 1
    for el in list(root.iter(lxml.etree.Element)):
        if el.getparent() is None or el.tag in ("html", "body") or not isinstance(el.tag, str):
            continue
        names = _classes(el)
        if names and boilerplate.search(names) and not content.search(names) and _text_length(el) < 0.3 * total:
            el.drop_tree()


def _plain_length(el) -> int:
    """Characters of text outside links."""
    links = sum(_text_length(a) for a in el.iter("a"))
    return _text_length(el) - links


def _article(root):
    """The element holding the article (see the module docstring)."""
    _, _, content, _ = _lexicon()
    body = root.find("body")
    body = body if body is not None else root
    total = _plain_length(body)
    if total == 0:
        return body
    named = [el for el in body.iter(lxml.etree.Element) if isinstance(el.tag, str) and content.search(_classes(el))]
    named = [el for el in named if _plain_length(el) >= 0.5 * total]
    if named:
        return min(named, key=_plain_length)  # the innermost of the named containers that hold most of it
    best = body
    while True:
        children = [c for c in best if isinstance(c.tag, str)]
        inner = next((c for c in children if c.tag != "table" and _plain_length(c) >= 0.7 * total), None)
        if inner is None:
            return best
        best = inner


def _title_element(body):
    """The article title printed just above ``body``: an h1-h3, or an element whose class says title."""
    _, _, _, title = _lexicon()
    if next(body.iter("h1"), None) is not None:
        return None
    el = body
    for _ in range(3):
        for sibling in _previous_siblings(el):
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in ("h1", "h2", "h3") or title.search(_classes(sibling)):
                text = _clean(sibling.text_content())
                return sibling if text and len(text) <= 120 else None
            heading = next(iter(sibling.iter("h1", "h2")), None)
            if heading is not None:
                return heading
        el = el.getparent()
        if el is None or el.tag == "body":
            return None
    return None


def _previous_siblings(el):
    sibling = el.getprevious()
    while sibling is not None:
        yield sibling
        sibling = sibling.getprevious()


def _clean(text: str) -> str:
    return _CJK_GAP.sub("", _SPACE.sub(" ", text)).strip()


# ---------------------------------------------------------------- elements to blocks


class _Walker:
    """Walks elements in document order, turning runs of inline text into paragraphs and tables into Tables."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self.outline = Outline()
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.owner = None  # the element the pending text belongs to
        self.level: int | None = None

    def walk(self, el) -> None:
        self._element(el)
        self._flush()

    def _element(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            self._flush()
            self._table(el)
        elif tag == "br":
            self._flush()
        elif tag in _BLOCK_TAGS or tag in _HEADINGS:
            self._flush()
            if tag in _HEADINGS:
                self.level = _HEADINGS[tag]
            self._text(el.text, el)
            for child in el:
                self._element(child)
                self._text(child.tail, el)
            self._flush()
            self.level = None
        else:
            self._text(el.text, el)
            for child in el:
                self._element(child)
                self._text(child.tail, el)

    def _text(self, text: str | None, el) -> None:
        if text and text.strip():
            if not self.parts:
                self.owner = el
            self.parts.append(text)
        elif text and self.parts:
            self.parts.append(" ")

    def _flush(self) -> None:
        text = _clean("".join(self.parts))
        owner, level = self.owner, self.level
        self.parts, self.owner = [], None
        if not text:
            return
        if level is not None:
            level = numbering_level(text) or level
        else:
            level = self.outline.classify(text)
        self.blocks.append(self.outline.paragraph(len(self.blocks), text, level,
                                                  element=self.tree.getpath(owner) if owner is not None else None))

    def _table(self, table) -> None:
        rows = [tr for tr in _rows(table)]
        cells = [td for tr in rows for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
        nested = any(sub is not table for td in cells for sub in td.iter("table"))
        if nested or len(cells) <= 1 or any(_cell_blocks(td) >= _LAYOUT_CELL_BLOCKS for td in cells):
            for td in cells:  # a layout frame: its content is flow
                self.walk(td)
            return
        grid = _grid(rows)
        if grid is None:
            return
        out, n_rows, n_cols = grid
        caption = table.find("caption")
        if caption is not None and _clean(caption.text_content()):
            self.walk(caption)
        self.blocks.append(Table(index=len(self.blocks), cells=tuple(out), n_rows=n_rows, n_cols=n_cols,
                                 section=self.outline.path, element=self.tree.getpath(table)))


def _rows(table):
    """The ``tr`` of a table (inside thead/tbody/tfoot too), not those of nested tables."""
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if tr.tag == "tr")


def _cell_blocks(td) -> int:
    return sum(1 for el in td.iter("p", "div", "br", "li") if el is not td)


def _span(td, name: str) -> int:
    try:
        return max(1, min(int(regex.sub(r"\D", "", td.get(name) or "1") or 1), 1000))
    except ValueError:
        return 1


def _cell_text(td) -> str:
    """A cell's lines (paragraphs and line breaks) joined as the DOCX reader joins a cell's lines."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _clean("".join(current))
        if text:
            lines.append(text)
        current.clear()

    def walk(el) -> None:
        if el.tag == "br":
            flush()
        elif el.tag in _BLOCK_TAGS:
            flush()
        current.append(el.text or "")
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            current.append(child.tail or "")
        if el.tag in _BLOCK_TAGS:
            flush()

    walk(td)
    flush()
    return _join_lines(lines)


def _grid(rows) -> tuple[list[Cell], int, int] | None:
    """Cells at their top-left slots with spans, the way a browser lays out rowspan/colspan."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, int, int, str]] = []
    for r, tr in enumerate(rows):
        col = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, col) in taken:
                col += 1
            rowspan, colspan = _span(td, "rowspan"), _span(td, "colspan")
            placed.append((r, col, rowspan, colspan, _cell_text(td)))
            if rowspan * colspan > _MAX_GRID:
                rowspan = min(rowspan, len(rows) - r)
            for rr in range(r, r + min(rowspan, len(rows) - r)):
                for cc in range(col, col + colspan):
                    taken.add((rr, cc))
            col += colspan
            if len(taken) > _MAX_GRID:
                return None
    if not placed:
        return None
    n_rows = len(rows)
    n_cols = max(c + s for _, c, _, s, _ in placed)
    cells = [Cell(row=r, col=c, text=t, rowspan=min(rs, n_rows - r), colspan=min(cs, n_cols - c))
             for r, c, rs, cs, t in placed if c < n_cols]
    covered = {(r, c) for cell in cells for r in range(cell.row, cell.row + cell.rowspan)
               for c in range(cell.col, cell.col + cell.colspan)}
    cells += [Cell(row=r, col=c, text="") for r in range(n_rows) for c in range(n_cols) if (r, c) not in covered]
    cells.sort(key=lambda c: (c.row, c.col))
    return cells, n_rows, n_cols
