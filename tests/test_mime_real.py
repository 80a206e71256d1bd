"""What real mail clients send and a strict parser gets wrong.

One fixture per defect in tests/data/mail, each written for its test: raw 8-bit bytes in
encoded words, UTF-8 with one stray byte, empty alternatives, a boundary folded without its
";", a byte-order mark, folded encoded words, "@" in display names, named inline text parts
and obsolete zone names. Each test states what a person at the desk should see.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxinbox.domain.mime import extract_part, parse_message
from cxinbox.domain.models import Address, ParsedMessage

MAIL = Path(__file__).parent / "data" / "mail"


def parsed(name: str) -> ParsedMessage:
    return parse_message((MAIL / name).read_bytes())


def header_only(header: bytes) -> ParsedMessage:
    return parse_message(header + b"\r\nContent-Type: text/plain\r\n\r\nbody\r\n")


# --------------------------------------------------------------------------- 1. raw 8-bit words


def test_raw_8bit_byte_inside_an_encoded_word_is_decoded_once() -> None:
    message = parsed("encoded_word_raw_8bit.eml")
    assert message.subject == "Frösche im Garten und Rückruf"


def test_raw_8bit_utf8_inside_a_utf8_word_and_in_a_file_name() -> None:
    message = parse_message(
        b"Subject: =?utf-8?Q?Gr\xc3\xbc\xc3\x9fe?=\r\n"
        b'Content-Type: application/pdf; name="=?iso-8859-1?Q?Befund_M\xfcller.pdf?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n"
    )
    assert message.subject == "Grüße"
    assert [a.filename for a in message.attachments] == ["Befund Müller.pdf"]


# --------------------------------------------------------------------------- 2. one stray byte


def test_one_stray_byte_in_utf8_spoils_only_itself() -> None:
    message = parsed("utf8_stray_byte.eml")
    assert message.subject.startswith("Перенос приёма")
    assert message.subject.endswith(" на пятницу")
    assert len(message.subject) == len("Перенос приёма на пятницу") + 1
    assert message.body_text.startswith("Здравствуйте! Прошу перенести мой приём на пятницу.\n")
    assert message.body_text.endswith("\nСпасибо, Ольга Смирнова")
    assert "Ð" not in message.body_text and "Ð" not in message.subject
    assert message.from_addr == Address("Ольга Смирнова", "olga@example.org")
    assert any("not valid" in p or "8-bit" in p for p in message.problems)


def test_text_that_is_mostly_not_utf8_is_still_read_as_windows_1252() -> None:
    latin1 = "Grüße aus Köln, Ihre Praxis Dr. Müller – bis Dienstag".encode("cp1252")
    message = parse_message(
        b"Subject: " + latin1 + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + latin1
    )
    assert message.subject == "Grüße aus Köln, Ihre Praxis Dr. Müller – bis Dienstag"
    assert message.body_text == message.subject


def test_utf8_text_with_a_pasted_windows_1252_word_keeps_both() -> None:
    body = "Grüße, Jürgen. ".encode() + "Café".encode("cp1252") + " – danke".encode()
    message = parse_message(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body)
    assert message.body_text == "Grüße, Jürgen. Café – danke"


def _reference_decoding(data: bytes) -> str:
    """The rule in plain words: UTF-8 with stray bytes as windows-1252 when there are at
    least as many UTF-8 characters past ASCII as stray bytes, else windows-1252 throughout."""
    text = data.decode("utf-8", "surrogateescape")
    stray = sum(0xDC80 <= ord(ch) <= 0xDCFF for ch in text)
    good = sum(ord(ch) > 0x7F for ch in text) - stray
    if good >= stray:
        return "".join(
            bytes([ord(ch) - 0xDC00]).decode("cp1252", "replace")
            if 0xDC80 <= ord(ch) <= 0xDCFF
            else ch
            for ch in text
        )
    return data.decode("cp1252", "replace")


_TEXT_PIECES = st.one_of(
    st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=6),
    st.sampled_from([b"\xd1", b"\xe9", b"\x93", b"\xc3\xa9", b"\xe2\x80\x93", b"\xff"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXT_PIECES, max_size=12).map(b"".join))
def test_body_decoding_follows_the_stated_rule(data: bytes) -> None:
    assume(b"\r" not in data and not data.startswith(b"\n") and not data.endswith(b"\n"))
    message = parse_message(b"Content-Type: text/plain; charset=utf-8\n\n" + data)
    assert message.body_text == _reference_decoding(data)


# --------------------------------------------------------------------------- 3. empty alternatives


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("alternative_empty_plain.eml", "Your appointment is on Friday at 10:00."),
        ("alternative_empty_trailing_part.eml", "Please bring your insurance card."),
    ],
)
def test_an_empty_plain_alternative_does_not_hide_the_html(name: str, text: str) -> None:
    message = parsed(name)
    assert message.body_text == text
    assert message.attachments == []


# --------------------------------------------------------------------------- 4. folded boundary


def test_boundary_folded_without_a_semicolon_still_splits_the_message() -> None:
    raw = (MAIL / "folded_boundary_no_semicolon.eml").read_bytes()
    message = parse_message(raw)
    assert message.body_text == "The referral letter is attached."
    assert [(a.filename, a.content_type, a.part_path) for a in message.attachments] == [
        ("referral.pdf", "application/pdf", "2")
    ]
    _name, _type, data = extract_part(raw, "2")
    assert data.startswith(b"%PDF-1.4") and len(data) == message.attachments[0].size


def test_a_disposition_parameter_without_its_semicolon_names_the_file() -> None:
    message = parse_message(
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n filename="x-ray.pdf"'
        b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n"
    )
    assert [(a.filename, a.size) for a in message.attachments] == [("x-ray.pdf", 4)]
    assert message.problems == []


# --------------------------------------------------------------------------- 5. byte-order mark


def test_a_byte_order_mark_before_the_headers_is_skipped() -> None:
    message = parsed("utf8_bom.eml")
    assert message.subject == "Rückfrage zur Überweisung"
    assert message.from_addr == Address("Greta Hahn", "greta.hahn@example.org")
    assert message.message_id == "bom@example.org"
    assert message.date == datetime(2024, 5, 14, 7, 30, tzinfo=UTC)
    assert message.body_text == "Können Sie die Überweisung faxen?"
    assert message.problems == []


# --------------------------------------------------------------------------- 6. the rest


def test_a_fold_inside_a_base64_encoded_word_is_ignored() -> None:
    message = parsed("encoded_word_folded.eml")
    assert message.subject == "Ihre Laborergebnisse für Frau Müller sind da"


def test_spaces_inside_a_q_encoded_word_are_kept() -> None:
    message = header_only(b"Subject: =?iso-8859-1?Q?Caf=E9 au lait?= ok")
    assert message.subject == "Café au lait ok"


def test_an_unquoted_display_name_with_an_at_sign_is_a_name() -> None:
    message = parsed("display_name_with_at.eml")
    assert message.from_addr == Address("phil@example.org", "phil@example.org")
    assert message.to == [
        Address("desk@clinic.example", "desk@clinic.example"),
        Address("Billing", "billing@clinic.example"),
    ]


def test_an_at_sign_name_followed_by_a_comment_is_still_one_address() -> None:
    message = header_only(b"From: phil@example.org <phil@example.org> (home)")
    assert message.from_addr == Address("phil@example.org", "phil@example.org")
    message = header_only(b"To: <a@example.org> <b@example.org>")
    assert [a.email for a in message.to] == ["a@example.org", "b@example.org"]


def test_bare_addresses_without_names_are_unchanged() -> None:
    message = header_only(b"To: a@example.org, b@example.org\r\nFrom: c@example.org")
    assert message.to == [Address("", "a@example.org"), Address("", "b@example.org")]
    assert message.from_addr == Address("", "c@example.org")


def test_a_named_inline_text_part_is_in_the_body_and_offered_as_a_file() -> None:
    raw = (MAIL / "inline_named_text.eml").read_bytes()
    message = parse_message(raw)
    assert message.body_text == (
        "My current medication list is below.\n\n"
        "Metformin 500 mg twice daily\nRamipril 5 mg once daily"
    )
    assert [(a.filename, a.content_type, a.part_path, a.inline) for a in message.attachments] == [
        ("medications.txt", "text/plain", "2", True)
    ]
    assert extract_part(raw, "2")[2].startswith(b"Metformin 500 mg")


def test_posix_zone_name_in_the_date_header() -> None:
    message = parsed("posix_zone_date.eml")
    assert message.date == datetime(2024, 5, 14, 13, 30, tzinfo=UTC)  # EDT, UTC-4
