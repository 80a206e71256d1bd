"""MIME parsing for cxinbox: hostile input, limits, and the HTML-to-text converter.

The parser sees every message a clinic receives, so these tests feed it what attackers and
broken mailers send and check that it never raises, stays fast, and keeps text faithful
(escape sequences survive parsing; `clean_line` removes them at display time).
"""

from __future__ import annotations

import base64
import email
import email.policy
import os
import random
import sysconfig
import time
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxinbox.domain.htmltext import html_to_text
from cxinbox.domain.mime import MimeLimits, extract_part, parse_message
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.domain.sanitize import clean_line

MAIL = Path(__file__).parent / "data" / "mail"
TERMINAL_CONTROLS = ("\x1b", "\x9b", "\x9d", "\x07")


def fixture(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def assert_attachments_extractable(raw: bytes, parsed: ParsedMessage, tolerance: int = 3) -> None:
    """Every listed attachment comes back from the raw bytes with the size we reported."""
    for attachment in parsed.attachments:
        filename, content_type, data = extract_part(raw, attachment.part_path)
        assert filename == attachment.filename
        assert content_type == attachment.content_type
        assert abs(len(data) - attachment.size) <= tolerance, attachment


def multipart(boundary: str, *parts: bytes, headers: bytes = b"") -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return (
        headers
        + b'Content-Type: multipart/mixed; boundary="'
        + boundary.encode()
        + b'"\r\n\r\n'
        + body
        + b"--"
        + boundary.encode()
        + b"--\r\n"
    )


# --------------------------------------------------------------------------- CPython corpus


def _stdlib_email_data() -> Path | None:
    try:
        import test.test_email  # type: ignore[import-not-found]

        candidate = Path(test.test_email.__file__).parent / "data"
    except ImportError:
        candidate = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    return candidate if candidate.is_dir() else None


STDLIB_DATA = _stdlib_email_data()
STDLIB_FILES = sorted(p for p in STDLIB_DATA.iterdir() if p.is_file()) if STDLIB_DATA else []


def test_stdlib_email_corpus_is_available() -> None:
    if STDLIB_FILES:
        return
    message = "CPython's test/test_email/data is missing (install the Python test suite)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _stdlib_has_text(raw: bytes) -> bool:
    """Whether the stdlib parser finds any non-empty leaf payload (our oracle)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload.strip():
            return True
        if isinstance(part.get_payload(), Message):
            return True
    return False


@pytest.mark.parametrize("path", STDLIB_FILES, ids=lambda p: p.name)
def test_stdlib_email_corpus_parses(path: Path) -> None:
    raw = path.read_bytes()
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert isinstance(parsed.subject, str)
    assert isinstance(parsed.body_text, str)
    assert all(isinstance(problem, str) for problem in parsed.problems)
    assert parsed.date is None or parsed.date.tzinfo is UTC
    assert_attachments_extractable(raw, parsed)
    if _stdlib_has_text(raw):
        assert parsed.body_text or parsed.attachments or parsed.problems
    if path.name.startswith("msg_"):
        reference = email.message_from_bytes(raw, policy=email.policy.compat32)
        subject = reference["Subject"]
        if isinstance(subject, str) and subject.isascii() and "=?" not in subject:
            assert parsed.subject.split() == subject.split()
        if reference.get_content_type() == "multipart/report":
            assert parsed.auto_submitted


def test_stdlib_corpus_attachment_names_and_bodies() -> None:
    """Spot checks on well-known corpus messages, so the corpus test is not vacuous."""
    if STDLIB_DATA is None:
        pytest.skip("no CPython test_email data")
    dingus = parse_message((STDLIB_DATA / "msg_07.txt").read_bytes())
    assert [(a.filename, a.content_type, a.part_path) for a in dingus.attachments] == [
        ("dingusfish.gif", "image/gif", "2")
    ]
    assert dingus.body_text == "Hi there,\n\nThis is the dingus fish."
    assert dingus.attachments[0].size == 3512
    simple = parse_message((STDLIB_DATA / "msg_01.txt").read_bytes())
    assert simple.message_id == "15090.61304.110929.45684@aaa.zzz.org"
    assert simple.from_addr == Address("John X. Doe", "bbb@ddd.com")
    assert simple.date == datetime(2001, 5, 4, 18, 5, 44, tzinfo=UTC)


# --------------------------------------------------------------------------- escapes


@pytest.mark.parametrize("name", ["escapes_raw.eml", "escapes_encoded.eml"])
def test_terminal_escapes_are_kept_faithfully_and_removed_by_clean_line(name: str) -> None:
    parsed = parse_message(fixture(name))
    assert parsed.from_addr is not None
    assert parsed.from_addr.email == "evil@attacker.example"
    assert "\x1b" in parsed.subject and "\x1b" in parsed.from_addr.name
    for text in (parsed.subject, parsed.from_addr.name):
        shown = clean_line(text)
        assert not any(control in shown for control in TERMINAL_CONTROLS), repr(shown)
        assert "[/bold]" in shown
        assert "[@click=app.quit]" in shown
    assert "evil.example" not in clean_line(parsed.subject)  # OSC 8 target is gone


def test_raw_escape_fixture_covers_osc8_csi_and_8bit_csi() -> None:
    parsed = parse_message(fixture("escapes_raw.eml"))
    assert "\x1b]8;;https://evil.example/" in parsed.subject
    assert "\x9b2J" in parsed.subject
    assert clean_line(parsed.subject).startswith("Invoice click here")
    assert parsed.body_text == "Body with \x1b[2J an escape and [bold]markup[/bold]."


def test_encoded_word_escapes_cover_osc52_in_q_and_b_words() -> None:
    parsed = parse_message(fixture("escapes_encoded.eml"))
    assert parsed.subject.count("\x1b]52;c;SGVsbG8=\x07") == 2
    assert parsed.problems == []


# --------------------------------------------------------------------------- charsets


def test_raw_8bit_headers_utf8_and_latin1() -> None:
    parsed = parse_message(fixture("raw_8bit_headers.eml"))
    assert parsed.subject == "Terminverschiebung für Müller – dringend"
    assert parsed.from_addr == Address("Jörg Müller", "joerg.mueller@example.org")
    assert parsed.body_text == "Grüße aus der Praxis"
    assert any("From" in problem and "windows-1252" in problem for problem in parsed.problems)


def test_unknown_charset_falls_back_with_a_problem() -> None:
    parsed = parse_message(fixture("unknown_charset.eml"))
    assert parsed.subject == "Café appointment"
    assert parsed.body_text == "Café at noon?"
    assert any('"x-unknown"' in problem for problem in parsed.problems)


def test_lying_charsets_fall_back_to_utf8_then_windows_1252() -> None:
    parsed = parse_message(fixture("lying_charset.eml"))
    assert parsed.subject == "Grüße"
    assert "Grüße (utf-8 bytes declared us-ascii)" in parsed.body_text
    assert "Café “quoted”" in parsed.body_text
    assert len(parsed.problems) == 3


def test_undecodable_bytes_never_raise_and_are_replaced() -> None:
    raw = b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nok \x81\x8d\xff end\r\n"
    parsed = parse_message(raw)
    assert parsed.body_text.startswith("ok ") and parsed.body_text.endswith(" end")
    assert parsed.problems


@pytest.mark.parametrize("charset", ["punycode", "idna", "unicode_escape", "base64", "zlib"])
def test_dangerous_or_non_text_codecs_are_refused(charset: str) -> None:
    raw = (
        b"Subject: =?" + charset.encode() + b"?q?\\x1b_hi?=\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n\r\n\\x1b[2J body\r\n"
    )
    parsed = parse_message(raw)
    assert "\x1b" not in parsed.subject and "\x1b" not in parsed.body_text
    assert parsed.body_text == "\\x1b[2J body"


def test_encoded_words_split_inside_a_multibyte_character_are_joined() -> None:
    data = "Müller".encode()
    first, second = data[:2], data[2:]  # "M" and half of "ü"
    raw = (
        b"Subject: =?utf-8?b?"
        + base64.b64encode(first)
        + b"?= =?utf-8?b?"
        + base64.b64encode(second)
        + b"?= (Termin)\r\n\r\nx"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Müller (Termin)"
    assert parsed.problems == []


# --------------------------------------------------------------------------- structure limits


def test_2000_deep_nested_multipart_is_fast_and_noted() -> None:
    depth = 2000
    chunks = [b"From: a@example.org\r\nSubject: deep\r\n"]
    chunks.append(b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
    for level in range(1, depth):
        chunks.append(
            b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1, level)
        )
    chunks.append(b"--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n" % (depth - 1))
    chunks.extend(b"--b%d--\r\n" % level for level in reversed(range(depth)))
    raw = b"".join(chunks)
    started = time.thread_time()
    parsed = parse_message(raw)
    assert time.thread_time() - started < 2
    assert parsed.subject == "deep"
    assert any("nesting" in problem for problem in parsed.problems)


def test_20000_flat_parts_hit_the_part_limit_quickly() -> None:
    parts = [b"Content-Type: text/plain\r\n\r\npart %d" % i for i in range(20000)]
    raw = multipart("x", *parts, headers=b"Subject: flat\r\n")
    started = time.thread_time()
    parsed = parse_message(raw)
    assert time.thread_time() - started < 5
    assert any("MIME parts" in problem for problem in parsed.problems)
    assert parsed.body_text.startswith("part 0\n\npart 1\n\n")
    assert "part 600" not in parsed.body_text


def test_8000_addresses_in_one_header() -> None:
    addresses = b", ".join(b"Patient %d <patient%d@example.org>" % (i, i) for i in range(8000))
    raw = b"From: a@example.org\r\nTo: " + addresses + b"\r\nSubject: many\r\n\r\nbody\r\n"
    started = time.thread_time()
    parsed = parse_message(raw)
    assert time.thread_time() - started < 2
    assert len(parsed.to) > 100
    assert parsed.to[0] == Address("Patient 0", "patient0@example.org")
    assert all(address.email.endswith("@example.org") for address in parsed.to)
    assert any("truncated" in problem for problem in parsed.problems)


def test_20mb_base64_attachment_size_and_extraction() -> None:
    payload = random.Random(20).randbytes(20_000_000)
    raw = multipart(
        "zz",
        b"Content-Type: text/plain\r\n\r\nsee attached",
        b"Content-Type: application/pdf; name=big.pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="big.pdf"\r\n\r\n'
        + base64.encodebytes(payload).replace(b"\n", b"\r\n"),
        headers=b"From: a@example.org\r\nSubject: big\r\n",
    )
    started = time.thread_time()
    parsed = parse_message(raw)
    assert time.thread_time() - started < 1
    [attachment] = parsed.attachments
    assert attachment.filename == "big.pdf"
    assert abs(attachment.size - len(payload)) <= 3
    assert extract_part(raw, attachment.part_path) == ("big.pdf", "application/pdf", payload)


def test_one_megabyte_header_value_is_truncated() -> None:
    raw = b"Subject: " + b"A" * 1_000_000 + b"\r\nX-Junk: " + b"b" * 1_000_000 + b"\r\n\r\nbody"
    parsed = parse_message(raw)
    assert len(parsed.subject) == MimeLimits().max_header_len
    assert parsed.body_text == "body"
    assert any("truncated" in problem for problem in parsed.problems)


def test_message_over_max_bytes_reads_headers_only() -> None:
    raw = b"Subject: large\r\nFrom: a@example.org\r\n\r\n" + b"x" * 5000
    parsed = parse_message(raw, limits=MimeLimits(max_bytes=1000))
    assert parsed.subject == "large"
    assert parsed.body_text == ""
    assert any("limit" in problem for problem in parsed.problems)


def test_body_text_is_capped() -> None:
    raw = b"Subject: long\r\n\r\n" + b"word " * 10_000
    parsed = parse_message(raw, limits=MimeLimits(max_body_chars=100))
    assert len(parsed.body_text) == 100
    assert any("truncated" in problem for problem in parsed.problems)


def test_problem_list_is_capped() -> None:
    parts = [b"Content-Type: text/plain; charset=x-bogus-%d\r\n\r\n\xe9" % i for i in range(200)]
    parsed = parse_message(multipart("p", *parts))
    assert len(parsed.problems) == MimeLimits().max_problems + 1
    assert parsed.problems[-1] == "further problems not listed"


# --------------------------------------------------------------------------- envelope fields


def test_missing_message_id() -> None:
    parsed = parse_message(fixture("no_message_id.eml"))
    assert parsed.message_id is None
    assert parsed.body_text == "Please call me back."
    assert parsed.problems == []


def test_duplicate_message_ids_and_reference_normalisation() -> None:
    parsed = parse_message(fixture("duplicate_message_id.eml"))
    assert parsed.message_id == "first-id@example.org"
    assert parsed.in_reply_to == "parent@Example.ORG"
    assert parsed.references == ["root@example.org", "parent@Example.ORG"]


def test_references_are_capped_keeping_root_and_newest() -> None:
    ids = b" ".join(b"<id%d@example.org>" % i for i in range(300))
    parsed = parse_message(b"References: " + ids + b"\r\n\r\n")
    assert len(parsed.references) == 100
    assert parsed.references[0] == "id0@example.org"
    assert parsed.references[-1] == "id299@example.org"


def test_missing_date_is_none_without_a_problem() -> None:
    parsed = parse_message(fixture("missing_date.eml"))
    assert parsed.date is None
    assert parsed.problems == []


def test_garbage_date_is_none_with_a_problem() -> None:
    parsed = parse_message(fixture("garbage_date.eml"))
    assert parsed.date is None
    assert any("Date" in problem for problem in parsed.problems)
    assert not any("\x1b" in problem for problem in parsed.problems)


def test_dates_are_converted_to_utc() -> None:
    parsed = parse_message(b"Date: Tue, 14 May 2024 09:30:00 +0200\r\n\r\n")
    assert parsed.date == datetime(2024, 5, 14, 7, 30, tzinfo=UTC)
    naive = parse_message(b"Date: Tue, 14 May 2024 09:30:00 -0000\r\n\r\n")
    assert naive.date == datetime(2024, 5, 14, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (b"Auto-Submitted: auto-replied\r\n", True),
        (b"Auto-Submitted: no\r\n", False),
        (b"Precedence: bulk\r\n", True),
        (b"Precedence: junk\r\n", True),
        (b"From: MAILER-DAEMON@mx.example.org\r\n", True),
        (b"From: postmaster@example.org\r\n", True),
        (b"Content-Type: multipart/report; boundary=r\r\n", True),
        (b"From: someone@example.org\r\n", False),
    ],
)
def test_auto_submitted_detection(headers: bytes, expected: bool) -> None:
    assert parse_message(headers + b"Subject: x\r\n\r\n--r--\r\n").auto_submitted is expected


def test_bounce_fixture_is_auto_submitted() -> None:
    parsed = parse_message(fixture("bounce.eml"))
    assert parsed.auto_submitted
    assert parsed.body_text.startswith("This is the mail system.")


@pytest.mark.parametrize("raw", [b"", b"\r\n", b"   \n\n"])
def test_empty_input(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert parsed.subject == "" and parsed.body_text == "" and parsed.attachments == []
    assert parsed.problems == ["empty message"]


def test_binary_garbage_is_shown_as_flagged_text() -> None:
    raw = random.Random(7).randbytes(50_000)
    parsed = parse_message(raw)
    assert parsed.body_text
    assert parsed.problems


def test_non_bytes_input_does_not_raise() -> None:
    parsed = parse_message(None)  # type: ignore[arg-type]
    assert parsed.problems


# --------------------------------------------------------------------------- attachments


def test_rfc2231_and_hostile_filenames() -> None:
    raw = fixture("rfc2231_filename.eml")
    parsed = parse_message(raw)
    assert parsed.body_text == "Anbei der Befund."
    names = [(a.filename, a.content_type, a.part_path) for a in parsed.attachments]
    assert names == [
        ("Befund Müller – Mai.pdf", "application/pdf", "2"),
        ("Röntgen Teil 2.txt", "text/plain", "3"),
        ("../../etc/passwd", "application/octet-stream", "4"),
        ("Röntgen.jpg", "image/jpeg", "5"),
    ]
    assert all(isinstance(a.filename, str) for a in parsed.attachments)
    assert_attachments_extractable(raw, parsed, tolerance=0)
    assert extract_part(raw, "4")[2] == b"root:x:0:0:root:/root:/bin/bash\n"
    assert extract_part(raw, "2")[2].startswith(b"%PDF-1.4")


def test_alternative_prefers_plain_and_numbers_nested_parts() -> None:
    raw = fixture("alternative_with_attachments.eml")
    parsed = parse_message(raw)
    assert parsed.body_text == "Plain version: results are normal.\n\nRegards"
    listed = [(a.part_path, a.content_type, a.inline) for a in parsed.attachments]
    assert listed == [("1.2.2", "image/png", True), ("2", "application/pdf", False)]
    assert_attachments_extractable(raw, parsed, tolerance=0)


@pytest.mark.parametrize("path", ["0", "9", "1.1", "abc", "", "2.1", "1.-1", "١"])
def test_extract_part_raises_key_error_for_absent_parts(path: str) -> None:
    with pytest.raises(KeyError):
        extract_part(fixture("rfc2231_filename.eml"), path)


def test_single_part_attachment_is_part_1() -> None:
    raw = (
        b"Subject: scan\r\nContent-Type: application/pdf; name=scan.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(b"%PDF scan")
    )
    parsed = parse_message(raw)
    assert [(a.filename, a.part_path, a.size) for a in parsed.attachments] == [("scan.pdf", "1", 9)]
    assert extract_part(raw, "1") == ("scan.pdf", "application/pdf", b"%PDF scan")


def test_html_only_message_becomes_readable_text() -> None:
    parsed = parse_message(fixture("html_only.eml"))
    assert parsed.body_text == (
        "Appointment confirmed\n\n"
        "Dear Ms. Müller,\nyour appointment is on Friday at 10:00.\n\n"
        "- Bring your insurance card\n- Arrive 10 minutes early\n\n"
        "Manage it online <https://portal.clinic.example/appt?id=42&x=1> or write to "
        "desk@clinic.example.\n\n"
        "Room 3\nDoctor Dr. Smith"
    )


# --------------------------------------------------------------------------- fuzzing

SEEDS = [
    fixture(name)
    for name in (
        "alternative_with_attachments.eml",
        "rfc2231_filename.eml",
        "escapes_encoded.eml",
        "lying_charset.eml",
        "bounce.eml",
        "html_only.eml",
        "encoded_word_raw_8bit.eml",
        "utf8_stray_byte.eml",
        "folded_boundary_no_semicolon.eml",
        "display_name_with_at.eml",
    )
]
TOKENS = [
    b"--",
    b"\r\n",
    b"\n",
    b"\r\n\r\n",
    b"=?",
    b"?=",
    b"=?utf-8?b?",
    b"=?x?q?=FF",
    b";",
    b'"',
    b"*0*=",
    b"%",
    b"boundary=",
    b"Content-Type: multipart/mixed; boundary=outer\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"--outer",
    b"--alt--",
    b"<",
    b">",
    b"(",
    b"\x1b[",
    b"\x00",
    b"\xff\xfe",
    b"=\r\n",
    b"\t",
    b"\xd1",
    b"\xef\xbb\xbf",
    b"=?iso-8859-1?q?\xf6",
    b'filename*=utf-8\'\'%E9\xe9',
]


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(raw)))
        operation = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        chunk = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=32)))
        span = draw(st.integers(1, 200))
        if operation == "insert":
            raw[pos:pos] = chunk
        elif operation == "delete":
            del raw[pos : pos + span]
        elif operation == "replace":
            raw[pos : pos + len(chunk)] = chunk
        else:
            raw[pos:pos] = raw[pos : pos + span]
    return bytes(raw)


def _texts(parsed: ParsedMessage) -> list[str]:
    addresses = [parsed.from_addr, *parsed.to, *parsed.cc, *parsed.reply_to]
    return [
        parsed.subject,
        parsed.body_text,
        parsed.message_id or "",
        parsed.in_reply_to or "",
        *parsed.references,
        *(text for a in addresses if a is not None for text in (a.name, a.email)),
        *(a.filename for a in parsed.attachments),
        *parsed.problems,
    ]


def check_robust(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert isinstance(parsed.subject, str) and isinstance(parsed.body_text, str)
    for text in _texts(parsed):
        text.encode("utf-8")  # no stray-byte surrogates escape the parser: SQLite needs UTF-8
    for attachment in parsed.attachments:
        filename, _, data = extract_part(raw, attachment.part_path)
        assert isinstance(filename, str) and isinstance(data, bytes)
        filename.encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(raw: bytes) -> None:
    check_robust(raw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_mutated_messages_never_raise(raw: bytes) -> None:
    check_robust(raw)


# --------------------------------------------------------------------------- speed


def test_typical_message_parse_time_regression_guard() -> None:
    """A loose regression guard; the real budget is about 0.5 ms per message."""
    body = b"Please confirm the appointment for tomorrow morning. " * 250
    raw = (
        b"From: Jane <jane@example.org>\r\nTo: desk@clinic.example\r\n"
        b"Subject: =?utf-8?q?Termin_f=C3=BCr_morgen?=\r\nDate: Tue, 14 May 2024 09:30:00 +0200\r\n"
        b"Message-ID: <typical@example.org>\r\nReferences: <a@example.org> <b@example.org>\r\n"
        + b"Received: from mx.example.net by mx.clinic.example; Tue, 14 May 2024 09:30:00 +0200\r\n"
        * 10
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + body
    )
    started = time.thread_time()
    for _ in range(200):
        parse_message(raw)
    assert (time.thread_time() - started) / 200 < 0.005


# --------------------------------------------------------------------------- html_to_text


def test_html_drops_script_style_head_and_title() -> None:
    html = (
        "<html><head><title>Title</title><meta charset=utf-8><style>p{color:red}</style>"
        "</head><body><script>alert('x')</script><p>Visible</p></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_html_blocks_lists_and_line_breaks() -> None:
    html = (
        "<h1>Heading</h1><p>First<br>second line</p><div>Block</div>"
        "<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul><p>After</p>"
    )
    assert html_to_text(html) == (
        "Heading\n\nFirst\nsecond line\n\nBlock\n- one\n- two\n  - nested\n\nAfter"
    )


def test_html_links_show_their_target_when_it_differs() -> None:
    html = (
        '<a href="https://example.org/x">Portal</a> '
        '<a href="https://example.org/y">https://example.org/y</a> '
        '<a href="mailto:desk@clinic.example">desk@clinic.example</a> '
        '<a href="javascript:alert(1)">js</a> <a href="#top">top</a>'
    )
    assert html_to_text(html) == (
        "Portal <https://example.org/x> https://example.org/y desk@clinic.example js top"
    )


def test_html_entities_and_whitespace() -> None:
    html = "<p>  Fish&nbsp;&amp;&#32;chips\n\n   &lt;tag&gt; &eacute;&#x263A; &bogus; </p>"
    assert html_to_text(html) == "Fish & chips <tag> é☺ &bogus;"


def test_html_at_most_one_blank_line() -> None:
    html = "<p>a</p><p></p><br><br><br><br><p>b</p>" + "<div></div>" * 20 + "<br>" * 5 + "c"
    text = html_to_text(html)
    assert "\n\n\n" not in text
    assert text == "a\n\nb\n\nc"


def test_html_tables_pre_blockquote_and_images() -> None:
    html = (
        "<table><tr><td>Room</td><td>3</td></tr><tr><th>Doctor</th><td>Smith</td></tr></table>"
        "<pre>  keep\n    indent</pre><blockquote><p>quoted reply</p></blockquote>"
        '<img src="cid:x" alt="Logo"><img src="t.gif" alt="">'
    )
    assert html_to_text(html) == (
        "Room 3\nDoctor Smith\n\n  keep\n    indent\n\n> quoted reply\n\nLogo"
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>bold <i>italic",
        "<div><p>mis</div>nested</p>",
        "<a href='x'>unterminated quote",
        "text <!-- unclosed comment",
        "<![CDATA[ odd ]]> text",
        "a < b and c > d",
        "</p></div></body>",
        "<<<<>>>>",
        "<scr<script>ipt>alert(1)</script>",
        "<textarea><b>raw</b></textarea>",
        "\x00\x1b[2J<p>\x00</p>",
    ],
)
def test_html_broken_markup_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)


def test_html_unterminated_constructs_swallow_the_rest_like_a_browser() -> None:
    assert html_to_text("before <!-- never closed <p>hidden") == "before"
    assert html_to_text("before <a href='x>hidden") == "before"
    assert html_to_text("a < b") == "a < b"


@pytest.mark.parametrize(
    "pattern",
    [
        "<!--",
        "<a",
        "</",
        "<!",
        "<![CDATA[",
        "<?",
        "&#",
        "<",
        "<a b='",
        '<a b="x"c=\'',
        "<script>",
        "</scrip",
        "<textarea>",
        "<a b=c ",
        "<p><a href=x>y</a>",
    ],
)
def test_html_pathological_input_is_linear(pattern: str) -> None:
    html = pattern * (200_000 // len(pattern))
    started = time.thread_time()
    html_to_text(html)
    assert time.thread_time() - started < 2


def test_html_empty_and_text_only() -> None:
    assert html_to_text("") == ""
    assert html_to_text("just text") == "just text"
