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

from cxinbox.domain.mime import extract_part, parse_message
from cxinbox.domain.models import Address, ParsedMessage

MAIL = Path(__file__).parent / "data" / "mail"


def parsed(name: str) -> ParsedMessage:
    return parse_message((MAIL / name).read_bytes())


def header_only(header: bytes) -> ParsedMessage:
    return parse_message(header + b"\r\nContent-Type: text/plain\r\n\r\nbody\r\n")


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
