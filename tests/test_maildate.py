"""Date header values as real mailers write them, obsolete and POSIX zone names included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxinbox.domain.maildate import parse_mail_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 15 Jan 2024 09:30:00 EST5EDT", datetime(2024, 1, 15, 14, 30, tzinfo=UTC)),
        ("Sun, 10 Mar 2024 01:59:00 EST5EDT", datetime(2024, 3, 10, 6, 59, tzinfo=UTC)),
        ("Sun, 10 Mar 2024 03:00:00 EST5EDT", datetime(2024, 3, 10, 7, 0, tzinfo=UTC)),
        ("Mon, 4 Nov 2024 09:00:00 est5edt", datetime(2024, 11, 4, 14, 0, tzinfo=UTC)),
        ("Wed, 15 Oct 2003 12:00:00 PST8PDT", datetime(2003, 10, 15, 19, 0, tzinfo=UTC)),
        ("Wed, 5 Apr 2000 12:00:00 CST6CDT", datetime(2000, 4, 5, 17, 0, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 MST7", datetime(2024, 5, 14, 16, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 CET", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 CEST", datetime(2024, 5, 14, 7, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 MET DST", datetime(2024, 5, 14, 7, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 CET-1CEST", datetime(2024, 5, 14, 7, 30, tzinfo=UTC)),
        ("Tue, 14 Jan 2024 09:30:00 CET-1CEST", datetime(2024, 1, 14, 8, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 JST", datetime(2024, 5, 14, 0, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 EDT", datetime(2024, 5, 14, 13, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 +0200 (CEST)", datetime(2024, 5, 14, 7, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 GMT", datetime(2024, 5, 14, 9, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00 -0000", datetime(2024, 5, 14, 9, 30, tzinfo=UTC)),
        ("Tue, 14 May 2024 09:30:00", datetime(2024, 5, 14, 9, 30, tzinfo=UTC)),
    ],
)
def test_obsolete_and_posix_zone_names(value: str, expected: datetime) -> None:
    assert parse_mail_date(value) == expected


@pytest.mark.parametrize("value", ["", "garbage", "Tue, 14 Foo 2024 09:30:00 EST5EDT"])
def test_unreadable_dates_raise_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        parse_mail_date(value)
