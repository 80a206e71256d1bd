"""The bulk body-fetch reply parser (pure)."""

from __future__ import annotations

from calendar import timegm
from typing import Any

from cxinbox.channels.fetchparse import LITERAL_AT_END, body_item, internal_date
from cxinbox.channels.imap import uid_set


def test_common_shape() -> None:
    head = b'* 7 FETCH (UID 42 FLAGS (\\Seen \\Flagged) INTERNALDATE "05-Nov-2026 09:30:00 -0500" MODSEQ (17) BODY[] {5}\r\n'
    item = body_item(head, b"hello", b")\r\n")
    assert item is not None
    assert (item.uid, item.flags, item.modseq, item.raw) == (42, "\\Seen \\Flagged", 17, b"hello")
    assert item.internal_date == timegm((2026, 11, 5, 14, 30, 0))
    assert LITERAL_AT_END.search(head).group(1) == b"5"  # type: ignore[union-attr]


def test_attributes_after_the_literal_and_in_any_order() -> None:
    head = b"* 1 FETCH (BODY[] {3}\r\n"
    item = body_item(head, b"abc", b' UID 9 MODSEQ (4) FLAGS () INTERNALDATE " 1-Jan-2027 00:00:00 +0000")\r\n')
    assert item is not None and (item.uid, item.flags, item.modseq) == (9, "", 4)
    assert item.internal_date == timegm((2027, 1, 1, 0, 0, 0))


def test_not_a_body_fetch_is_refused() -> None:
    assert body_item(b"* 3 FETCH (FLAGS (\\Seen) UID 3 BODY[HEADER] {2}\r\n", b"ab", b")\r\n") is None
    assert body_item(b"* 3 FETCH (FLAGS (\\Seen) BODY[] {2}\r\n", b"ab", b")\r\n") is None  # no UID
    assert body_item(b"* OK still here {2}\r\n", b"ab", b"\r\n") is None


def test_bad_internaldate_is_none_not_an_error() -> None:
    assert internal_date(b"31-Foo-2026 00:00:00 +0000") is None
    assert internal_date(b"garbage") is None
    assert internal_date(b"31-Feb-2026 00:00:00 +0000") is None


def test_uid_set_compresses_runs() -> None:
    assert uid_set([5, 1, 2, 3, 9, 10]) == b"1:3,5,9:10"
    assert uid_set([7]) == b"7"


def test_server_error_text_is_sanitised_before_it_reaches_a_terminal() -> None:
    from cxinbox.channels.imap import describe_error

    line = describe_error(Exception("NO [ALERT] \x1b]52;c;cm0gLXJmIH4=\x07login\x1b[2J\r\nfailed"))
    assert "\x1b" not in line and "\x07" not in line and "\n" not in line
    assert line.startswith("NO [ALERT]") and "failed" in line


def test_flag_lines_in_any_order_without_recent() -> None:
    from cxinbox.channels.fetchparse import flags_item

    assert flags_item(b"* 3 FETCH (UID 17 FLAGS (\\Seen \\Recent $Label1))\r\n") == (
        17, "\\Seen $Label1", None)
    assert flags_item(b"* 3 FETCH (FLAGS () MODSEQ (99) UID 18)\r\n") == (18, "", 99)
    # An unsolicited update without UID, and other replies, are not listing items.
    assert flags_item(b"* 3 FETCH (FLAGS (\\Seen))\r\n") is None
    assert flags_item(b"* 4 EXISTS\r\n") is None


def test_fast_flag_listing_matches_the_general_parser(dovecot: Any) -> None:
    from cxinbox.channels.imap import Endpoint, ImapSession

    for n in range(30):
        dovecot.deliver(f"Subject: m{n}\r\nMessage-ID: <f{n}@x>\r\n\r\nbody\r\n".encode(),
                        flags=("\\Seen" if n % 2 else "") + (" \\Flagged" if n % 3 else ""))
    client = dovecot.imap_client()
    client.select_folder("INBOX")
    client.add_flags([5, 6, 7], [b"$Forwarded", b"Junk"])
    client.logout()
    session = ImapSession(Endpoint(host="127.0.0.1", port=dovecot.imaps_port, tls="implicit",
                                   ca_file=dovecot.ca_file), dovecot.user, dovecot.password)
    try:
        session.select("INBOX")
        fast = sorted(session.fetch_flags(30, None))
        general = session._uid_fetch(b"1:30", ["UID", "FLAGS"])
        slow = sorted((int(uid), " ".join(sorted(
            f.decode() for f in data[b"FLAGS"] if f != b"\\Recent")))
            for uid, data in general.items())
        assert [(u, " ".join(sorted(f.split()))) for u, f, _m in fast] == slow
        assert all(m is not None for _u, _f, m in fast), "MODSEQ read where the server has it"
        assert len(fast) == 30
    finally:
        session.close()
