"""How bad is it: the thresholds `cxinbox status` and the metrics endpoint grade against.

Pure functions from numbers to a level, so monitoring (Nagios, Icinga, Prometheus alert
rules) and people read the same verdict, and a test can pin every boundary without a
server. Levels follow the Nagios plugin convention, exit codes included:

    ok 0 · warning 1 · critical 2 · unknown 3

and the whole report takes its worst check (critical over warning over unknown over ok).

"Lag" is always time *past due*, not time since: a quiet mailbox is confirmed in sync at
each IDLE renewal (`[sync] idle_timeout_s`, 25 min by default) and an SMS number at each
poll (`[sms] poll_seconds`), so the clock starts when the next confirmation was due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

Level = Literal["ok", "warning", "critical", "unknown"]

EXIT_CODES: Final[dict[Level, int]] = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
_RANK: Final[dict[Level, int]] = {"ok": 0, "unknown": 1, "warning": 2, "critical": 3}

MINUTE: Final = 60
HOUR: Final = 3600
DAY: Final = 86400


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where warning and critical begin (seconds, or per cent of the disk free)."""

    sync_lag_warn_s: int = 15 * MINUTE
    sync_lag_crit_s: int = 60 * MINUTE
    sms_lag_warn_s: int = 15 * MINUTE
    sms_lag_crit_s: int = 60 * MINUTE
    outbox_due_warn_s: int = 15 * MINUTE
    """A reply due to leave this long ago and still queued."""
    outbox_due_crit_s: int = 60 * MINUTE
    sla_idle_warn_s: int = 5 * MINUTE
    """The SLA monitor's last round (every `[sla] check_interval`, 15 s by default;
    `sla_level` raises both thresholds for a longer interval)."""
    sla_idle_crit_s: int = 15 * MINUTE
    backup_age_warn_s: int = 2 * DAY
    """The newest verified backup (the server makes one a day when configured)."""
    backup_age_crit_s: int = 7 * DAY
    disk_free_warn_pct: float = 10.0
    disk_free_crit_pct: float = 5.0


DEFAULT: Final = Thresholds()


def worst(levels: Iterable[Level]) -> Level:
    found: Level = "ok"
    for level in levels:
        if _RANK[level] > _RANK[found]:
            found = level
    return found


def exit_code(level: Level) -> int:
    return EXIT_CODES[level]


def past_due(now: int, last: int | None, every_s: int, since: int) -> int:
    """Seconds past the moment the next confirmation was due; from `since` (the server's
    start) when there was none yet."""
    return max(0, now - (last if last is not None else since) - every_s)


def _age_level(age_s: int, warn_s: int, crit_s: int) -> Level:
    if age_s > crit_s:
        return "critical"
    if age_s > warn_s:
        return "warning"
    return "ok"


def sync_level(lag_s: int, t: Thresholds = DEFAULT) -> Level:
    return _age_level(lag_s, t.sync_lag_warn_s, t.sync_lag_crit_s)


def sms_level(lag_s: int, t: Thresholds = DEFAULT) -> Level:
    return _age_level(lag_s, t.sms_lag_warn_s, t.sms_lag_crit_s)


def sla_level(idle_s: int | None, t: Thresholds = DEFAULT, *,
              interval_s: int | None = None) -> Level:
    """`idle_s` None: no round finished since the server started. `interval_s` is
    `[sla] check_interval`: a monitor that rounds every half hour is not late after 16
    minutes, so the thresholds grow with it (warning after 3 missed rounds, critical
    after 6), never below their defaults."""
    if idle_s is None:
        return "warning"
    every = max(0, interval_s or 0)
    return _age_level(idle_s, max(t.sla_idle_warn_s, 3 * every),
                      max(t.sla_idle_crit_s, 6 * every))


def outbox_level(failed: int, unconfirmed: int, oldest_due_s: int | None,
                 t: Thresholds = DEFAULT) -> Level:
    """Failed and unconfirmed replies each need a person (warning); a queue that stopped
    moving is worse the longer it waits."""
    level: Level = "warning" if failed or unconfirmed else "ok"
    if oldest_due_s is not None:
        level = worst((level, _age_level(oldest_due_s, t.outbox_due_warn_s,
                                         t.outbox_due_crit_s)))
    return level


def disk_level(free_bytes: int, total_bytes: int, t: Thresholds = DEFAULT) -> Level:
    if total_bytes <= 0:
        return "unknown"
    pct = 100.0 * free_bytes / total_bytes
    if pct < t.disk_free_crit_pct:
        return "critical"
    if pct < t.disk_free_warn_pct:
        return "warning"
    return "ok"


def backup_level(last_ok_age_s: int | None, last_attempt_ok: bool | None,
                 t: Thresholds = DEFAULT) -> Level:
    """`last_attempt_ok` None: no backup on record (ok until backups are configured; the
    report says so in words). A failed newest attempt is a warning even with an older good
    backup; no good backup for long is worse."""
    if last_attempt_ok is None:
        return "ok"
    level: Level = "ok" if last_attempt_ok else "warning"
    if last_ok_age_s is None:
        return "critical"
    return worst((level, _age_level(last_ok_age_s, t.backup_age_warn_s, t.backup_age_crit_s)))


def alert_level(severity: str) -> Level:
    """A server alert: "error" means something stopped, anything else still works."""
    return "critical" if severity == "error" else "warning"


def checkpoint_level(idle_s: int, every_s: int) -> Level:
    """The audit checkpoint worker `idle_s` after its newest round (or the server's start):
    a takeover by another server takes a lease retry and a start, so a warning after two
    minutes (or four periods of `[audit] checkpoint_seconds`), critical after five (or ten
    periods): the events since are anchored by nothing outside the database."""
    return _age_level(idle_s, max(120, 4 * every_s), max(300, 10 * every_s))
