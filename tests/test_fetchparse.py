"""The bulk body-fetch reply parser (pure)."""

from __future__ import annotations

from calendar import timegm

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
