"""Pure SMS rules: phone-number normalisation, encoding and segment maths, keywords.

Why these live here: the composer needs the segment counter on every keystroke, the outbox
must refuse an unreachable number before it reaches the network, and sync must recognise
opt-out keywords in exactly one way. None of it needs I/O.

Segment maths follows GSM 03.38 / 3GPP TS 23.038:
- a text that fits the GSM 7-bit alphabet (basic table, plus the extension table whose
  characters cost two septets: an escape and the character) is sent as GSM-7, 160 septets in
  one segment, 153 per segment once it is split (the rest is the concatenation header);
- anything else goes as UCS-2 (UTF-16 code units): 70 units alone, 67 per segment when split;
  a character outside the Basic Multilingual Plane costs two units;
- an escape pair or a surrogate pair is never split across two segments, so long texts are
  packed greedily rather than divided, which is what handsets and providers do.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final

# -- encoding -------------------------------------------------------------------------------

# GSM 03.38 default alphabet (0x1B, the escape to the extension table, is not a character).
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs an escape septet plus its own.
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")

GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"

_SINGLE = {GSM7: 160, UCS2: 70}
_MULTI = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What the composer shows under a text message.

    `chars_used` counts encoding units: septets for GSM-7 (extension characters count two),
    UTF-16 code units for UCS-2 (emoji and other astral characters count two).
    """

    encoding: str  # "GSM-7" | "UCS-2"
    chars_used: int
    segments: int
    remaining_in_segment: int


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 7-bit basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_costs(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> SegmentInfo:
    """Encoding, units used, segment count and units left in the last segment.

    An empty text is zero segments with a whole single segment left.
    """
    encoding = GSM7 if is_gsm7(text) else UCS2
    costs = _unit_costs(text, encoding)
    used = sum(costs)
    single, multi = _SINGLE[encoding], _MULTI[encoding]
    if used == 0:
        return SegmentInfo(encoding, 0, 0, single)
    if used <= single:
        return SegmentInfo(encoding, used, 1, single - used)
    count, fill = 1, 0
    for cost in costs:  # greedy: a 2-unit character never straddles a boundary
        if fill + cost > multi:
            count += 1
            fill = 0
        fill += cost
    return SegmentInfo(encoding, used, count, multi - fill)


# -- what makes a text UCS-2, and the plain stand-ins -----------------------------------------

# GSM-7 stand-ins for what word processors, phones and web pages put in place of plain
# characters; one of these in a text triples its cost (UCS-2: 70 per text instead of 160).
GSM7_STAND_INS: Final = MappingProxyType({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"',
    "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
    "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
    "\u2007": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\u200b": "", "\u00ad": "",
    "\ufeff": "",
})


@dataclass(frozen=True, slots=True)
class Ucs2Cause:
    """A character that is not in the GSM-7 alphabet, how often it occurs, and its plain
    stand-in (None when there is none, e.g. an emoji or a Cyrillic letter)."""

    char: str
    count: int
    stand_in: str | None

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.char):04X}"


def ucs2_causes(text: str) -> list[Ucs2Cause]:
    """The characters that make `text` UCS-2, in the order they first appear."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            counts[ch] = counts.get(ch, 0) + 1
    return [Ucs2Cause(ch, n, GSM7_STAND_INS.get(ch)) for ch, n in counts.items()]


def to_gsm7(text: str) -> tuple[str, int]:
    """`text` with every character that has a plain stand-in replaced by it, and how many
    were replaced. Characters without one (emoji, other scripts) are left as they are."""
    replaced = sum(1 for ch in text if ch in GSM7_STAND_INS)
    return "".join(GSM7_STAND_INS.get(ch, ch) for ch in text), replaced


# -- is this the text we posted? ------------------------------------------------------------

# What providers' "smart encoding" puts in place of typographic characters (GSM-7 has none).
_SMART: Final = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                               "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2032": "'",
                               "\u2033": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
                               "\u00a0": " ", "\u2026": "...", "\u00ab": '"', "\u00bb": '"'})
_SPACES: Final = re.compile(r"\s+")


def comparable_body(text: str) -> str:
    """A body reduced to what survives a provider's handling: compatibility forms folded
    (NFKC), typographic quotes and dashes as ASCII, whitespace collapsed, case ignored."""
    folded = unicodedata.normalize("NFKC", text).translate(_SMART)
    return _SPACES.sub(" ", folded).strip().casefold()


def body_match(posted: str, listed: str) -> int:
    """How surely `listed` (the provider's record) is the text we `posted`: 2 the same text,
    1 ours inside theirs (a trial account's prefix, an appended opt-out line), 0 not ours."""
    ours, theirs = comparable_body(posted), comparable_body(listed)
    if ours == theirs:
        return 2
    return 1 if ours and ours in theirs else 0


# -- keywords -------------------------------------------------------------------------------


class Keyword(Enum):
    """Carrier-standard keywords a patient may text; the whole message is the keyword."""

    STOP = "stop"
    START = "start"
    HELP = "help"


_KEYWORDS: Final = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), Keyword.STOP),
    **dict.fromkeys(("START", "YES", "UNSTOP"), Keyword.START),
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
    # Spanish: the clinic's Spanish texts say "Responda BAJA" (domain/csat.py), so BAJA
    # must work, and so must the other words Spanish-speaking patients use to stop texts.
    **dict.fromkeys(("BAJA", "ALTO", "PARAR", "CANCELAR"), Keyword.STOP),
    **dict.fromkeys(("ALTA",), Keyword.START),
    **dict.fromkeys(("AYUDA",), Keyword.HELP),
}
SPANISH_STOP: Final = "BAJA"
"""The opt-out word the clinic's Spanish texts name (and the Spanish for START below)."""
SPANISH_START: Final = "ALTA"

# A keyword may carry the punctuation a phone adds or a person types around one word
# ("Baja.", "STOP!", "¡Alto!"); anything else (a question mark, a second word) makes it text.
_KEYWORD_EDGES: Final = " \t\r\n.!¡"


def keyword_word(body: str) -> str:
    """The message as the keyword it may be: upper-case, without surrounding whitespace and
    the punctuation allowed around a keyword. Safe to show only when `parse_keyword` is not
    None (then it is one of the fixed words)."""
    return body.strip(_KEYWORD_EDGES).upper()


def asks_nothing(body: str, opted_out: bool) -> bool:
    """Whether a patient's text is only a keyword, which asks nothing of the desk (no
    intent, rules, SLA clock or reopening): STOP, START, HELP and their synonyms, but YES
    only where it is an opt-in (the number had opted out): otherwise "Yes" answers the
    desk's question and is a reply like any other."""
    keyword = parse_keyword(body)
    if keyword is None:
        return False
    return opted_out or keyword_word(body) != "YES"


def parse_keyword(body: str) -> Keyword | None:
    """The keyword a message consists of (case-insensitive, surrounding whitespace and a
    full stop or exclamation mark ignored), English or Spanish.

    "Stop" and " Baja. " are STOP; "please stop texting me" is not: only a message that is
    the keyword alone counts, as carriers and providers apply it.
    """
    return _KEYWORDS.get(keyword_word(body))


# -- phone numbers --------------------------------------------------------------------------


class PhoneNumberError(ValueError):
    """A typed number that cannot be made E.164; str() is one line for the person typing."""


E164_RE: Final = re.compile(r"\+[1-9][0-9]{6,14}")

# ITU-T E.164 country calling codes of one or two digits; every other code has three.
_ONE_DIGIT: Final = frozenset({"1", "7"})
_TWO_DIGIT: Final = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
})
# Countries whose national numbers keep their leading 0 after the country code.
_KEEP_LEADING_ZERO: Final = frozenset({"39"})
# What people put between digits: spaces (no-break ones too), dots, slashes, parentheses and
# every dash a word processor or web page makes of "-".
_SEPARATORS = re.compile(r"[\s.\-()/\u00a0\u2010-\u2015\u2212\ufe63\uff0d]")
# "+44 (0)20 7946 0958": the trunk 0 written in brackets after the country code.
_BRACKET_TRUNK = re.compile(r"^(\+\d{1,3})\s*\(0\)")


def is_e164(number: str) -> bool:
    return E164_RE.fullmatch(number) is not None


def is_country_code(code: str) -> bool:
    """Whether `code` (digits, no "+") is shaped like an ITU calling code: "1", "44" and
    "353" are; "4" (no one-digit code but 1 and 7) and "440" (44 is a code of its own) are
    not. The three-digit codes are not all checked against the ITU list."""
    if not code.isascii() or not code.isdigit() or code.startswith("0") or len(code) > 3:
        return False
    if len(code) == 1:
        return code in _ONE_DIGIT
    if code[:1] in _ONE_DIGIT:
        return False
    if len(code) == 2:
        return code in _TWO_DIGIT
    return code[:2] not in _TWO_DIGIT


def country_code_of(e164: str) -> str:
    """The calling code of an E.164 number ("+15551230000" -> "1", "+442079460958" -> "44")."""
    if not is_e164(e164):
        raise PhoneNumberError(f"not an E.164 number: {e164!r}")
    digits = e164[1:]
    if digits[:1] in _ONE_DIGIT:
        return digits[:1]
    if digits[:2] in _TWO_DIGIT:
        return digits[:2]
    return digits[:3]


def default_country_code(default_country: str) -> str:
    """The calling code in a default: "1", "+44", a whole E.164 number, or "" for none."""
    text = default_country.strip()
    if not text:
        return ""
    if is_e164(text):
        return country_code_of(text)
    code = text.removeprefix("+")
    if not is_country_code(code):
        raise PhoneNumberError(f"not a country calling code: {default_country!r}")
    return code


def normalize_number(typed: str, default_country: str) -> str:
    """Make a number a person typed into E.164, or raise PhoneNumberError.

    `default_country` is a calling code ("1", "+44") or a whole E.164 number, usually the
    clinic's own, whose country is used for numbers typed without one; "" means there is
    none, so such numbers are refused with a hint. Accepted forms: "+44 20 7946 0958",
    "+44 (0)20 7946 0958", "0044 20…", "011 44 20…" (from North America), "(555) 123-4567",
    "555.123.4567", "1-555-123-4567", "020 7946 0958" (national, trunk 0 dropped; 8 for
    +7). Digits of other scripts and typographic dashes, as pasted from documents, count too.
    """
    country = default_country_code(default_country)
    text = _ascii_numerals(unicodedata.normalize("NFKC", typed)).strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    text = _BRACKET_TRUNK.sub(r"\1", text)
    compact = _SEPARATORS.sub("", text)
    if not compact:
        raise PhoneNumberError("no phone number given")
    if compact.startswith("+"):
        digits = compact[1:]
        if not _ascii_digits(digits):
            raise PhoneNumberError(f"{_shown(typed)} is not a phone number (only digits after +)")
        return _checked("+" + digits, typed, nanp=digits.startswith("1"))
    if not _ascii_digits(compact):
        raise PhoneNumberError(f"{_shown(typed)} is not a phone number (letters or symbols)")
    if country == "1" and compact.startswith("011"):
        return _checked("+" + compact[3:], typed)
    if country != "1" and compact.startswith("00"):
        return _checked("+" + compact[2:], typed)
    if not country:
        raise PhoneNumberError(f"{_shown(typed)} has no country code: type it with one, "
                               "e.g. +15551234567")
    if country == "1":
        if len(compact) == 10:
            return _checked("+1" + compact, typed, nanp=True)
        if len(compact) == 11 and compact.startswith("1"):
            return _checked("+" + compact, typed, nanp=True)
        raise PhoneNumberError(f"{_shown(typed)}: a North American number has 10 digits "
                               f"(it has {len(compact)})")
    national = compact
    trunk = "8" if country == "7" else "0"
    if country not in _KEEP_LEADING_ZERO and national.startswith(trunk):
        national = national[1:]
    return _checked(f"+{country}{national}", typed)


def _ascii_numerals(text: str) -> str:
    """Digits of any script as 0-9 (an Arabic-Indic keyboard types "٥٥٥")."""
    return "".join(ch if ch.isascii() else str(unicodedata.decimal(ch, ch)) for ch in text)


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _checked(candidate: str, typed: str, *, nanp: bool = False) -> str:
    if not is_e164(candidate):
        raise PhoneNumberError(f"{_shown(typed)} is not a valid phone number "
                               "(E.164 allows 7 to 15 digits)")
    if nanp and len(candidate) != 12:
        raise PhoneNumberError(f"{_shown(typed)}: a North American number has 10 digits"
                               " after +1")
    if nanp and candidate[2] in "01":
        raise PhoneNumberError(f"{_shown(typed)}: a North American area code cannot start "
                               f"with {candidate[2]}")
    return candidate


def _shown(typed: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in typed.strip())
    return repr(printable[:40])


PLACEHOLDER_PREFIX = "local-"


def placeholder_sid(outbox_id: int) -> str:
    """The id a confirmed text is kept under until the provider lists it: never a provider
    sid (those are letters and digits only), so it is never fetched from the provider."""
    return f"{PLACEHOLDER_PREFIX}{outbox_id}"


def sms_raw_sha256(provider_id: str) -> bytes:
    """The key of a text's raw row (one per provider sid): what assessments made before
    the ingest transaction are keyed by (service/redflags.py)."""
    return hashlib.sha256(f"sms:{provider_id}".encode()).digest()
