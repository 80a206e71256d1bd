"""The out-of-hours acknowledgement names the time the desk opens as the calendar says it:
a calendar may give seconds ("08:00:30-17:00"), and a patient told "8:00" would write at a
time the desk is still closed."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.test_rules import automation

from cxinbox.config import load_config_text
from cxinbox.service.acknowledge import Acknowledger

SUNDAY_NIGHT = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Sunday 22:00 in New York


def _opens(hours: str, lang: str = "en") -> str:
    return Acknowledger(load_config_text(automation("", hours=hours))).next_open_text(
        SUNDAY_NIGHT, lang)


def test_whole_minutes_read_as_before() -> None:
    assert _opens('mon = ["08:00-17:00"]') == "Monday 8:00"
    assert _opens('mon = ["09:15-17:00"]', "es") == "lunes 9:15"


def test_a_start_with_seconds_is_told_with_them() -> None:
    assert _opens('mon = ["08:00:30-17:00"]') == "Monday 8:00:30"
    assert _opens('mon = ["08:00:30-17:00"]', "es") == "lunes 8:00:30"
