"""Raw RFC 5322 / MIME bytes → `ParsedMessage`, for every message cxinbox syncs.

Two constraints shape this module:

* Speed. The sync parses every message of mailboxes with 100,000 of them, so the budget is
  about half a millisecond per ordinary message. The stdlib parser walks the body line by
  line in Python even with `compat32` (about 4 ms for a message with a 200 KB PDF).
  Here the structure is found with `bytes.find` on byte offsets into the raw message;
  only the headers cxinbox shows and the text parts are ever decoded, and attachment sizes
  come from the encoded length instead of decoding megabytes of base64.
* Hostile input. Anyone can send mail to a clinic. `parse_message` never raises: every
  stage runs under a guard, anything odd becomes a `problems` entry, and limits bound the
  work for absurd nesting, part counts, header lengths and body sizes. All loops over
  attacker-controlled structure are iterative or bounded by `MimeLimits.max_depth`.

Decoded text is faithful, not display-safe: escape sequences and markup-looking text are
kept, because the sanitiser runs at the presentation edge (see `sanitize.py`).
"""

from __future__ import annotations

import binascii
import codecs
import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from functools import lru_cache
from types import TracebackType
from urllib.parse import unquote_to_bytes

from .htmltext import html_to_text
from .maildate import parse_mail_date
from .models import Address, Attachment, ParsedMessage
from .sanitize import clean_line

__all__ = ["MimeLimits", "extract_part", "parse_message"]


@dataclass(frozen=True, slots=True)
class MimeLimits:
    """Bounds on the work spent on one message; past a bound the parser notes a problem."""

    max_bytes: int = 50 * 1024 * 1024  # bigger messages: headers only
    max_depth: int = 30  # nested multiparts deeper than this are not split
    max_parts: int = 500  # MIME parts examined per message
    max_header_len: int = 16 * 1024  # bytes kept of one header value
    max_body_chars: int = 1_000_000  # characters of body text kept
    max_header_fields: int = 1_000  # header fields read per header block
    max_references: int = 100  # message ids kept from References
    max_problems: int = 50  # problem notes kept per message


# --------------------------------------------------------------------------- problems


class _Problems:
    """Collects problem notes once each, up to a cap, so a hostile message stays small."""

    __slots__ = ("_cap", "items")

    def __init__(self, items: list[str], cap: int) -> None:
        self.items = items
        self._cap = max(1, cap)

    def add(self, note: str) -> None:
        if note in self.items:
            return
        if len(self.items) < self._cap:
            self.items.append(note)
        elif len(self.items) == self._cap:
            self.items.append("further problems not listed")


class _Guard:
    """Context manager that turns any exception of one parsing stage into a problem note.

    A class rather than `contextlib.contextmanager` because it runs several times for every
    message and the generator-based version costs several times more.
    """

    __slots__ = ("_problems", "_stage")

    def __init__(self, problems: _Problems, stage: str) -> None:
        self._problems = problems
        self._stage = stage

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc_type is None or not issubclass(exc_type, Exception):
            return False
        self._problems.add(f"could not read {self._stage} ({exc_type.__name__})")
        return True


def _quoted(text: str, limit: int = 60) -> str:
    """Attacker-supplied text (a charset name, a header name) made fit for a problem note."""
    return '"' + clean_line(_no_stray(text), limit) + '"'


# --------------------------------------------------------------------------- charsets

# Labels mail software uses that Python does not know, or knows by a narrower codec.
# ISO-8859-1 and friends are read as windows-1252 as browsers do, so stray C1 bytes become
# quotes and dashes instead of invisible control characters.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
}
# Codecs that are text codecs to Python but unsafe or meaningless for mail: punycode is
# quadratic, the escape codecs turn literal text into control characters.
_REFUSED_CODECS = frozenset(
    {
        "idna",
        "punycode",
        "raw-unicode-escape",
        "raw_unicode_escape",
        "unicode-escape",
        "unicode_escape",
        "undefined",
        "mbcs",
        "oem",
    }
)


@lru_cache(maxsize=512)
def _codec_name(charset: str) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or refused."""
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        return None
    return info.name


def _decode_bytes(
    data: bytes, charset: str | None, problems: _Problems, what: str, *, partial: bool = False
) -> str:
    """Decode `data` by its declared charset, falling back to UTF-8, then windows-1252.

    A few bytes that are not UTF-8 in text that otherwise is (a stray byte, a word pasted
    from a windows-1252 document) are read as windows-1252 one by one, so they do not turn
    the whole text into mojibake; only text that is mostly not UTF-8 is read as
    windows-1252 throughout (or by its declared charset, with unreadable bytes replaced).

    `partial` marks data cut at a size limit: a multi-byte character split by the cut is
    dropped instead of being reported as invalid.
    """
    complaint: str | None = None
    codec: str | None = None
    if charset:
        codec = _codec_name(charset[:64])
        if codec is None:
            complaint = f"unknown charset {_quoted(charset)}"
        else:
            try:
                return _decode(data, codec, "strict", partial)
            except (UnicodeError, LookupError, ValueError):
                complaint = f"text is not valid {_quoted(charset)}"
    try:
        text, used = _decode(data, "utf-8", "strict", partial), _UTF8
    except UnicodeError:
        if _surely_not_utf8(data):
            text, used = data.decode("cp1252", "replace"), _CP1252
        else:
            text, used = _resolve_stray(_decode(data, "utf-8", "surrogateescape", partial))
        if used == _CP1252 and codec is not None and codec not in _STRICT_ONLY:
            text, used = _declared_or_cp1252(data, codec, charset or "", text, partial)
    if complaint is not None or used != _UTF8:
        problems.add(f"{what}: {complaint or _UNDECLARED[used]}; decoded as {used}")
    return text


def decode_undeclared(data: bytes) -> tuple[str, str | None]:
    """Bytes nobody declared a charset for (a line piped to `cxinbox triage`), read as a
    mail body without one is: UTF-8, a few stray bytes as windows-1252 one by one, text
    mostly not UTF-8 as windows-1252. Also how it was read when not plain UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeError:
        pass
    if _surely_not_utf8(data):
        return data.decode("cp1252", "replace"), _CP1252
    text, used = _resolve_stray(data.decode("utf-8", "surrogateescape"))
    return text, used


_UTF8 = "UTF-8"
_CP1252 = "windows-1252"
_PER_BYTE = "UTF-8, stray bytes as windows-1252"
_UNDECLARED = {_CP1252: "undeclared 8-bit text", _PER_BYTE: "bytes that are not valid UTF-8"}
# Declared charsets not worth a lenient second reading: their failures mean a mislabel.
_STRICT_ONLY = frozenset({"utf-8", "ascii"})
# Bytes that are not UTF-8, as `surrogateescape` keeps them in a str.
_STRAY = re.compile("[\udc80-\udcff]+")


def _decode(data: bytes, codec: str, errors: str, partial: bool) -> str:
    if not partial:
        return data.decode(codec, errors)
    return codecs.getincrementaldecoder(codec)(errors).decode(data, final=False)


_ASCII_BYTES = bytes(range(0x80))
_NOT_CONTINUATION = bytes(range(0x80)) + bytes(range(0xC0, 0x100))


def _surely_not_utf8(data: bytes) -> bool:
    """Whether `_resolve_stray` would read `data` as windows-1252 throughout, cheaply.

    Each UTF-8 character past ASCII holds a continuation byte (0x80-0xBF) and at least as
    many characters as stray bytes are needed, so with fewer than a third of the 8-bit
    bytes being continuation bytes the text cannot be mostly UTF-8. Latin-1 prose and
    binary junk end here without the slower per-byte decoding.
    """
    high = len(data.translate(None, _ASCII_BYTES))
    return 3 * len(data.translate(None, _NOT_CONTINUATION)) < high


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _resolve_stray(text: str) -> tuple[str, str]:
    """Text decoded with `surrogateescape` → (str without stray bytes, how it was read).

    With at least as many real UTF-8 characters as stray bytes, only the stray bytes are
    read as windows-1252; with fewer, the text was never UTF-8 and is read as windows-1252
    whole (a Latin-1 text can hold a byte pair that happens to be valid UTF-8).
    """
    # Only stray bytes cannot be encoded, so what "ignore" drops counts them (a regex over
    # binary junk with thousands of runs would cost ten times more).
    stray = len(text.encode("utf-8", "surrogateescape")) - len(text.encode("utf-8", "ignore"))
    if not stray:
        return text, _UTF8
    if _non_ascii(text) - stray >= stray:
        return _STRAY.sub(_stray_as_cp1252, text), _PER_BYTE
    return text.encode("utf-8", "surrogateescape").decode("cp1252", "replace"), _CP1252


def _stray_as_cp1252(match: re.Match[str]) -> str:
    return match.group().encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def _declared_or_cp1252(
    data: bytes, codec: str, charset: str, fallback: str, partial: bool
) -> tuple[str, str]:
    """Text mostly valid in its declared charset, with its few bad bytes replaced."""
    text = _decode(data, codec, "replace", partial)
    bad = text.count("\ufffd")
    if _non_ascii(text) - bad >= bad:
        return text, f"{_quoted(charset)} with unreadable bytes replaced"
    return fallback, _CP1252


# --------------------------------------------------------------------------- header text


def _header_raw(raw: bytes) -> str:
    """A raw header value as str, bytes that are not UTF-8 kept as surrogate escapes.

    Kept so that encoded words can get back the exact bytes inside them (raw 8-bit
    text inside `=?iso-8859-1?Q?...?=` is in that charset, not in UTF-8) and the rest of
    the value can be judged as a whole by `_resolve_stray`.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape")


def _plain_text(text: str, problems: _Problems, what: str) -> str:
    """Header text from `_header_raw` with any stray bytes decoded (RFC 6532: UTF-8)."""
    if text.isascii():
        return text
    text, used = _resolve_stray(text)
    if used != _UTF8:
        problems.add(f"{what}: {_UNDECLARED[used]}; decoded as {used}")
    return text


def _header_text(raw: bytes, problems: _Problems, what: str) -> str:
    """A raw header value as str; 8-bit bytes are UTF-8 (RFC 6532) or else windows-1252."""
    return _plain_text(_header_raw(raw), problems, what)


# Whitespace inside the encoded text is not allowed but is what a fold inside a long word
# leaves after unfolding; mail clients decode such words, so this pattern accepts it.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")


def _decode_words(text: str, problems: _Problems, what: str) -> str:
    """Decode RFC 2047 encoded words in `text` (from `_header_raw`).

    Adjacent words in one charset are joined before decoding, because senders split
    multi-byte characters across words; whitespace between encoded words is dropped.
    """
    if "=?" not in text:
        return _plain_text(text, problems, what)
    out: list[str] = []
    pending = bytearray()
    pending_charset = ""
    last_end = 0
    for match in _ENCODED_WORD.finditer(text):
        gap = text[last_end : match.start()]
        charset = match.group(1).split("*", 1)[0]
        joins_previous = last_end > 0 and (not gap or gap.isspace())
        if not joins_previous or charset.lower() != pending_charset.lower():
            _flush_words(out, pending, pending_charset, problems, what)
        if not joins_previous:
            out.append(_plain_text(gap, problems, what))
        pending += _word_bytes(match.group(2), match.group(3))
        pending_charset = charset
        last_end = match.end()
    _flush_words(out, pending, pending_charset, problems, what)
    out.append(_plain_text(text[last_end:], problems, what))
    return "".join(out)


def _flush_words(
    out: list[str], pending: bytearray, charset: str, problems: _Problems, what: str
) -> None:
    if pending:
        out.append(_decode_bytes(bytes(pending), charset, problems, what))
        pending.clear()


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("utf-8", "surrogateescape")
    if encoding in "Qq":
        return binascii.a2b_qp(data, header=True)
    return _base64_decode(data)


def _no_stray(text: str) -> str:
    """`text` with any stray bytes as U+FFFD, for notes and other places that need no more."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --------------------------------------------------------------------------- transfer codings

_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_UUENCODE = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})
_IDENTITY = frozenset({"", "7bit", "8bit", "binary"})


def _base64_decode(data: bytes) -> bytes:
    """Lenient base64: stray characters are skipped and missing padding is supplied."""
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        cleaned = _BASE64_JUNK.sub(b"", data)
        remainder = len(cleaned) % 4
        if remainder == 1:
            cleaned = cleaned[:-1]
        elif remainder:
            cleaned += b"=" * (4 - remainder)
        return binascii.a2b_base64(cleaned)


def _uudecode(data: bytes) -> bytes:
    out = bytearray()
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`", b""):
            if line.strip() == b"end":
                break
            continue
        length = (((line[0] - 32) & 63) * 4 + 5) // 3
        try:
            out += binascii.a2b_uu(line[:length])
        except binascii.Error:
            continue
    return bytes(out)


def _transfer_decode(data: bytes, encoding: str) -> bytes:
    if encoding == "base64":
        return _base64_decode(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if encoding in _UUENCODE:
        return _uudecode(data)
    return data


def _base64_size(raw: bytes, start: int, end: int) -> int:
    """Decoded size of base64 text in raw[start:end] without decoding it.

    Mail software wraps base64 at a fixed width, so the size follows from the first line's
    length, verified at a few later line ends; irregular text falls back to counting.
    """
    end = _strip_end(raw, start, end)
    pad = 0
    while pad < 2 and end - pad > start and raw[end - pad - 1] == 0x3D:  # "="
        pad += 1
    chars = _regular_base64_chars(raw, start, end)
    if chars is None:
        chars = end - start - sum(raw.count(ws, start, end) for ws in (b"\n", b"\r", b" ", b"\t"))
    return max(0, (chars - pad) * 3 // 4)


def _strip_end(raw: bytes, start: int, end: int) -> int:
    tail = raw[max(start, end - 256) : end]
    kept = tail.rstrip()
    if kept or end - start <= 256:
        return end - (len(tail) - len(kept))
    return start + len(raw[start:end].rstrip())


def _regular_base64_chars(raw: bytes, start: int, end: int) -> int | None:
    newline = raw.find(b"\n", start, end)
    if newline < 0:
        return None
    line_len = newline + 1 - start
    eol = 2 if newline > start and raw[newline - 1] == 0x0D else 1
    full_lines = (end - start) // line_len
    if line_len <= eol or full_lines == 0:
        return None
    for k in {1, full_lines // 2, full_lines}:
        pos = start + k * line_len - 1
        if k and (raw[pos] != 0x0A or (eol == 2 and raw[pos - 1] != 0x0D)):
            return None
    last_start = start + full_lines * line_len
    if raw.find(b"\n", last_start, end) >= 0 or raw.find(b" ", start, start + line_len) >= 0:
        return None
    return full_lines * (line_len - eol) + (end - last_start)


# --------------------------------------------------------------------------- header blocks

_FIELD = re.compile(rb"([!-9;-~]+)[ \t]*:[ \t]*")
_BOM = codecs.BOM_UTF8
_FIELD_END = re.compile(rb"\n(?![ \t])")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_UNFOLD = re.compile(rb"\r?\n(?=[ \t])")

# Header fields keyed by lower-cased name. Only the fields cxinbox reads get their values
# extracted and unfolded; other names map to an empty list, which records their presence.
_Fields = dict[str, list[bytes]]
_READ_FIELDS = frozenset(
    {
        "message-id",
        "in-reply-to",
        "references",
        "subject",
        "date",
        "from",
        "to",
        "cc",
        "reply-to",
        "auto-submitted",
        "precedence",
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
    }
)


def _read_header_block(
    raw: bytes, start: int, end: int, limits: MimeLimits, problems: _Problems
) -> tuple[_Fields, int]:
    """Header fields of the entity at raw[start:end] and the offset where its body starts.

    Like the stdlib parser, a line that is neither a field nor a continuation ends the
    header block, so a message with a broken header still shows that line in the body.
    A UTF-8 byte-order mark before the first field (Windows tools write one when they save
    a message as UTF-8 text) is skipped, or it would hide every header.
    """
    fields: _Fields = {}
    pos = start
    if raw.startswith(_BOM, start, end) and _FIELD.match(raw, start + len(_BOM), end):
        pos = start + len(_BOM)
    count = 0
    while pos < end:
        if raw[pos] == 0x0A:
            return fields, pos + 1
        if raw.startswith(b"\r\n", pos, end):
            return fields, pos + 2
        match = _FIELD.match(raw, pos, end)
        if match is None:
            if raw[pos] in b" \t" or (pos == 0 and raw.startswith(b"From ", pos, end)):
                pos = _next_line(raw, pos, end)  # orphan continuation or mbox "From " line
                continue
            if fields:
                problems.add(
                    "a line in a header block is not a header field; read as the start of the body"
                )
            return fields, pos
        value_end = _field_end(raw, match.end(), end)
        count += 1
        if count > limits.max_header_fields:
            problems.add(f"more than {limits.max_header_fields} header fields; rest ignored")
            blank = _BLANK_LINE.search(raw, max(start, pos - 1), end)
            return fields, end if blank is None else blank.end()
        name = match.group(1).decode("ascii").lower()
        values = fields.setdefault(name, [])
        if name in _READ_FIELDS:
            values.append(_field_value(raw, match.end(), value_end, name, limits, problems))
        pos = value_end + 1
    return fields, end


def _next_line(raw: bytes, pos: int, end: int) -> int:
    newline = raw.find(b"\n", pos, end)
    return end if newline < 0 else newline + 1


def _field_end(raw: bytes, pos: int, end: int) -> int:
    """Offset of the newline ending the (possibly folded) field whose value starts at pos."""
    match = _FIELD_END.search(raw, pos, end)
    if match is None:
        return end
    return match.start()


def _utf8_boundary(raw: bytes, pos: int) -> int:
    """Move a cut position back so that it does not split a UTF-8 sequence."""
    for back in range(min(3, pos)):
        if not 0x80 <= raw[pos - back] <= 0xBF:
            return pos - back
    return pos


def _field_value(
    raw: bytes, start: int, end: int, name: str, limits: MimeLimits, problems: _Problems
) -> bytes:
    if end - start > limits.max_header_len:
        problems.add(
            f"header {_quoted(name, 40)} longer than {limits.max_header_len} bytes; truncated"
        )
        end = _utf8_boundary(raw, start + limits.max_header_len)
    value = raw[start:end]
    if b"\n" in value:
        value = _UNFOLD.sub(b"", value)
    return value.strip()


# --------------------------------------------------------------------------- parameters

_TYPE_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+")
# One parameter, matched at a position just after a ";" and consuming through the next
# ";" outside quotes. Anchored matching keeps the scan linear even for junk parameters.
_PARAM = re.compile(
    r"""\s*([^\s=;"]*)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;]*)))?[^;]*;?""", re.DOTALL
)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_UNSEPARATED_PARAM = re.compile(r"\s*([^\s=;]+)\s+(?=[^\s=;\"]+\s*=)")
_SECTION = re.compile(r"(.+)\*(\d{1,3})")


def _split_value(value: str, problems: _Problems, what: str) -> tuple[str, dict[str, str]]:
    """A structured header value: (lower-cased main value, parameters by lower-case name).

    RFC 2231 continuations and charsets are resolved here; RFC 2047 words inside values
    are left for `_param_text`, which only the file name needs. A parameter after the main
    value without its ";" (`multipart/mixed` then a folded `boundary="b"` line) is read as
    a parameter, as mail clients do; otherwise the whole structure of the message is lost.
    """
    main, _, rest = value.partition(";")
    unseparated = _UNSEPARATED_PARAM.match(main)
    if unseparated is not None:
        rest = main[unseparated.end() :] + ";" + rest
        main = unseparated.group(1)
    params: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for name, quoted, unquoted in _param_matches(rest):
        text = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else unquoted.strip()
        if "*" not in name:
            params.setdefault(name, text)
            continue
        is_encoded = name.endswith("*")
        base = name[:-1] if is_encoded else name
        section = _SECTION.fullmatch(base)
        index = 0
        if section is not None:
            base, index = section.group(1), int(section.group(2))
        extended.setdefault(base, []).append((index, is_encoded, text))
    for base, sections in extended.items():
        params[base] = _join_rfc2231(sections, problems, f"{what} parameter {_quoted(base, 40)}")
    return main.strip().lower(), params


def _param_matches(text: str) -> list[tuple[str, str | None, str]]:
    """(lower-cased name, quoted value or None, unquoted value) for each `name=value`."""
    found: list[tuple[str, str | None, str]] = []
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        name, quoted, unquoted = match.group(1, 2, 3)
        if name and (quoted is not None or unquoted is not None):
            found.append((name.lower(), quoted, unquoted or ""))
    return found


def _join_rfc2231(sections: list[tuple[int, bool, str]], problems: _Problems, what: str) -> str:
    """One RFC 2231 parameter from its sections: percent-decoded, then charset-decoded."""
    sections.sort(key=lambda item: item[0])
    charset = ""
    chunks: list[bytes] = []
    for position, (_, is_encoded, text) in enumerate(sections):
        if is_encoded and position == 0 and text.count("'") >= 2:
            charset, _, text = text.split("'", 2)
        if is_encoded:
            chunks.append(unquote_to_bytes(text.encode("utf-8", "surrogateescape")))
        else:
            chunks.append(text.encode("utf-8", "surrogateescape"))
    return _decode_bytes(b"".join(chunks), charset or None, problems, what)


def _param_text(value: str, problems: _Problems, what: str) -> str:
    """A parameter value with RFC 2047 words decoded.

    Encoded words inside a quoted file name break RFC 2047 but are what several widely
    used mail clients send, so they are decoded too.
    """
    return _decode_words(value, problems, what)


# --------------------------------------------------------------------------- MIME tree


@dataclass(slots=True)
class _Part:
    """One MIME entity, located by byte offsets into the raw message."""

    path: str  # "" for the message itself, else the dotted IMAP section number
    depth: int
    fields: _Fields
    body_start: int
    end: int
    content_type: str
    params: dict[str, str]
    disposition: str
    disposition_params: dict[str, str]
    transfer_encoding: str
    children: list[_Part] = field(default_factory=list)

    @property
    def section(self) -> str:
        """IMAP section number: a single-part message's only part is "1"."""
        return self.path or "1"

    def describe(self) -> str:
        """How problem notes name this part."""
        return f"part {self.path}" if self.path else "the message"

    @property
    def is_container(self) -> bool:
        return self.content_type.startswith("multipart/")


def _make_part(
    raw: bytes,
    start: int,
    end: int,
    path: str,
    depth: int,
    default_type: str,
    limits: MimeLimits,
    problems: _Problems,
) -> _Part:
    fields, body_start = _read_header_block(raw, start, end, limits, problems)
    content_type = default_type
    params: dict[str, str] = {}
    if "content-type" in fields:
        declared, params = _split_value(
            _header_raw(fields["content-type"][0]),
            problems,
            "Content-Type",
        )
        if _TYPE_TOKEN.fullmatch(declared):
            content_type = declared
        else:
            problems.add(f"invalid Content-Type {_quoted(declared, 40)}; read as {default_type}")
    disposition = ""
    disposition_params: dict[str, str] = {}
    if "content-disposition" in fields:
        disposition, disposition_params = _split_value(
            _header_raw(fields["content-disposition"][0]),
            problems,
            "Content-Disposition",
        )
    encoding = ""
    if "content-transfer-encoding" in fields:
        encoding = fields["content-transfer-encoding"][0].decode("latin-1").strip().lower()
    return _Part(
        path,
        depth,
        fields,
        body_start,
        end,
        content_type,
        params,
        disposition,
        disposition_params,
        encoding,
    )


_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*\r?(?:\n|\Z)")


def _split_multipart(
    raw: bytes, start: int, end: int, boundary: bytes, limit: int
) -> tuple[list[tuple[int, int]], bool]:
    """Byte spans of the body parts between `--boundary` lines; (spans, hit the limit).

    A delimiter only counts at the start of a line and followed by nothing but spaces, as
    RFC 2046 says; the CRLF before it belongs to the delimiter. A missing close delimiter
    ends the last part at the end of the enclosing entity.
    """
    delimiter = b"--" + boundary
    spans: list[tuple[int, int]] = []
    part_start = -1
    pos = start
    while True:
        found = raw.find(delimiter, pos, end)
        if found < 0:
            break
        if found != start and raw[found - 1] != 0x0A:
            pos = _next_line(raw, found, end)
            continue
        tail = _DELIMITER_TAIL.match(raw, found + len(delimiter), end)
        if tail is None:
            pos = _next_line(raw, found, end)
            continue
        if part_start >= 0:
            spans.append((part_start, _before_line_break(raw, part_start, found)))
            if len(spans) >= limit:
                return spans, True
        if tail.group(1):
            return spans, False
        part_start = pos = tail.end()
    if part_start >= 0:
        spans.append((part_start, end))
    return spans, False


def _before_line_break(raw: bytes, floor: int, pos: int) -> int:
    if pos > floor and raw[pos - 1] == 0x0A:
        pos -= 1
        if pos > floor and raw[pos - 1] == 0x0D:
            pos -= 1
    return pos


def _child_default_type(parent: _Part) -> str:
    return "message/rfc822" if parent.content_type == "multipart/digest" else "text/plain"


def _child_path(parent: _Part, index: int) -> str:
    return f"{parent.path}.{index}" if parent.path else str(index)


def _child_spans(
    raw: bytes, part: _Part, limit: int, problems: _Problems
) -> tuple[list[tuple[int, int]], bool] | None:
    """Spans of a multipart's children (see `_split_multipart`); None if it has none."""
    boundary = part.params.get("boundary", "")
    if not boundary:
        problems.add(f"{part.describe()} is multipart without a boundary; read as text")
        return None
    spans, capped = _split_multipart(
        raw, part.body_start, part.end, boundary.encode("utf-8", "surrogateescape"), limit
    )
    if not spans:
        problems.add(f"{part.describe()} is multipart but its boundary never occurs; read as text")
        return None
    return spans, capped


def _demote_to_text(part: _Part) -> None:
    """A multipart that cannot be split is shown as the text it contains."""
    part.content_type = "text/plain"
    part.params = {}


def _build_tree(raw: bytes, end: int, limits: MimeLimits, problems: _Problems) -> _Part:
    """Parse the message into a part tree, iteratively and within `limits`."""
    root = _make_part(raw, 0, end, "", 0, "text/plain", limits, problems)
    budget = limits.max_parts - 1
    stack = [root]
    while stack:
        part = stack.pop()
        if not part.is_container:
            continue
        if part.depth >= limits.max_depth:
            problems.add(f"multipart nesting deeper than {limits.max_depth}; inner parts skipped")
            continue
        if budget <= 0:
            problems.add(f"more than {limits.max_parts} MIME parts; the rest skipped")
            continue
        split = _child_spans(raw, part, budget, problems)
        if split is None:
            _demote_to_text(part)
            continue
        spans, capped = split
        if capped:
            problems.add(f"more than {limits.max_parts} MIME parts; the rest skipped")
        budget -= len(spans)
        default_type = _child_default_type(part)
        part.children = [
            _make_part(
                raw, s, e, _child_path(part, i), part.depth + 1, default_type, limits, problems
            )
            for i, (s, e) in enumerate(spans, 1)
        ]
        stack.extend(reversed(part.children))
    return root


# --------------------------------------------------------------------------- classifying

_BODY_TYPES = frozenset({"text/plain", "text/html"})
# Structural parts of signed or encrypted mail: not worth listing unless named.
_CONTROL_TYPES = frozenset(
    {
        "application/pgp-signature",
        "application/pgp-encrypted",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
    }
)
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
    "application/zip": ".zip",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def _raw_filename(part: _Part) -> str:
    return part.disposition_params.get("filename") or part.params.get("name") or ""


def _is_body(part: _Part) -> bool:
    if part.content_type not in _BODY_TYPES or part.disposition == "attachment":
        return False
    return not _raw_filename(part) or part.disposition == "inline"


def _is_attachment(part: _Part) -> bool:
    """Whether a part is offered as a file.

    A named inline text part (a medication list, a pasted log) is shown in the body and
    also offered as a file, so it can be saved and forwarded under its name.
    """
    if part.is_container:
        return False
    if _is_body(part):
        return bool(_raw_filename(part))
    named = bool(_raw_filename(part)) or part.disposition == "attachment"
    return named or part.content_type not in _CONTROL_TYPES


def _attachment_name(part: _Part, problems: _Problems) -> str:
    raw_name = _raw_filename(part)
    if raw_name:
        name = _param_text(raw_name, problems, f"file name of part {part.section}")
        if name:
            return name
    return f"part-{part.section}{_EXTENSIONS.get(part.content_type, '.bin')}"


def _leaves(part: _Part, parent_type: str = "") -> list[tuple[_Part, str]]:
    """Leaf parts in document order with their parent's content type (depth is bounded)."""
    if not part.children:
        return [(part, parent_type)]
    found: list[tuple[_Part, str]] = []
    for child in part.children:
        found.extend(_leaves(child, part.content_type))
    return found


def _body_parts(raw: bytes, part: _Part) -> list[_Part]:
    """The parts whose text forms the body: plain preferred among alternatives.

    An alternative with no text in it never wins: senders put an empty text/plain next to
    the HTML that holds the message, or an empty part without headers after it.
    """
    if not part.children:
        return [part] if _is_body(part) else []
    if part.content_type == "multipart/alternative":
        options = [chosen for chosen in (_body_parts(raw, c) for c in part.children) if chosen]
        filled = [option for option in options if any(_has_text(raw, p) for p in option)]
        options = filled or options
        for option in options:
            if all(p.content_type == "text/plain" for p in option):
                return option
        return options[-1] if options else []
    chosen: list[_Part] = []
    for child in part.children:
        chosen.extend(_body_parts(raw, child))
    return chosen


_NOT_BLANK = re.compile(rb"[^ \t\r\n]")
_SHORT_ENCODED = 256  # encoded bodies this short are decoded to see if they hold text


def _has_text(raw: bytes, part: _Part) -> bool:
    """Whether a body part holds more than white space, cheaply for long parts."""
    if _NOT_BLANK.search(raw, part.body_start, part.end) is None:
        return False
    if part.transfer_encoding in _IDENTITY or part.end - part.body_start > _SHORT_ENCODED:
        return True
    decoded = _transfer_decode(raw[part.body_start : part.end], part.transfer_encoding)
    return _NOT_BLANK.search(decoded) is not None


def _attachments(raw: bytes, root: _Part, problems: _Problems) -> list[Attachment]:
    listed: list[Attachment] = []
    for part, parent_type in _leaves(root):
        if not _is_attachment(part):
            continue
        inline = part.disposition == "inline" or (
            not part.disposition and parent_type == "multipart/related"
        )
        listed.append(
            Attachment(
                filename=_attachment_name(part, problems),
                content_type=part.content_type,
                size=_decoded_size(raw, part, problems),
                part_path=part.section,
                inline=inline,
            )
        )
    return listed


def _decoded_size(raw: bytes, part: _Part, problems: _Problems) -> int:
    encoding = part.transfer_encoding
    if encoding == "base64":
        return _base64_size(raw, part.body_start, part.end)
    if encoding in _IDENTITY:
        return part.end - part.body_start
    _note_unknown_encoding(part, problems)
    return len(_transfer_decode(raw[part.body_start : part.end], encoding))


def _note_unknown_encoding(part: _Part, problems: _Problems) -> None:
    encoding = part.transfer_encoding
    if (
        encoding not in _IDENTITY
        and encoding not in _UUENCODE
        and encoding not in ("base64", "quoted-printable")
    ):
        problems.add(
            f"unknown transfer encoding {_quoted(encoding, 40)} in {part.describe()}; read as is"
        )


# --------------------------------------------------------------------------- body text


def _body_text(raw: bytes, root: _Part, limits: MimeLimits, problems: _Problems) -> str:
    """The body: chosen text parts decoded, HTML converted, joined by blank lines.

    Two budgets bound the work: characters of text kept, and bytes of decoded input read,
    so that many parts of tag-only HTML (which yields no text) cannot cost minutes.
    """
    chars_left = limits.max_body_chars
    bytes_left = 2 * limits.max_body_chars
    texts: list[str] = []
    for part in _body_parts(raw, root):
        if chars_left <= 0 or bytes_left <= 0:
            problems.add(f"body longer than {limits.max_body_chars} characters; truncated")
            break
        with _Guard(problems, f"the text of {part.describe()}"):
            data, partial = _part_bytes(raw, part, min(chars_left * 4, bytes_left), problems)
            bytes_left -= len(data)
            text = _part_text(data, part, partial, problems).strip("\n")
            if len(text) > chars_left or partial:
                problems.add(f"body longer than {limits.max_body_chars} characters; truncated")
                text = text[:chars_left]
            chars_left -= len(text)
            texts.append(text)
    return "\n\n".join(t for t in texts if t)


def _part_bytes(raw: bytes, part: _Part, keep: int, problems: _Problems) -> tuple[bytes, bool]:
    """A part's transfer-decoded bytes, cut to `keep`; (bytes, whether they were cut)."""
    _note_unknown_encoding(part, problems)
    data = _transfer_decode(raw[part.body_start : part.end], part.transfer_encoding)
    if len(data) > keep:
        return data[:keep], True
    return data, False


def _part_text(data: bytes, part: _Part, partial: bool, problems: _Problems) -> str:
    text = _decode_bytes(
        data,
        part.params.get("charset") or None,
        problems,
        f"text of {part.describe()}",
        partial=partial,
    )
    text = text.replace("\r\n", "\n")
    return html_to_text(text) if part.content_type == "text/html" else text


# --------------------------------------------------------------------------- envelope fields

_ANGLE_ID = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")
_ADDRESS_SEPARATORS = re.compile(r"[\s<>(),;:\"\[\]]+")
_ADDRESS_HEADERS = ("from", "to", "cc", "reply-to")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "auto-reply"})
_DAEMON_MAILBOXES = frozenset({"mailer-daemon", "postmaster"})


def _normalise_id(text: str) -> str:
    return _WHITESPACE.sub("", text)


def _first_id(value: str) -> str | None:
    """The first message id in a Message-ID or In-Reply-To value.

    Without angle brackets, the first word that contains "@" is taken, or the whole value
    if it is a single word ("Your message of Tuesday" yields nothing).
    """
    match = _ANGLE_ID.search(value)
    if match is not None:
        return _normalise_id(match.group(1)) or None
    words = value.split()
    for word in words:
        if "@" in word:
            return word
    return words[0] if len(words) == 1 else None


def _reference_ids(value: str, cap: int) -> list[str]:
    """Ids from a References header, in order, without duplicates.

    Over `cap`, the first id (the thread root) and the newest ones (the nearest ancestors)
    are kept, as RFC 5322 suggests for trimming.
    """
    found = _ANGLE_ID.findall(value) or value.split()
    ids = list(dict.fromkeys(filter(None, map(_normalise_id, found))))
    if len(ids) > cap > 1:
        ids = ids[:1] + ids[-(cap - 1) :]
    return ids[: max(cap, 0)]


def _addresses(value: str, problems: _Problems, what: str) -> list[Address]:
    """Addresses of one header value (from `_header_raw`), with display names decoded.

    `getaddresses` follows RFC 5322 closely, so a display name with unquoted specials
    ("Doe, John", "[/bold]", raw escape sequences) falls apart into fake addresses. When its
    result contains such debris, a lenient reading that only trusts `<...>` and `x@y` is
    used instead, if it finds at least as many real addresses.
    """
    simple = _simple_addresses(value)
    if simple is not None:
        return [_address(name, email, problems, what) for name, email in simple]
    try:
        pairs = getaddresses([value])
    except RecursionError:
        problems.add(f"{what}: address list nested too deeply; read leniently")
        pairs = []
    pairs = [(name, email.strip()) for name, email in pairs if name or email.strip()]
    if not all(_PLAUSIBLE_EMAIL.fullmatch(email) for _, email in pairs):
        lenient = _lenient_addresses(value)
        if _plausible_count(lenient) >= _plausible_count(pairs):
            pairs = lenient
    elif len(pairs) > 1 and "<" in value:
        # `phil@x <phil@x> (home)`: the "@" in the name made a second address. With one
        # address in angle brackets per list entry, the brackets say which is the address.
        lenient = _lenient_addresses(value)
        if (
            len(lenient) < len(pairs)
            and value.count("<") == len(lenient)
            and _plausible_count(lenient) == len(lenient)
        ):
            pairs = lenient
    return [_address(name, email, problems, what) for name, email in pairs]


def _address(name: str, email: str, problems: _Problems, what: str) -> Address:
    """One address from `_header_raw` text: words in the name decoded, stray bytes read."""
    return Address(_decode_words(name, problems, what), _plain_text(email, problems, what).lower())


_ATOMS = r"[^\s\"(),.:;<>@\[\]\\]+"
_ADDR_SPEC = rf"{_ATOMS}(?:\.{_ATOMS})*@{_ATOMS}(?:\.{_ATOMS})*"
# A display name may hold an unquoted "@" (`phil@x <phil@x>`): RFC 5322 forbids it, but
# mail clients write it and show it as a name, so it is read as one.
_NAME_ATOMS = r"[^\s\"(),.:;<>\[\]\\]+"
_SIMPLE_MAILBOX = re.compile(
    rf"""\s*(?:
        (?:"(?P<quoted>[^"\\\r\n]*)"|(?P<phrase>{_NAME_ATOMS}(?:[ \t.]+{_NAME_ATOMS})*\.?))?
        \s*<(?P<angle>{_ADDR_SPEC})>
      | (?P<bare>{_ADDR_SPEC})
    )\s*(?:,|$)""",
    re.VERBOSE,
)


def _simple_addresses(value: str) -> list[tuple[str, str]] | None:
    """The common address list shapes without the cost of `getaddresses`.

    Handles comma-separated `addr`, `Name <addr>` and `"Name" <addr>` with no comments,
    groups or escapes; anything else returns None and takes the general path.
    """
    pairs: list[tuple[str, str]] = []
    pos = 0
    length = len(value)
    while pos < length:
        match = _SIMPLE_MAILBOX.match(value, pos)
        if match is None or match.end() == pos:
            return None if value[pos:].strip() else pairs
        quoted, phrase, angle, bare = match.group("quoted", "phrase", "angle", "bare")
        if angle is not None:
            name = quoted if quoted is not None else " ".join((phrase or "").split())
            pairs.append((name, angle))
        else:
            pairs.append(("", bare))
        pos = match.end()
    return pairs


_PLAUSIBLE_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+")


def _plausible_count(pairs: list[tuple[str, str]]) -> int:
    return sum(_PLAUSIBLE_EMAIL.fullmatch(email) is not None for _, email in pairs)


_ADDRESS_TOKEN = re.compile(
    r"""  "(?:[^"\\]|\\.)*"?       # quoted string, perhaps unterminated
        | <[^<>]*>?                 # angle address, perhaps unterminated
        | \((?:[^()\\]|\\.)*\)?   # comment (not nested)
        | [^"<(,]+                  # anything else up to a special
        | [<(,]
    """,
    re.VERBOSE | re.DOTALL,
)


def _lenient_addresses(value: str) -> list[tuple[str, str]]:
    """(name, email) pairs split at commas outside quotes, angles and comments.

    A chunk without an address ("Doe" in "Doe, John <j@x>") is the start of the next
    chunk's display name.
    """
    pairs: list[tuple[str, str]] = []
    carried = ""
    for chunk in _address_chunks(value):
        name, email = _lenient_address(chunk)
        if not email:
            carried = f"{carried}, {name}" if carried and name else carried or name
            continue
        if carried:
            name = f"{carried}, {name}" if name else carried
            carried = ""
        pairs.append((name, email))
    if carried:
        pairs.append((carried, ""))
    return pairs


def _address_chunks(value: str) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    for token in _ADDRESS_TOKEN.findall(value):
        if token == ",":
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [chunk for chunk in chunks if "".join(chunk).strip()]


def _bare_address(text: str) -> str:
    """The first `local@domain` word in `text`, or ""; a split, so linear in any input."""
    if "@" not in text:
        return ""
    for word in _ADDRESS_SEPARATORS.split(text):
        local, at, domain = word.partition("@")
        if at and local and domain:
            return word
    return ""


def _lenient_address(tokens: list[str]) -> tuple[str, str]:
    email = ""
    words: list[str] = []
    comments: list[str] = []
    for token in tokens:
        if token.startswith("<"):
            email = email or token.strip("<> \t")
        elif token.startswith('"'):
            words.append(_QUOTED_PAIR.sub(r"\1", token[1:-1] if token.endswith('"') else token[1:]))
        elif token.startswith("("):
            comments.append(token.strip("() \t"))
        else:
            words.append(token)
    text = " ".join(words)
    if not email:
        email = _bare_address(text)
        text = text.replace(email, " ", 1) if email else text
    name = " ".join(text.split()) or " ".join(filter(None, comments))
    return name, email


def _is_auto_submitted(fields: _Fields, sender: Address | None) -> bool:
    auto = fields.get("auto-submitted")
    if auto and auto[0].split(b";", 1)[0].strip().lower() not in (b"", b"no"):
        return True
    precedence = fields.get("precedence")
    if precedence and precedence[0].strip().lower().decode("latin-1") in _BULK_PRECEDENCE:
        return True
    if "x-autoreply" in fields or "x-autorespond" in fields:
        return True
    declared = fields.get("content-type")
    if declared and declared[0].split(b";", 1)[0].strip().lower() == b"multipart/report":
        return True
    return sender is not None and sender.email.partition("@")[0] in _DAEMON_MAILBOXES


# --------------------------------------------------------------------------- entry points


def _empty_message(problems: list[str]) -> ParsedMessage:
    return ParsedMessage(
        message_id=None,
        in_reply_to=None,
        references=[],
        subject="",
        from_addr=None,
        to=[],
        cc=[],
        reply_to=[],
        date=None,
        body_text="",
        problems=problems,
    )


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, (bytearray, memoryview)):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    raise TypeError(f"expected bytes, got {type(raw).__name__}")


def parse_message(raw: bytes, *, limits: MimeLimits | None = None) -> ParsedMessage:
    """Parse one raw message. Never raises: failures become `problems` entries.

    Messages over `limits.max_bytes` get their headers parsed and nothing else.
    """
    limits = limits if isinstance(limits, MimeLimits) else MimeLimits()
    result = _empty_message([])
    problems = _Problems(result.problems, limits.max_problems)
    with _Guard(problems, "the message"):
        _fill(result, _as_bytes(raw), limits, problems)
    return result


def _fill(result: ParsedMessage, raw: bytes, limits: MimeLimits, problems: _Problems) -> None:
    if not raw or raw.isspace():
        problems.add("empty message")
        return
    too_big = len(raw) > limits.max_bytes
    if too_big:
        problems.add(
            f"message of {len(raw)} bytes is over the {limits.max_bytes}-byte limit; "
            "only its headers were read"
        )
        root = _make_part(
            raw, 0, min(len(raw), limits.max_bytes), "", 0, "text/plain", limits, problems
        )
    else:
        root = _build_tree(raw, len(raw), limits, problems)
    if not root.fields:
        problems.add("no header fields found")
    _fill_envelope(result, root.fields, limits, problems)
    with _Guard(problems, "the MIME structure"):
        result.auto_submitted = _is_auto_submitted(root.fields, result.from_addr)
    if too_big:
        return
    with _Guard(problems, "the body"):
        result.body_text = _body_text(raw, root, limits, problems)
    with _Guard(problems, "the attachments"):
        result.attachments = _attachments(raw, root, problems)


def _fill_envelope(
    result: ParsedMessage, fields: _Fields, limits: MimeLimits, problems: _Problems
) -> None:
    def text(name: str, what: str) -> str | None:
        values = fields.get(name)
        return None if not values else _header_text(values[0], problems, what)

    with _Guard(problems, "Message-ID"):
        value = text("message-id", "Message-ID")
        result.message_id = _first_id(value) if value else None
    with _Guard(problems, "In-Reply-To"):
        value = text("in-reply-to", "In-Reply-To")
        result.in_reply_to = _first_id(value) if value else None
    with _Guard(problems, "References"):
        value = text("references", "References")
        result.references = _reference_ids(value, limits.max_references) if value else []
    with _Guard(problems, "Subject"):
        values = fields.get("subject")
        result.subject = _decode_words(_header_raw(values[0]), problems, "Subject") if values else ""
    with _Guard(problems, "Date"):
        _fill_date(result, text("date", "Date"), problems)
    for name in _ADDRESS_HEADERS:
        with _Guard(problems, f"the {name.title()} header"):
            _fill_addresses(result, name, fields.get(name, []), limits, problems)


def _fill_date(result: ParsedMessage, value: str | None, problems: _Problems) -> None:
    if value is None:
        return
    try:
        result.date = parse_mail_date(value)
    except (ValueError, TypeError, OverflowError, IndexError):
        problems.add(f"unreadable Date {_quoted(value, 40)}")


def _fill_addresses(
    result: ParsedMessage, name: str, values: list[bytes], limits: MimeLimits, problems: _Problems
) -> None:
    """Set one address field; repeated headers are joined and share one length limit."""
    what = f"{name.title()} header"
    joined = b", ".join(values)
    if len(joined) >= limits.max_header_len:
        if len(joined) > limits.max_header_len:
            problems.add(f"{what}s longer than {limits.max_header_len} bytes; truncated")
        # The last address was probably cut in half; a comma is never inside a UTF-8
        # sequence, so cutting there also keeps the text decodable.
        joined = joined[: limits.max_header_len]
        comma = joined.rfind(b",")
        joined = joined[:comma] if comma > 0 else joined
    found = _addresses(_header_raw(joined), problems, what) if joined else []
    if name == "from":
        result.from_addr = found[0] if found else None
    elif name == "to":
        result.to = found
    elif name == "cc":
        result.cc = found
    else:
        result.reply_to = found


def extract_part(raw: bytes, part_path: str) -> tuple[str, str, bytes]:
    """(filename, content type, decoded bytes) of the part at `part_path`.

    `part_path` is an `Attachment.part_path` from `parse_message`; raises KeyError if the
    message has no such leaf part.
    """
    try:
        data = _as_bytes(raw)
        problems = _Problems([], 1)
        part = _locate(data, part_path, MimeLimits(), problems)
        if part.is_container:
            raise KeyError(part_path)
        payload = _transfer_decode(data[part.body_start : part.end], part.transfer_encoding)
        return _attachment_name(part, problems), part.content_type, payload
    except KeyError:
        raise
    except Exception as exc:  # callers are promised KeyError only
        raise KeyError(part_path) from exc


def _locate(raw: bytes, part_path: str, limits: MimeLimits, problems: _Problems) -> _Part:
    """Walk to one part, splitting only the multiparts on the way (iterative).

    Multiparts that cannot be split are demoted to text exactly as `_build_tree` does, so
    every `part_path` that `parse_message` hands out leads to the same part here.
    """
    steps = part_path.split(".")
    if not all(step.isascii() and step.isdigit() and int(step) > 0 for step in steps):
        raise KeyError(part_path)
    part = _make_part(raw, 0, len(raw), "", 0, "text/plain", limits, problems)
    _demote_if_unsplittable(raw, part, problems)
    if not part.is_container:
        if steps == ["1"]:
            return part
        raise KeyError(part_path)
    for step in map(int, steps):
        split = _child_spans(raw, part, step, problems) if part.is_container else None
        if split is None or len(split[0]) < step:
            raise KeyError(part_path)
        start, end = split[0][step - 1]
        part = _make_part(
            raw,
            start,
            end,
            _child_path(part, step),
            part.depth + 1,
            _child_default_type(part),
            limits,
            problems,
        )
        _demote_if_unsplittable(raw, part, problems)
    return part


def _demote_if_unsplittable(raw: bytes, part: _Part, problems: _Problems) -> None:
    if part.is_container and _child_spans(raw, part, 1, problems) is None:
        _demote_to_text(part)
