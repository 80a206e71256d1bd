"""Phone numbers as people type them into a search box, reduced to digits to match on.

Stored numbers are E.164 (`+15553504006`), but at the desk a number is read off a form or
a caller display and typed as `555-350-4006`, `(555) 350-4006`, `555 350 4006` or
`+1 555 350 4006`. Searching needs the digits only. Without knowing the clinic's country
we match on the end of the stored number: the national significant digits a person types
are a suffix of the E.164 form whatever the country code, and a typed country code
(`+1...`, `001...`) simply makes the suffix longer.

This is deliberately separate from `domain.sms.normalize_number`, which must produce one
exact E.164 number to send to (and refuses what it cannot); a search only has to find.
"""

from __future__ import annotations

import re

__all__ = ["MAX_DIGITS", "MIN_DIGITS", "phone_end", "search_digits"]

MIN_DIGITS = 7
"""Fewer digits than this is a house number, a year or an id, not a phone number."""
MAX_DIGITS = 15  # E.164's longest, plus an international prefix removed below

# Shapes that may span spaces. Spaces are only taken as part of a number when the whole
# shape is unmistakably a phone number: North American grouping (3-3-4, an optional
# leading 1) or an international number written with its `+`. Anything looser would glue
# ordinary search words together ("invoice 2024 555 ...").
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}", re.ASCII)
_INTERNATIONAL = re.compile(r"\+\d{1,3}(?:[ .-]?(?:\(\d{1,5}\)|\d{1,6}))+", re.ASCII)
# No spaces: digits with dots, dashes and one pair of parentheses, as one word.
_COMPACT = re.compile(r"\+?(?:\(\d{1,5}\)|\d)(?:[.-]?(?:\(\d{1,5}\)|\d))*", re.ASCII)
_SHAPES = (_NANP, _INTERNATIONAL, _COMPACT)


def _ends_term(text: str, end: int) -> bool:
    return end >= len(text) or text[end].isspace() or text[end] == ")"


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def phone_end(text: str, start: int) -> int | None:
    """Where a phone number typed at `start` of `text` ends, or None if none starts there.

    The number must end where a search term ends (whitespace, the end, or a `)` closing
    a group) and hold 7 to 15 digits; the longest shape that fits wins.
    """
    best: int | None = None
    for shape in _SHAPES:
        match = shape.match(text, start)
        if match is None or not _ends_term(text, match.end()):
            continue
        if MIN_DIGITS <= _digit_count(match.group()) <= MAX_DIGITS + 2:
            best = max(best or 0, match.end())
    return best


def search_digits(typed: str) -> str | None:
    """The digits a stored number must end with to be the number `typed`, or None.

    `+` keeps every digit (the country code is part of what was typed); a leading `00`
    is the international prefix and a single leading `0` a national trunk prefix, neither
    of which appears in E.164, so both are dropped.
    """
    stripped = typed.strip()
    if not stripped or any(not (ch.isdigit() or ch in " .-()+") for ch in stripped):
        return None
    if "+" in stripped[1:] or not stripped.isascii():
        return None
    digits = "".join(ch for ch in stripped if ch.isdigit())
    if not stripped.startswith("+"):
        digits = digits[2:] if digits.startswith("00") else digits.removeprefix("0")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    return digits
