"""One sanitiser for every piece of text that came from outside.

Terminals act on escape sequences wherever they appear, and Rich/Textual only strip a
handful of control bytes, so a subject can move the cursor, set the clipboard (OSC 52),
plant a hyperlink (OSC 8) or reverse the visible order of characters (bidi overrides).
Everything shown to a person passes `clean_line` (one line: lists, headers, status) or
`clean_text` (multi-line bodies). Callers must still hand the result to Rich/Textual as
plain text (`Text(...)`, `Content(...)`), never as markup.
"""

from __future__ import annotations

import re
import unicodedata

# Whole escape sequences, 7-bit and 8-bit forms:
#   CSI  ESC [ ... final   | 0x9B ... final
#   OSC  ESC ] ... BEL/ST  | 0x9D ... BEL/ST
#   DCS/SOS/PM/APC  ESC P|X|^|_ ... ST  | 0x90/0x98/0x9E/0x9F ... ST
#   two-byte ESC sequences (ESC c, ESC 7, ESC ( B ...)
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?        # CSI
  | (?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c|$)                   # OSC
  | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]).*?(?:\x1b\\|\x9c|$)      # DCS SOS PM APC
  | \x1b[\x20-\x2f]*[\x30-\x7e]?                               # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)

# Bidi controls that can reorder what a person sees (Trojan Source), plus characters
# that draw nothing and so can hide or smuggle text: zero-width space and joiner, BOM,
# soft hyphen, the invisible operators (U+2061-U+2064) and the tag characters
# (U+E0000-U+E007F, which carry an invisible ASCII copy of a text, e.g. a prompt that
# a person cannot see but a tool reading the field can).
_BIDI_AND_INVISIBLE: dict[int, str | None] = dict.fromkeys(
    [
        *map(
            ord,
            "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
            "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
            "\u200e\u200f\u061c"  # LRM RLM ALM
            "\u200b\u2060\ufeff"  # zero-width space, word joiner, BOM
            "\u00ad"  # soft hyphen
            "\u2061\u2062\u2063\u2064",  # function application, invisible times/separator/plus
        ),
        *range(0xE0000, 0xE0080),  # tag characters
    ],
    None,
)

# Unicode's own line and paragraph separators: a line break to a terminal or a widget
# that honours them, so a one-line field (a subject in the list) could spill onto the
# next row. Single-line text gets a space, multi-line text a plain newline.
_LINE_SEPARATORS_ONE_LINE: dict[int, str | None] = {0x2028: " ", 0x2029: " "}
_LINE_SEPARATORS_MULTI_LINE: dict[int, str | None] = {0x2028: "\n", 0x2029: "\n"}

# Both tables in one pass: their keys are apart, and neither maps a character to one the
# other changes, so one `str.translate` gives what the two in turn gave. Every key is past
# ASCII: an ASCII text is left as it is, and is not copied through them.
_ONE_LINE_TABLE: dict[int, str | None] = {**_BIDI_AND_INVISIBLE, **_LINE_SEPARATORS_ONE_LINE}
_MULTI_LINE_TABLE: dict[int, str | None] = {**_BIDI_AND_INVISIBLE,
                                             **_LINE_SEPARATORS_MULTI_LINE}

_REPLACEMENT = "\ufffd"


def _control_to_visible(ch: str, keep_newlines: bool) -> str:
    if ch == "\t":
        return " " if not keep_newlines else "    "
    if ch == "\n":
        return "\n" if keep_newlines else " "
    if ch == "\r":
        return "" if keep_newlines else " "
    return _REPLACEMENT


# What `_clean` replaces after escapes and bidi controls are gone: C0 and C1 controls and
# DEL (shown as a space, kept as a newline, or U+FFFD), then surrogates and private-use
# characters (U+FFFD): the Unicode categories Cc, Cs and Co.
_UNSAFE_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_UNSAFE_KEEPING_NEWLINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
"""`_UNSAFE_CHARS` less the newline, for multi-line text, where a newline stays itself: a
body's every line break no longer goes through a Python call to be put back."""


def _clean(text: str, keep_newlines: bool) -> str:
    if not text:
        return ""
    if text.isascii():
        if text.isprintable():  # most names and subjects: nothing to do
            return text
        # In ASCII, an escape sequence starts with ESC (the 8-bit forms are past ASCII),
        # and nothing the tables map is there.
        if "\x1b" in text:
            text = _ESCAPES.sub("", text)
    else:
        text = _ESCAPES.sub("", text)
        text = text.translate(_MULTI_LINE_TABLE if keep_newlines else _ONE_LINE_TABLE)

    def visible(match: re.Match[str]) -> str:
        ch = match.group()
        return _control_to_visible(ch, keep_newlines) if ord(ch) < 0xA0 else _REPLACEMENT

    return (_UNSAFE_KEEPING_NEWLINES if keep_newlines else _UNSAFE_CHARS).sub(visible, text)


def clean_line(text: str | None, max_len: int | None = None) -> str:
    """Sanitise to a single display line; whitespace runs collapse to one space."""
    cleaned = " ".join(_clean(text or "", keep_newlines=False).split())
    if max_len is not None and len(cleaned) > max_len:
        cleaned = cleaned[: max(0, max_len - 1)] + "…"
    return cleaned


def clean_text(text: str | None) -> str:
    """Sanitise multi-line text (a body): newlines kept, CRLF folded to LF."""
    return _clean((text or "").replace("\r\n", "\n"), keep_newlines=True)


def to_ascii(text: str) -> str:
    """Fold to 7-bit ASCII for `--ascii` terminals: accents dropped, the rest as '?'."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(
        ch if ord(ch) < 128 else ("" if unicodedata.combining(ch) else "?") for ch in folded
    )


def header_safe(text: str | None) -> str:
    """A single-line string safe to place in an outgoing header: no CR, LF or controls."""
    return clean_line(text).replace(_REPLACEMENT, "")
