"""A parsed message (with its addresses and attachments) pickles by its fields, as the
sync's parse worker sends it: every field, set to something other than its default, comes
back equal, and a parsed real message does too."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

from cxinbox.domain.mime import parse_message
from cxinbox.domain.models import Address, Attachment, ParsedMessage


def _full() -> ParsedMessage:
    pat = Address("Pat Doe", "pat@example.org")
    return ParsedMessage(
        message_id="m1@example.org", in_reply_to="m0@example.org",
        references=["a@x", "m0@example.org"], subject="Refill", from_addr=pat,
        to=[Address("", "desk@clinic.example")], cc=[Address("Sam", "sam@example.org")],
        reply_to=[pat], date=datetime(2026, 12, 5, 10, 30, tzinfo=UTC),
        body_text="Please refill my prescription.",
        attachments=[Attachment("scan.pdf", "application/pdf", 1234, "2", inline=True)],
        problems=["charset"], auto_submitted=True)


def test_every_field_comes_back() -> None:
    message = _full()
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(message, protocol=protocol))
        assert type(back) is ParsedMessage
        assert back == message
        for f in dataclasses.fields(ParsedMessage):  # none left at its default
            default = f.default_factory() if callable(f.default_factory) else f.default
            assert getattr(back, f.name) != default or f.default is dataclasses.MISSING, f.name
        assert type(back.attachments[0]) is Attachment and back.attachments[0].inline
        assert type(back.from_addr) is Address


def test_a_parsed_message_round_trips() -> None:
    raw = (b"From: =?utf-8?q?Jos=C3=A9?= <jose@example.org>\r\nTo: desk@clinic.example\r\n"
           b"Subject: hola\r\nMessage-ID: <x1@example.org>\r\nDate: Sat, 05 Dec 2026 10:00:00"
           b" +0000\r\n\r\nMe duele la cabeza\r\n")
    parsed = parse_message(raw)
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    assert parsed.from_addr is not None and parsed.from_addr.name == "Jos\u00e9"
