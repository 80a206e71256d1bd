"""Short, calm time texts: ages for the list and dates in the clinic's time zone.

Times are stored in UTC; staff think in the clinic's local time, so every absolute time on
screen is converted with the configured zone, never the terminal machine's.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def age_text(then: int, now: datetime) -> str:
    """`now`, `5m`, `3h`, `2d`, `6w`: coarse on purpose, so it changes rarely on screen."""
    seconds = max(0, int(now.timestamp()) - then)
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 14 * 86400:
        return f"{seconds // 86400}d"
    return f"{seconds // (7 * 86400)}w"


def age_changes_at(then: int, now: datetime) -> float:
    """Epoch second at which `age_text` next shows something different."""
    now_s = now.timestamp()
    seconds = max(0.0, now_s - then)
    if seconds < 3600:
        step = 60
    elif seconds < 86400:
        step = 3600
    elif seconds < 14 * 86400:
        step = 86400
    else:
        step = 7 * 86400
    return then + (int(seconds // step) + 1) * step


def clinic_datetime(epoch: int, tz: tzinfo, now: datetime) -> str:
    """`14:05` today, `Tue 14:05` this week, `12 Mar 14:05` this year, else with the year."""
    when = datetime.fromtimestamp(epoch, UTC).astimezone(tz)
    local_now = now.astimezone(tz)
    if when.date() == local_now.date():
        return when.strftime("%H:%M")
    if 0 <= (local_now.date() - when.date()).days < 7:
        return when.strftime("%a %H:%M")
    if when.year == local_now.year:
        return when.strftime("%d %b %H:%M")
    return when.strftime("%d %b %Y %H:%M")


def clock_text(now: datetime, tz: tzinfo) -> str:
    return now.astimezone(tz).strftime("%H:%M")
