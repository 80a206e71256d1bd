"""The digest's pure parts: its period, its figures read off report tables, and the mail."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from cxinbox.domain import digest as dg
from cxinbox.domain.compose import ComposeError
from cxinbox.domain.report_tables import ReportTable

NY = ZoneInfo("America/New_York")


def _at(text: str, tz: ZoneInfo = NY) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=tz).timestamp())


def test_the_default_period_is_the_last_seven_whole_clinic_days() -> None:
    # Run on Monday 2026-11-30 at 07:00 in New York: Monday 23rd to Sunday 29th.
    since, until = dg.default_period(_at("2026-11-30T07:00"), NY)
    assert (since, until) == (_at("2026-11-23T00:00"), _at("2026-11-30T00:00"))
    assert dg.subject(since, until, NY) == "cxinbox weekly digest: 2026-11-23 to 2026-11-29"
    assert dg.previous_period(since, until) == (_at("2026-11-16T00:00"), since)
    # Across the autumn DST change the week has 169 hours and still starts at midnight.
    since, until = dg.default_period(_at("2026-11-05T09:00"), NY)
    assert since == _at("2026-10-29T00:00") and until - since == 7 * 86400 + 3600
    assert dg.subject(since, until, NY).startswith("cxinbox weekly digest: 2026-10-29 to")
    # Another length is a digest, not a weekly one.
    assert dg.subject(_at("2026-11-01T00:00"), _at("2026-12-01T00:00"), NY) == \
        "cxinbox digest: 2026-11-01 to 2026-11-30"


def test_only_a_clinic_week_is_a_weekly_digest() -> None:
    # `--since` a bare date seven days back, run ten minutes after midnight: 7 days and 10
    # minutes, eight calendar days. A digest named by the days it covers, not a weekly one.
    since, until = _at("2026-11-28T00:00"), _at("2026-12-05T00:10")
    assert dg.subject(since, until, NY) == "cxinbox digest: 2026-11-28 to 2026-12-05"
    # Seven days from a time of day that is not midnight: not a clinic week either.
    assert dg.subject(_at("2026-11-23T09:00"), _at("2026-11-30T09:00"), NY) == \
        "cxinbox digest: 2026-11-23 to 2026-11-30"
    # Midnight to midnight but six or eight days: a digest.
    assert dg.subject(_at("2026-11-23T00:00"), _at("2026-11-29T00:00"), NY) == \
        "cxinbox digest: 2026-11-23 to 2026-11-28"
    assert dg.subject(_at("2026-11-22T00:00"), _at("2026-11-30T00:00"), NY) == \
        "cxinbox digest: 2026-11-22 to 2026-11-29"
    # Midnights in another zone are not the clinic's.
    utc = ZoneInfo("UTC")
    assert dg.subject(_at("2026-11-23T00:00", utc), _at("2026-11-30T00:00", utc), NY) == \
        "cxinbox digest: 2026-11-22 to 2026-11-29"
    # What the schedule produces stays weekly whenever it runs, across both DST changes
    # (167 hours in spring, 169 in autumn) and in the hour after midnight.
    for run_at in ("2026-03-09T00:10", "2026-03-09T07:00", "2026-11-02T00:10",
                   "2026-11-30T23:59", "2026-12-07T00:00"):
        since, until = dg.default_period(_at(run_at), NY)
        assert dg.is_weekly(since, until, NY), run_at
        assert dg.subject(since, until, NY).startswith("cxinbox weekly digest: "), run_at
    since, until = dg.default_period(_at("2026-03-09T00:10"), NY)
    assert until - since == 7 * 86400 - 3600
    assert dg.subject(since, until, NY) == "cxinbox weekly digest: 2026-03-02 to 2026-03-08"
    # The same explicit window given as --since/--until is weekly too.
    assert dg.subject(_at("2026-10-26T00:00"), _at("2026-11-02T00:00"), NY) == \
        "cxinbox weekly digest: 2026-10-26 to 2026-11-01"


def _tables(messages_in: int, first_median: int | None) -> dict[str, list[ReportTable]]:
    return {
        "volume": [ReportTable("volume", ("period", "in", "out"),
                               (("2026-11-23", messages_in, 1), ("2026-11-24", 2, 0)))],
        "response": [ReportTable("response", (
            "group", "metric", "count", "business_median_s", "business_p90_s",
            "wall_median_s", "wall_p90_s"), (
            ("all", "first-response", 3, first_median, 7200, 4000, 9000),
            ("all", "next-response", 9, 1, 1, 1, 1)))],
        "sla": [ReportTable("sla", ("group", "policy", "target", "count", "met", "breached",
                                    "pct_met"),
                            (("all", "std", "first-response", 8, 6, 2, 75.0),
                             ("all", "std", "resolution", 2, 2, 0, 100.0),
                             ("mailbox-x", "std", "resolution", 50, 0, 50, 0.0)))],
        "workload": [ReportTable("workload", (
            "period", "staff", "assigned", "replied", "closed", "notes", "responses",
            "response_median_s"), (
            ("all", "amy", 1, 9, 0, 0, 9, 600), ("all", "bo", 4, 9, 3, 1, 9, None),
            ("all", "idle", 0, 0, 0, 0, 0, None), ("all", "total", 5, 18, 3, 1, 18, 600)))],
    }


def test_figures_come_from_the_tables_and_compare_with_the_previous_period() -> None:
    d = dg.build(_tables(10, 1800), _tables(4, None), since=_at("2026-11-23T00:00"),
                 until=_at("2026-11-30T00:00"), previous_since=_at("2026-11-16T00:00"),
                 timezone=NY.key, filtered=False, names={"bo": "Bo Li"})
    assert d.figure("messages_in").value == 12 and d.figure("messages_in").previous == 6
    assert d.figure("messages_out").value == 1
    assert d.figure("first_response_business_median_s").value == 1800
    assert d.figure("first_response_business_median_s").previous is None
    assert d.figure("sla_judged").value == 10 and d.figure("sla_breached").value == 2
    assert d.figure("sla_pct_met").value == 80.0  # other groups are not the desk's total
    assert d.figure("csat_average").value is None  # no table: no value, not zero
    # The busiest first (replies, then closes); nobody idle; names from the roster.
    assert [(s.login, s.name) for s in d.staff] == [("bo", "Bo Li"), ("amy", "amy")]
    text = dg.render_text(d, "Riverside\x1b[2J Clinic")
    assert "\x1b" not in text and all(len(line) <= 78 for line in text.splitlines())
    rows = {line.strip().split("  ")[0]: line.split() for line in text.splitlines()}
    assert rows["messages in"][-3:] == ["12", "6", "+6"]
    assert rows["median, business time"][-2:] == ["30m", "-"]
    assert rows["met"][-4:] == ["80.0%", "80.0%", "+0.0", "pts"]
    # Aligned: every figure ends in the same column.
    ends = {len(line.rstrip()) for line in text.splitlines()
            if line.startswith("  ") and line.rstrip().endswith(("+6", "0"))}
    assert len(ends) == 1, ends


def test_changes_read_as_people_say_them() -> None:
    assert dg.change("duration", 3600, 5400) == "-30m"
    assert dg.change("duration", 7200, 60) == "+1h59m"
    assert dg.change("pct", 90.0, 87.5) == "+2.5 pts"
    assert dg.change("count", 3, 3) == "0"
    assert dg.change("average", 4.5, None) == ""


def test_the_mail_is_plain_text_with_an_html_alternative_and_escaped_names() -> None:
    tables = _tables(1, 60)
    d = dg.build(tables, tables, since=_at("2026-11-23T00:00"), until=_at("2026-11-30T00:00"),
                 previous_since=_at("2026-11-16T00:00"), timezone=NY.key, filtered=True,
                 names={"bo": "<script>Bo</script>"})
    raw = dg.build_email(d, clinic="Riverside", from_addr="desk@clinic.example",
                         to=["a@staff.example", "b@staff.example"],
                         message_id="1.abc.cxinbox@clinic.example",
                         now=datetime(2026, 11, 30, 12, tzinfo=UTC))
    msg = cast(EmailMessage, message_from_bytes(raw, policy=default))
    assert msg["Subject"] == "cxinbox weekly digest: 2026-11-23 to 2026-11-29"
    assert msg["To"] == "a@staff.example, b@staff.example"
    assert msg["Message-ID"] == "<1.abc.cxinbox@clinic.example>"
    html = msg.get_body(("html",))
    plain = msg.get_body(("plain",))
    assert html is not None and plain is not None
    assert "&lt;script&gt;Bo&lt;/script&gt;" in html.get_content()
    assert "<script>" not in html.get_content()
    assert "those matching the filter given (not shown)" in plain.get_content()
    with pytest.raises(ComposeError):
        dg.build_email(d, clinic="x", from_addr="desk@clinic.example",
                       to=["a@staff.example\r\nBcc: x@evil.example"], message_id="1.a@b",
                       now=datetime(2026, 11, 30, tzinfo=UTC))


def test_the_first_clinician_action_skips_reads_other_staff_and_late_events() -> None:
    events = [(100, "doc", "conversation.view"), (110, "amy", "conversation.note"),
              (150, "doc", "conversation.note"), (170, "doc", "redflag.cleared")]
    assert dg.clinician_wait(90, 1000, events, frozenset({"doc"})) == 60
    assert dg.clinician_wait(90, 150, events, frozenset({"doc"})) is None  # after the end
    assert dg.clinician_wait(90, 1000, events, frozenset()) is None
    tables = _tables(1, 60)
    d = dg.build(tables, tables, since=0, until=7 * 86400, previous_since=-7 * 86400,
                 timezone="UTC", filtered=False, names={},
                 clinician_waits=([60, None, 7200, 300], []))
    assert d.figure("red_flag_no_clinician").value == 1
    assert d.figure("red_flag_clinician_median_s").value == 300
    assert d.figure("red_flag_clinician_p90_s").value == 7200
    assert d.figure("red_flag_clinician_median_s").previous is None
