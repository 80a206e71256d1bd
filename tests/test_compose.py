"""domain/compose.py: outgoing mail built from sanitised one-line header values."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import cast

import pytest

from cxinbox.domain import compose
from cxinbox.domain.compose import (
    AttachmentFile,
    ComposeError,
    Outgoing,
    Parent,
    build_email,
    render_template,
)


def _out(**changes: object) -> Outgoing:
    base: dict[str, object] = {
        "from_addr": "billing@clinic.example", "from_name": "Maple Clinic Billing",
        "to": ("pat@example.org",), "cc": (), "subject": "Re: Invoice", "body": "Hello\nThanks",
        "message_id": "1.abc.cxinbox@clinic.example",
        "date": datetime(2025, 1, 6, 14, 0, tzinfo=UTC)}
    base.update(changes)
    return Outgoing(**base)  # type: ignore[arg-type]


def _msg(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, message_from_bytes(raw, policy=default))


def _header_names(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n")
            if line and line[:1] not in (b" ", b"\t")]


@pytest.mark.parametrize("hostile", [
    "Hi\r\nBcc: evil@x.example", "Hi\nBcc: evil@x.example", "Hi\rBcc: evil@x.example",
    "Hi\x1b]52;c;QUJD\x07 there", "Hi\u2028Bcc: evil@x.example", "Hi\x85Bcc: evil@x.example",
    "=?utf-8?q?Hi=0D=0ABcc:_evil@x.example?=",
])
def test_hostile_subject_and_name_stay_one_header(hostile: str) -> None:
    raw = build_email(_out(subject=hostile, from_name=hostile))
    names = _header_names(raw)
    assert b"bcc" not in names
    assert names.count(b"subject") == 1 and names.count(b"from") == 1
    assert b"\x1b" not in raw and b"\x07" not in raw
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = _msg(raw)
    assert "\n" not in str(msg["Subject"]) and "\r" not in str(msg["Subject"])


def test_addresses_are_checked() -> None:
    with pytest.raises(ComposeError):
        build_email(_out(to=("pat@example.org\r\nBcc: x@y.example",)))
    with pytest.raises(ComposeError):
        build_email(_out(to=("not an address",)))
    with pytest.raises(ComposeError):
        build_email(_out(to=()))


def test_headers_threading_and_body() -> None:
    parent = Parent(message_id="root@p.example", references=("a@p.example", "b@p.example"),
                    subject="Re: RE: Re: Invoice", from_name="Pat Doe", from_addr="pat@example.org",
                    date=datetime(2025, 1, 5, 9, 0, tzinfo=UTC), body_text="Line one\n\nLine two")
    raw = build_email(_out(subject=compose.reply_subject(parent.subject),
                           in_reply_to=parent.message_id,
                           references=compose.reply_references(parent),
                           signature="Maple Clinic\n555-0100", quote=compose.quote_block(parent)))
    msg = _msg(raw)
    assert msg["Subject"] == "Re: Invoice"
    assert msg["In-Reply-To"] == "<root@p.example>"
    assert msg["References"] == "<a@p.example> <b@p.example> <root@p.example>"
    assert msg["Message-ID"] == "<1.abc.cxinbox@clinic.example>"
    assert msg["MIME-Version"] == "1.0" and msg["Date"] == "Mon, 06 Jan 2025 14:00:00 +0000"
    assert msg["From"] == "Maple Clinic Billing <billing@clinic.example>"
    text = msg.get_content().replace("\r\n", "\n")
    assert text == ("Hello\nThanks\n\n-- \nMaple Clinic\n555-0100\n\n"
                    "On Sun, 05 Jan 2025 at 09:00, Pat Doe wrote:\n> Line one\n>\n> Line two\n")


def test_reply_subject_never_doubles() -> None:
    assert compose.reply_subject("Re: re: RE:  Lab results") == "Re: Lab results"
    assert compose.reply_subject("AW: Termin") == "Re: Termin"
    assert compose.reply_subject("Fwd: Referral") == "Re: Fwd: Referral"
    assert compose.reply_subject("") == "Re: your message"


def test_references_are_trimmed_keeping_root_and_newest() -> None:
    refs = tuple(f"m{i}@x.example" for i in range(40))
    parent = Parent("m40@x.example", refs, "s", "", "a@x.example", None, "")
    out = compose.reply_references(parent)
    assert len(out) == compose.MAX_REFERENCES
    assert out[0] == "m0@x.example" and out[-1] == "m40@x.example"
    bad = Parent("ok@x.example", ("bad id with space", "<x@y>\r\nBcc: z"), "s", "", "", None, "")
    assert compose.reply_references(bad) == ("ok@x.example",)


def test_reply_all_excludes_own_and_dedupes() -> None:
    parent = Parent("m@x", (), "s", "Pat", "Pat@Example.org", None, "",
                    reply_to=(), to=(("Clinic", "billing@clinic.example"), ("", "spouse@example.org")),
                    cc=(("", "PAT@example.org"), ("", "front@clinic.example"), ("", "gp@example.net"),
                        ("", "spouse@example.org")))
    own = ["billing@clinic.example", "front@clinic.example"]
    to, cc = compose.reply_recipients(parent, own, reply_all=True)
    assert to == ["Pat@Example.org"]
    assert cc == ["spouse@example.org", "gp@example.net"]
    to, cc = compose.reply_recipients(parent, own, reply_all=False)
    assert (to, cc) == (["Pat@Example.org"], [])
    with_reply_to = Parent("m@x", (), "s", "Pat", "pat@example.org", None, "",
                           reply_to=(("", "portal@example.org"),))
    assert compose.reply_recipients(with_reply_to, own, reply_all=False)[0] == ["portal@example.org"]


def test_sender_name_with_staff() -> None:
    assert compose.sender_name("Maple Clinic", "Maria", True) == "Maria at Maple Clinic"
    assert compose.sender_name("Maple Clinic", "Maria", False) == "Maple Clinic"
    assert compose.sender_name("Maple\r\nClinic", "", True) == "Maple Clinic"


def test_message_ids_are_unique_and_in_our_domain() -> None:
    ids = {compose.new_message_id("front@clinic.example") for _ in range(1000)}
    assert len(ids) == 1000 and all(i.endswith("@clinic.example") for i in ids)


def test_attachments_guess_type_and_limit() -> None:
    raw = build_email(_out(attachments=(AttachmentFile("results.pdf", b"%PDF-1.4 x"),
                                        AttachmentFile("x\r\ny.bin", b"\x00\x01"))))
    msg = _msg(raw)
    parts = list(msg.iter_attachments())
    assert [p.get_content_type() for p in parts] == ["application/pdf", "application/octet-stream"]
    assert parts[0].get_filename() == "results.pdf" and parts[1].get_filename() == "x y.bin"
    assert parts[0].get_content() == b"%PDF-1.4 x"
    big = AttachmentFile("scan.tiff", b"\0" * (compose.MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(ComposeError, match="MB"):
        build_email(_out(attachments=(big,)))


def test_render_template_variables_blanks_and_escapes() -> None:
    r = render_template("Hi {patient_name}, call {clinic_phone} re {test} {{not a var}} {test}",
                        {"patient_name": "Jane", "clinic_phone": ""})
    assert r.text == "Hi Jane, call {clinic_phone} re {test} {not a var} {test}"
    assert r.blanks == ["clinic_phone", "test"]
    filled = render_template("{a}{{b}}", {"a": "{b}"})
    assert filled.text == "{b}{b}" and filled.blanks == []


def test_canned_file_subject_line() -> None:
    assert compose.parse_canned_file("Subject: Ready\nHello\n") == ("Ready", "Hello\n")
    assert compose.parse_canned_file("Hello\nthere") == ("", "Hello\nthere")
