"""HTML mail bodies as readable plain text for cxinbox.

Front-desk staff read HTML-only messages (portal notifications, newsletters, replies from
webmail) in a terminal, so the HTML is flattened into lines: scripts and styles vanish,
blocks become line breaks, list items get "- ", links keep their target visible.

The stdlib `html.parser` does the tokenising and entity decoding, but on Python 3.11 it
rescans the rest of the document for every unterminated construct (`<a b='`, `<!--`,
`<![CDATA[` ...), which turns 100 KB of hostile HTML into minutes of CPU. `_defuse` therefore
runs first: one linear pass that follows the HTML5 tokeniser's rules for where a tag,
comment or raw-text element ends, drops what a browser would not render, and hands
`html.parser` only complete, canonical tags. Every search in that pass either moves the
cursor forward or ends the document, so the whole conversion is linear in the input.
"""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Elements whose content a browser never shows as text. Dropped whole in `_defuse`.
_RAW_DROPPED = frozenset(
    {"script", "style", "title", "template", "xmp", "iframe", "noembed", "noframes"}
)
# RCDATA elements: their content is text even if it looks like markup.
_RAW_KEPT = frozenset({"textarea"})
_RAW_ELEMENTS = _RAW_DROPPED | _RAW_KEPT

# Attributes that carry visible information; everything else is discarded.
_KEPT_ATTRS = frozenset({"href", "alt"})

_LINE_BLOCKS = frozenset(
    {
        "div",
        "tr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "form",
        "fieldset",
        "address",
        "figure",
        "figcaption",
        "center",
        "caption",
        "details",
        "summary",
        "li",
        "thead",
        "tbody",
        "tfoot",
    }
)
_PARAGRAPH_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr"})
_LINK_OR_IMAGE = frozenset({"a", "img"})
_RENDERED = (
    _LINE_BLOCKS
    | _PARAGRAPH_BLOCKS
    | _LINK_OR_IMAGE
    | frozenset({"br", "td", "th", "head", "body", "textarea"})
)
_HIDDEN_LINK_SCHEMES = ("javascript:", "data:", "vbscript:", "cid:", "#")

_TAG_NAME = re.compile(r"[A-Za-z][^\t\n\f\r />]*")
_ATTR_GAP = re.compile(r"[\t\n\f\r /]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r /=>]*")
_SPACES = re.compile(r"[\t\n\f\r ]*")
_UNQUOTED_VALUE = re.compile(r"[^\t\n\f\r >]*")
_WHITESPACE_RUN = re.compile(r"\s+")
_RAW_CLOSE: dict[str, re.Pattern[str]] = {}
# The common case in one regex: a complete start tag with well-formed attributes. Anything
# it rejects goes through the exact, slower path in `_start_tag`.
_SIMPLE_START_TAG = re.compile(
    r"""<([A-Za-z][^\t\n\f\r />]*)
    ((?:[\t\n\f\r /]+[^\t\n\f\r />=][^\t\n\f\r /=>]*
        (?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"[^"]*"|'[^']*'|[^\t\n\f\r >"'][^\t\n\f\r >]*))?
    )*)[\t\n\f\r /]*>""",
    re.VERBOSE,
)
_SIMPLE_END_TAG = re.compile(r"</([A-Za-z][^\t\n\f\r />]*)[^>]*>")
_INTERESTING_ATTR = re.compile(r"href|alt", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """Render `html` as plain text lines; never raises, linear in the input size."""
    if not html:
        return ""
    extractor = _TextExtractor()
    # A document that trips the parser still yields the text read up to that point.
    with contextlib.suppress(Exception):
        extractor.feed(_defuse(html))
        extractor.close()
    return extractor.text()


# --------------------------------------------------------------------------- tokenising


def _defuse(html: str) -> str:
    """Rewrite `html` so that every `<` starts a complete canonical tag, or is escaped.

    Comments, declarations, processing instructions and non-rendered elements are removed;
    an unterminated construct swallows the rest of the document, as it does in a browser.
    """
    out: list[str] = []
    pos = 0
    length = len(html)
    while pos < length:
        lt = html.find("<", pos)
        if lt < 0:
            out.append(html[pos:])
            break
        out.append(html[pos:lt])
        pos = _markup(html, lt, out)
    return "".join(out)


def _markup(html: str, lt: int, out: list[str]) -> int:
    """Handle the markup starting at `lt`; return where text resumes (len(html) = done)."""
    nxt = html[lt + 1 : lt + 2]
    if nxt == "!":
        if html.startswith("<!--", lt):
            return _skip_past(html, "-->", lt + 4)
        return _skip_past(html, ">", lt + 2)
    if nxt == "?":
        return _skip_past(html, ">", lt + 2)
    if nxt == "/":
        simple_end = _SIMPLE_END_TAG.match(html, lt)
        if simple_end is None:
            return _end_tag(html, lt, out)
        _emit(out, f"</{simple_end.group(1).lower()}>", simple_end.group(1).lower())
        return simple_end.end()
    if nxt.isascii() and nxt.isalpha():
        simple = _SIMPLE_START_TAG.match(html, lt)
        if simple is None:
            return _start_tag(html, lt, out)
        name = simple.group(1).lower()
        if name in _RAW_ELEMENTS or (
            name in _LINK_OR_IMAGE and _INTERESTING_ATTR.search(simple.group(2))
        ):
            return _start_tag(html, lt, out)
        _emit(out, f"<{name}>", name)
        return simple.end()
    out.append("&lt;")
    return lt + 1


def _emit(out: list[str], tag: str, name: str) -> None:
    """Pass on only tags that change the text; `html.parser` is the slow part per tag."""
    if name in _RENDERED:
        out.append(tag)


def _skip_past(html: str, terminator: str, start: int) -> int:
    """Index just after `terminator`, or the end of the document if it never comes."""
    found = html.find(terminator, start)
    return len(html) if found < 0 else found + len(terminator)


def _end_tag(html: str, lt: int, out: list[str]) -> int:
    name_match = _TAG_NAME.match(html, lt + 2)
    if name_match is None:
        # "</>" is ignored; "</ junk>" is a bogus comment.
        return _skip_past(html, ">", lt + 2)
    gt = html.find(">", name_match.end())
    if gt < 0:
        return len(html)
    name = name_match.group().lower()
    _emit(out, f"</{name}>", name)
    return gt + 1


def _start_tag(html: str, lt: int, out: list[str]) -> int:
    name_end = _skip(_TAG_NAME, html, lt + 1)
    name = html[lt + 1 : name_end].lower()
    attrs, end = _read_attributes(html, name_end)
    if end < 0:
        return len(html)
    if name in _RAW_DROPPED:
        return _raw_text_end(html, name, end)
    _emit(out, _canonical_tag(name, attrs), name)
    if name in _RAW_KEPT:
        close = _raw_text_close(html, name, end)
        stop = len(html) if close is None else close[0]
        out.append(html[end:stop].replace("<", "&lt;"))
        if close is None:
            return len(html)
        out.append(f"</{name}>")
        return close[1]
    return end


def _read_attributes(html: str, pos: int) -> tuple[dict[str, str], int]:
    """Attributes of a start tag and the index after its `>`; -1 if the tag never ends."""
    attrs: dict[str, str] = {}
    length = len(html)
    while True:
        pos = _skip(_ATTR_GAP, html, pos)
        if pos >= length:
            return attrs, -1
        if html[pos] == ">":
            return attrs, pos + 1
        name_end = max(_skip(_ATTR_NAME, html, pos), pos + 1)  # always consume input
        name = html[pos:name_end].lower()
        pos = _skip(_SPACES, html, name_end)
        value = ""
        if html.startswith("=", pos):
            value, pos = _read_value(html, _skip(_SPACES, html, pos + 1))
            if pos < 0:
                return attrs, -1
        if name in _KEPT_ATTRS and name not in attrs:
            attrs[name] = value


def _skip(pattern: re.Pattern[str], html: str, pos: int) -> int:
    """End of `pattern` matched at `pos` (all patterns here accept the empty string)."""
    match = pattern.match(html, pos)
    return pos if match is None else match.end()


def _read_value(html: str, pos: int) -> tuple[str, int]:
    quote = html[pos : pos + 1]
    if quote in ("'", '"'):
        close = html.find(quote, pos + 1)
        if close < 0:
            return "", -1
        return html[pos + 1 : close], close + 1
    end = _skip(_UNQUOTED_VALUE, html, pos)
    return html[pos:end], end


def _canonical_tag(name: str, attrs: dict[str, str]) -> str:
    if not attrs:
        return f"<{name}>"
    rendered = " ".join(
        f'{key}="{value.replace(chr(34), "&quot;")}"' for key, value in attrs.items()
    )
    return f"<{name} {rendered}>"


def _raw_text_close(html: str, name: str, start: int) -> tuple[int, int] | None:
    """Span of the end tag that closes raw-text element `name`, or None if it never closes."""
    pattern = _RAW_CLOSE.get(name)
    if pattern is None:
        pattern = re.compile(rf"</{name}(?=[\t\n\f\r />]|$)", re.IGNORECASE)
        _RAW_CLOSE[name] = pattern
    match = pattern.search(html, start)
    if match is None:
        return None
    gt = html.find(">", match.end())
    return (match.start(), len(html) if gt < 0 else gt + 1)


def _raw_text_end(html: str, name: str, start: int) -> int:
    close = _raw_text_close(html, name, start)
    return len(html) if close is None else close[1]


# --------------------------------------------------------------------------- rendering


class _TextExtractor(HTMLParser):
    """Collects text from canonical HTML into lines (see `_defuse` for why canonical)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._current: list[str] = []
        self._current_has_text = False
        self._current_is_pre = False
        self._current_quote = 0
        self._bullet = ""
        self._pre_depth = 0
        self._list_depth = 0
        self._quote_depth = 0
        self._in_head = False
        self._link_href: str | None = None
        self._link_text: list[str] = []

    # -- html.parser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self._in_head = True
            return
        # A head that is never closed ends where the first visible element starts.
        self._in_head = False
        if tag == "a":
            self._open_link(dict(attrs).get("href") or "")
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self._add_text(f" {alt} ")
        elif tag == "br":
            self._finish_line(force=True)
        elif tag in ("td", "th"):
            self._add_text(" ")
        elif tag == "li":
            self._finish_line()
            self._bullet = "  " * max(0, min(self._list_depth, 10) - 1) + "- "
        else:
            self._block_start(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag == "a":
            self._close_link()
        elif tag in ("td", "th"):
            self._add_text(" ")
        else:
            self._block_end(tag)

    def handle_data(self, data: str) -> None:
        if self._in_head:
            return
        if self._pre_depth:
            self._add_preformatted(data)
        else:
            self._add_text(_WHITESPACE_RUN.sub(" ", data))

    # -- blocks

    def _block_start(self, tag: str) -> None:
        if tag in _PARAGRAPH_BLOCKS:
            self._paragraph_break()
        elif tag in _LINE_BLOCKS:
            self._finish_line()
        if tag in ("ul", "ol"):
            self._list_depth += 1
        elif tag == "pre":
            self._pre_depth += 1
        elif tag == "blockquote":
            self._quote_depth += 1

    def _block_end(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            self._list_depth = max(0, self._list_depth - 1)
        elif tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        elif tag == "blockquote":
            self._paragraph_break()
            self._quote_depth = max(0, self._quote_depth - 1)
        if tag in _PARAGRAPH_BLOCKS:
            self._paragraph_break()
        elif tag in _LINE_BLOCKS:
            self._finish_line()

    # -- links

    def _open_link(self, href: str) -> None:
        self._close_link()
        href = href.strip()
        if href and not href.lower().startswith(_HIDDEN_LINK_SCHEMES):
            self._link_href = href
            self._link_text = []

    def _close_link(self) -> None:
        href = self._link_href
        if href is None:
            return
        self._link_href = None
        text = " ".join("".join(self._link_text).split())
        if not text:
            return
        bare = href[7:] if href.lower().startswith("mailto:") else href
        if text not in (href, bare):
            self._add_text(f" <{href}>")

    # -- line assembly

    def _add_text(self, text: str) -> None:
        if not text:
            return
        if self._link_href is not None:
            self._link_text.append(text)
        self._add_raw(text)

    def _add_raw(self, text: str) -> None:
        if not self._current:
            self._current_quote = self._quote_depth
        self._current.append(text)
        if not self._current_has_text and not text.isspace():
            self._current_has_text = True

    def _add_preformatted(self, data: str) -> None:
        self._current_is_pre = True
        first, *rest = data.replace("\r\n", "\n").split("\n")
        self._add_text(first)
        for line in rest:
            self._finish_line(force=True)
            self._current_is_pre = True
            self._add_text(line)

    def _finish_line(self, force: bool = False) -> None:
        if self._current_has_text:
            line = "".join(self._current)
            line = line.rstrip() if self._current_is_pre else " ".join(line.split())
            self._lines.append("> " * min(self._current_quote, 10) + self._bullet + line)
            self._bullet = ""
        elif force:
            self._lines.append("")
        self._current = []
        self._current_has_text = False
        self._current_is_pre = False

    def _paragraph_break(self) -> None:
        self._finish_line()
        if self._lines and self._lines[-1]:
            self._lines.append("")

    def text(self) -> str:
        """The collected text: at most one blank line in a row, none at either end."""
        self._close_link()
        self._finish_line()
        kept: list[str] = []
        for line in self._lines:
            if line or (kept and kept[-1]):
                kept.append(line)
        while kept and not kept[-1]:
            kept.pop()
        return "\n".join(kept)
