"""The server's health report: what `cxinbox status` prints and the metrics endpoint serves.

Names of accounts, folders, numbers we own, workers and staff logins; counts, sizes and
times; never patient text. `to_dict` is the `--json` schema (`SCHEMA` bumps when a key
changes meaning or goes away; new keys may be added).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

SCHEMA: Final = 1

ROSTER_ALERT: Final = "redflag:roster"
"""The health alert while the red-flag round cannot read the roster (away staff, rotas)."""
PAGE_ALERT: Final = "redflag:waiting-page"
"""The health alert of the red-flag cap pages given up (service/redflag_routing.py)."""
BACKLOG_ALERT: Final = "sla:backlog-page"
"""The health alert of a first sync's backlog page given up (service/sla_monitor.py)."""


@dataclass(frozen=True, slots=True)
class Check:
    """One graded line: `name` says what (e.g. "account:billing", "disk"), `level` is ok,
    warning, critical or unknown (domain/health_levels.py), `summary` is for a person."""

    name: str
    level: str
    summary: str


@dataclass(frozen=True, slots=True)
class AccountHealth:
    name: str
    folders: int
    """Folders synced so far (0: never signed in since the database was made)."""
    last_sync_at: int | None
    """Epoch seconds the oldest of its folders was last confirmed in sync."""
    lag_s: int
    """Seconds past due (see domain/health_levels.py)."""
    signin: str
    """"ok", "failing" (the server refused the sign-in, or the credential is gone)."""
    problem: str
    """The kind of its newest trouble: "", "sign-in", "unreachable", "folder" (a
    configured folder the server does not have), "sync", "secret", "config", "quarantine"."""
    message: str
    """The server's own line about it (our text, never patient text), or ""."""
    level: str


@dataclass(frozen=True, slots=True)
class OutboxHealth:
    queued: int
    sending: int
    failed: int
    """Gave up after every attempt: a person must retry or cancel."""
    unconfirmed: int
    """May or may not have left (a crash mid-send): a person must check."""
    oldest_due_s: int | None
    """How long the oldest reply due to leave has waited past its time; None: none due."""
    level: str


@dataclass(frozen=True, slots=True)
class SmsHealth:
    number: str
    """One of the clinic's own numbers."""
    last_poll_at: int | None
    lag_s: int
    level: str


@dataclass(frozen=True, slots=True)
class BackupHealth:
    on_record: bool
    last_at: int | None
    """Epoch seconds of the newest attempt."""
    last_ok: bool | None
    last_ok_at: int | None
    """Epoch seconds of the newest backup that verified."""
    file: str
    summary: str
    """What verification checked, the failure's one line, or "no backup on record"."""
    level: str


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Everything `cxinbox status` grades, taken in one call on the server."""

    level: str
    summary: str
    now: int
    server_pid: int
    version: str
    started_at: int
    accounts: tuple[AccountHealth, ...]
    outbox: OutboxHealth
    sms: tuple[SmsHealth, ...]
    sla_last_run_at: int | None
    staff_online: tuple[str, ...]
    """Logins connected now (monitoring users left out)."""
    db_bytes: int
    """The database file and its write-ahead log."""
    disk_free_bytes: int
    disk_total_bytes: int
    backup: BackupHealth
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        """The `--json` shape (stable; see SCHEMA)."""
        return {
            "schema": SCHEMA,
            "level": self.level,
            "summary": self.summary,
            "now": self.now,
            "server": {"reachable": True, "pid": self.server_pid, "version": self.version,
                       "started_at": self.started_at, "uptime_s": self.now - self.started_at},
            "accounts": [asdict(a) for a in self.accounts],
            "outbox": asdict(self.outbox),
            "sms": [asdict(s) for s in self.sms],
            "sla_monitor": {"last_run_at": self.sla_last_run_at},
            "staff_online": list(self.staff_online),
            "database": {"bytes": self.db_bytes},
            "disk": {"free_bytes": self.disk_free_bytes, "total_bytes": self.disk_total_bytes},
            "backup": asdict(self.backup),
            "checks": [asdict(c) for c in self.checks],
        }


def unreachable_dict(now: int, summary: str) -> dict[str, Any]:
    """The `--json` shape when no server answers: the same keys, nothing known."""
    return {"schema": SCHEMA, "level": "critical", "summary": summary, "now": now,
            "server": {"reachable": False, "pid": None, "version": None, "started_at": None,
                       "uptime_s": None},
            "accounts": [], "outbox": None, "sms": [], "sla_monitor": {"last_run_at": None},
            "staff_online": [], "database": None, "disk": None, "backup": None,
            "checks": [{"name": "server", "level": "critical", "summary": summary}]}
