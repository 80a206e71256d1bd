"""Pure SMS rules: segment maths, encoding detection, keywords, E.164 normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox.domain.sms import (
    GSM7,
    UCS2,
    Keyword,
    PhoneNumberError,
    country_code_of,
    normalize_number,
    parse_keyword,
    segments,
)

# GSM 03.38 written out independently of the module under test: code point -> septet(s).
_BASIC_ROWS = [
    "@£$¥èéùìòÇ\nØø\rÅå", "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ", " !\"#¤%&'()*+,-./", "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO", "PQRSTUVWXYZÄÖÑÜ§", "¿abcdefghijklmno", "pqrstuvwxyzäöñüà",
]
GSM_BASIC = {ch: i for i, ch in enumerate("".join(_BASIC_ROWS)) if ch != "\x1b"}
GSM_EXT = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
           "]": 0x3E, "|": 0x40, "€": 0x65}


def encode_gsm(text: str) -> list[list[int]] | None:
    """Septets per character (escape + code for the extension table), None if not GSM-7."""
    out = []
    for ch in text:
        if ch in GSM_BASIC:
            out.append([GSM_BASIC[ch]])
        elif ch in GSM_EXT:
            out.append([0x1B, GSM_EXT[ch]])
        else:
            return None
    return out


def encode_ucs2(text: str) -> list[bytes]:
    return [ch.encode("utf-16-be") for ch in text]


def split(units: list[int], single: int, multi: int) -> int:
    """Segments a sender needs: unit sizes per character, never splitting a character."""
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    count, fill = 1, 0
    for u in units:
        if fill + u > multi:
            count, fill = count + 1, 0
        fill += u
    return count


@pytest.mark.parametrize(("text", "encoding", "used", "count", "left"), [
    ("", GSM7, 0, 0, 160),
    ("Hello", GSM7, 5, 1, 155),
    ("a" * 160, GSM7, 160, 1, 0),
    ("a" * 161, GSM7, 161, 2, 145),
    ("a" * 306, GSM7, 306, 2, 0),
    ("a" * 307, GSM7, 307, 3, 152),
    ("€", GSM7, 2, 1, 158),                     # extension table: two septets
    ("€" * 80, GSM7, 160, 1, 0),
    ("€" * 81, GSM7, 162, 2, 143),             # a pair never straddles the 153 boundary
    ("a" * 152 + "€" + "a" * 7, GSM7, 161, 2, 144),  # the € moves whole into segment 2
    ("Café à 10h? Ñandù §", GSM7, 19, 1, 141),  # accents in the basic table stay GSM-7
    ("ç", UCS2, 1, 1, 69),                      # lower-case ç is not in the basic table
    ("Zażółć", UCS2, 6, 1, 64),
    ("ł" * 70, UCS2, 70, 1, 0),
    ("ł" * 71, UCS2, 71, 2, 63),
    ("ł" * 134, UCS2, 134, 2, 0),
    ("ł" * 135, UCS2, 135, 3, 66),
    ("😀" * 35, UCS2, 70, 1, 0),               # astral characters are two UTF-16 units
    ("😀" * 36, UCS2, 72, 2, 61),
    ("a" * 66 + "😀", UCS2, 68, 1, 2),
    ("a" * 69 + "😀", UCS2, 71, 2, 63),
    ("a" * 66 + "😀" + "a" * 10, UCS2, 78, 2, 55),  # surrogate pair kept whole in segment 2
])
def test_segment_table(text: str, encoding: str, used: int, count: int, left: int) -> None:
    info = segments(text)
    assert (info.encoding, info.chars_used, info.segments, info.remaining_in_segment) == \
        (encoding, used, count, left)


_ALPHABET = st.sampled_from(sorted(GSM_BASIC) + sorted(GSM_EXT) + list("çłßü€😀中ñ✓"))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(alphabet=_ALPHABET, max_size=500),
                 st.text(alphabet=st.sampled_from(sorted(GSM_BASIC) + sorted(GSM_EXT)),
                         max_size=500),
                 st.text(max_size=300)))
def test_segments_never_under_count(text: str) -> None:
    info = segments(text)
    gsm = encode_gsm(text)
    if gsm is not None:
        assert info.encoding == GSM7
        units = [len(c) for c in gsm]
        single, multi = 160, 153
    else:
        assert info.encoding == UCS2
        units = [len(b) // 2 for b in encode_ucs2(text)]
        single, multi = 70, 67
    assert info.chars_used == sum(units)
    needed = split(units, single, multi)
    assert info.segments >= needed  # never under-counts
    assert info.segments == needed  # and does not over-count either
    capacity = single if info.segments <= 1 else multi
    assert 0 <= info.remaining_in_segment <= capacity
    if info.segments > 1:  # all segments together carry the encoded text
        assert sum(units) <= info.segments * multi


@pytest.mark.parametrize(("body", "expected"), [
    ("STOP", Keyword.STOP), ("stop", Keyword.STOP), ("  Stop \n", Keyword.STOP),
    ("STOPALL", Keyword.STOP), ("unsubscribe", Keyword.STOP), ("Cancel", Keyword.STOP),
    ("END", Keyword.STOP), ("quit", Keyword.STOP),
    ("START", Keyword.START), ("yes", Keyword.START), ("Unstop", Keyword.START),
    ("HELP", Keyword.HELP), ("info", Keyword.HELP),
    ("BAJA", Keyword.STOP), ("baja", Keyword.STOP), (" Baja. ", Keyword.STOP),
    ("Alto", Keyword.STOP), ("PARAR", Keyword.STOP), ("cancelar", Keyword.STOP),
    ("¡Alto!", Keyword.STOP), ("STOP!", Keyword.STOP), ("Alta", Keyword.START),
    ("ayuda", Keyword.HELP),
    ("please stop", None), ("STOP?", None), ("stop texting me", None), ("", None),
    ("baja por favor", None), ("dar de baja", None), (".", None),
    ("STOP STOP", None), ("S T O P", None),
])
def test_keywords(body: str, expected: Keyword | None) -> None:
    assert parse_keyword(body) is expected


@pytest.mark.parametrize(("typed", "default", "expected"), [
    ("(555) 123-4567", "+15550100100", "+15551234567"),
    ("555.123.4567", "+15550100100", "+15551234567"),
    ("1-555-123-4567", "+15550100100", "+15551234567"),
    ("+1 555 123 4567", "+15550100100", "+15551234567"),
    ("011 44 20 7946 0958", "+15550100100", "+442079460958"),
    ("tel:+15551234567", "+15550100100", "+15551234567"),
    ("020 7946 0958", "+442079460000", "+442079460958"),
    ("0044 20 7946 0958", "+31201234567", "+442079460958"),
    ("06 12345678", "+31201234567", "+31612345678"),
    ("06 1234 5678", "31", "+31612345678"),
    ("06 1234 5678", "+390612345678", "+390612345678"),  # Italy keeps the leading 0
    ("8 912 345 67 89", "+74951234567", "+79123456789"),  # Russia's trunk prefix is 8
    ("+49 (0)30 1234567".replace("(0)", ""), "+15550100100", "+49301234567"),
    # Every way a US front desk writes the same number, with the clinic's country "1".
    ("555-350-4006", "1", "+15553504006"),
    ("(555) 350-4006", "1", "+15553504006"),
    ("555 350 4006", "1", "+15553504006"),
    ("5553504006", "1", "+15553504006"),
    ("+1 555 350 4006", "1", "+15553504006"),
    ("1-555-350-4006", "1", "+15553504006"),
    ("1 (555) 350-4006", "+1", "+15553504006"),
    ("  555/350.4006 ", "1", "+15553504006"),
    ("555\u2013350\u20134006", "1", "+15553504006"),  # en dashes from a document
    ("555\u00a0350\u00a04006", "1", "+15553504006"),  # no-break spaces
    ("\uff15\uff15\uff15\uff13\uff15\uff10\uff14\uff10\uff10\uff16", "1", "+15553504006"),
    ("\u0665\u0665\u0665\u0663\u0665\u0660\u0664\u0660\u0660\u0666", "1", "+15553504006"),
    # Other countries, typed with their code whatever the clinic's country.
    ("+44 (0)20 7946 0958", "1", "+442079460958"),
    ("+49 (0)30 1234567", "44", "+49301234567"),
    ("+33 6 12 34 56 78", "1", "+33612345678"),
    ("+61 4 1234 5678", "1", "+61412345678"),
    ("+353 1 234 5678", "1", "+35312345678"),
    ("0033 6 12 34 56 78", "44", "+33612345678"),
    ("0033 6 12 34 56 78", "", "+33612345678"),  # 00 is international without a default
    ("+1 555 350 4006", "", "+15553504006"),
    ("07700 900123", "+44", "+447700900123"),
])
def test_normalize_number(typed: str, default: str, expected: str) -> None:
    assert normalize_number(typed, default) == expected


@pytest.mark.parametrize(("typed", "default", "fragment"), [
    ("", "+15550100100", "no phone number"),
    ("call me", "+15550100100", "letters"),
    ("555-1234", "+15550100100", "10 digits"),
    ("(055) 123-4567", "+15550100100", "area code"),
    ("+1 555", "+15550100100", "7 to 15 digits"),
    ("+1234567890123456", "+15550100100", "7 to 15 digits"),
    ("+44 20 79x6", "+15550100100", "only digits"),
    ("\x1b[31m5551234567", "+15550100100", "letters"),
    ("555-350-400", "1", "10 digits (it has 9)"),
    ("555-350-40066", "1", "10 digits (it has 11)"),
    ("2-555-350-4006", "1", "10 digits"),
    ("+1 555 350 400", "1", "10 digits after +1"),
    ("+1 155 350 4006", "1", "area code"),
    ("555-350-4006", "", "no country code"),
    ("1-800-FLOWERS", "1", "letters"),
    ("555-350-4006 ext 12", "1", "letters"),
    ("+", "1", "only digits"),
    ("\u00b2555 350 4006", "1", "10 digits (it has 11)"),  # a superscript is no digit here
])
def test_normalize_number_rejects(typed: str, default: str, fragment: str) -> None:
    with pytest.raises(PhoneNumberError) as info:
        normalize_number(typed, default)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and "\x1b" not in message


@pytest.mark.parametrize(("number", "code"), [
    ("+15550100100", "1"), ("+74951234567", "7"), ("+442079460958", "44"),
    ("+31201234567", "31"), ("+353112345678", "353"), ("+97141234567", "971"),
    ("+8613812345678", "86"), ("+8521234567", "852"),
])
def test_country_code_of(number: str, code: str) -> None:
    assert country_code_of(number) == code


@pytest.mark.parametrize(("code", "ok"), [
    ("1", True), ("7", True), ("44", True), ("353", True), ("971", True), ("852", True),
    ("4", False), ("440", False), ("12", False), ("0", False), ("01", False), ("1234", False),
    ("", False), ("+1", False), ("\uff14\uff14", False), ("4a", False),
])
def test_is_country_code(code: str, ok: bool) -> None:
    from cxinbox.domain.sms import is_country_code

    assert is_country_code(code) is ok


def test_default_country_takes_a_code_or_a_number() -> None:
    from cxinbox.domain.sms import default_country_code

    assert default_country_code("1") == default_country_code("+1") == "1"
    assert default_country_code("+442079460000") == "44"
    assert default_country_code(" ") == ""
    with pytest.raises(PhoneNumberError, match="not a country calling code"):
        default_country_code("4")
    with pytest.raises(PhoneNumberError, match="not a country calling code"):
        normalize_number("555 350 4006", "US")


def test_body_match_survives_what_providers_do_to_a_body() -> None:
    from cxinbox.domain.sms import body_match

    posted = "Your \u201cfasting\u201d labs \u2013 8am\u2026 don\u2019t eat"
    assert body_match(posted, posted) == 2
    assert body_match(posted, 'Your "fasting" labs - 8am... don\'t eat') == 2  # smart encoding
    assert body_match(posted, "Sent from your Twilio trial account - " + posted) == 1
    assert body_match(posted, posted + "\nReply STOP to opt out") == 1
    assert body_match("Hello  there\r\n", "hello there") == 2
    assert body_match(posted, "Your labs are at 9am") == 0
    assert body_match("", "anything") == 0


def test_ucs2_causes_name_each_character_once_in_order() -> None:
    from cxinbox.domain.sms import ucs2_causes

    causes = ucs2_causes("It\u2019s fine \u2013 see you\u2026 don\u2019t \U0001f600")
    assert [(c.char, c.code_point, c.count, c.stand_in) for c in causes] == [
        ("\u2019", "U+2019", 2, "'"), ("\u2013", "U+2013", 1, "-"),
        ("\u2026", "U+2026", 1, "..."), ("\U0001f600", "U+1F600", 1, None)]
    assert ucs2_causes("Plain GSM: {} [] \u20ac \u00e9") == []


def test_to_gsm7_makes_typographic_text_cheap_and_leaves_the_rest() -> None:
    from cxinbox.domain.sms import is_gsm7, segments, to_gsm7

    typed = "\u201cFasting\u201d \u2013 no food after 8\u00a0pm\u2026 it\u2019s\tfine"
    assert segments(typed).encoding == "UCS-2"
    fixed, count = to_gsm7(typed)
    assert fixed == '"Fasting" - no food after 8 pm... it\'s fine' and count == 7
    assert is_gsm7(fixed)
    still, count = to_gsm7("Ok \u2013 \U0001f44d")
    assert still == "Ok - \U0001f44d" and count == 1 and not is_gsm7(still)
    assert to_gsm7("plain") == ("plain", 0)
