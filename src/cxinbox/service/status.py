"""The health report, assembled in the server from what it knows and graded in one place.

`cxinbox status` and the metrics endpoint both ask the running server (never the database
file): the server is the one process that sees its own uptime, its workers' rounds and who
is connected, and the only one allowed to open the cache. The report holds names, counts
and times; the alert lines in it are our own text (service/health.py), never patient text.

Grading lives in domain/health_levels.py; this module gathers the facts.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from cxinbox import __version__
from cxinbox.config import Config
from cxinbox.contract.health_types import (
    AccountHealth,
    BackupHealth,
    Check,
    HealthReport,
    OutboxHealth,
    SmsHealth,
)
from cxinbox.domain import health_levels as grade
from cxinbox.domain.health_levels import Level
from cxinbox.domain.humanize import duration
from cxinbox.domain.sanitize import clean_line
from cxinbox.service import heartbeat
from cxinbox.service.inbox import InboxService, role_of
from cxinbox.service.sla_monitor import HEARTBEAT as SLA_HEARTBEAT
from cxinbox.store.interface import Store
from cxinbox.store.records import OUTBOUND_FOLDER

HEALTH_ROLES: Final = frozenset({"admin", "monitor"})
"""Who may read the report: IT, and the monitoring system's own login."""

BACKUP_RECORD: Final = "backup-last.json"
"""The backup helper's record of its newest attempt, beside the database (see
`last_backup_record`)."""

PG_BACKUP: Final = BackupHealth(
    False, None, None, None, "",
    "not cxinbox's on PostgreSQL: back the database up with PostgreSQL's own tools"
    " (pg_dump, pg_basebackup; README, Backups on PostgreSQL) and watch them there", "ok")
"""The backup line on PostgreSQL (`cxinbox backup` refuses there, naming those tools)."""

_NO_FOLDER: Final = ': no folder "'
"""How sync's alert for a configured folder the server does not have begins (its key is
the folder's, as when the server cannot be reached)."""

_ACCOUNT_ALERTS: Final = (("account:", "sign-in"), ("folder:", "unreachable"),
                          ("secret:", "secret"), ("config:", "config"))


def health_report(service: InboxService, online: Iterable[str]) -> HealthReport:
    """The whole report for whoever asks through `service` (admins and monitors only;
    a refusal is audited). `online`: logins connected to this server now."""
    service.require_role("the health report", HEALTH_ROLES)
    return build_report(service.store, service.config, online)


def build_report(store: Store, config: Config, online: Iterable[str], *,
                 now: int | None = None, started: int | None = None) -> HealthReport:
    """The report itself, for the server's own use (the metrics endpoint) and the call
    above; nothing in it is patient data, so reading it is not audited. `now` and
    `started` (epoch seconds) are the clock's and the process's, unless given."""
    now = int(time.time()) if now is None else now
    started = process_started_at() if started is None else started
    with store.reading() as tx:
        checkpoints = tx.folder_checkpoints()
        queue = tx.outbox_counts(now * 1000)
        cursors = {c.number: c.last_poll_at for c in tx.sms_cursors()}
        alerts = tx.alerts()
    checks: list[Check] = []

    accounts: list[AccountHealth] = []
    used_alerts: set[str] = set()
    for account in config.accounts:
        # The outbox's own folder row (where sent replies are filed) is never synced:
        # it must not make an account look "not synced yet" for ever.
        mine = [c for c in checkpoints if c.account == account.name
                and c.folder != OUTBOUND_FOLDER]
        times = [c.last_sync_at for c in mine]
        last = None if not times or None in times else min(t for t in times if t is not None)
        lag = grade.past_due(now, last, config.sync.idle_timeout_s, started)
        levels: list[Level] = [grade.sync_level(lag)]
        problem, message, signin = "", "", "ok"
        for alert in alerts:
            kind = _account_alert_kind(alert.key, account.name)
            if kind is None:
                continue
            if kind == "unreachable" and _NO_FOLDER in alert.message:
                kind = "folder"  # the server answered: a name in the config is wrong
            used_alerts.add(alert.key)
            level = grade.alert_level(alert.severity)
            if grade.worst((level, *levels)) != grade.worst(levels) or not problem:
                problem, message = kind, clean_line(alert.message, max_len=300)
            levels.append(level)
            if kind == "sign-in":
                signin = "failing"
        if any(c.quarantine for c in mine):
            levels.append("warning")
            problem = problem or "quarantine"
            message = message or (f"{account.name}: a folder is quarantined (the server shows"
                                  " far fewer messages); see cxinbox doctor")
        level = grade.worst(levels)
        accounts.append(AccountHealth(account.name, len(mine), last, lag, signin, problem,
                                      message, level))
        if message:
            summary = message
        elif last is None:
            summary = f"{account.name}: not synced yet"
        else:
            summary = f"{account.name}: in sync {duration(max(0, now - last))} ago"
        if lag:
            summary += f" ({duration(lag)} overdue)"
        checks.append(Check(f"account:{account.name}", level, summary))

    oldest_due = None if queue.oldest_due_ms is None else max(0, now - queue.oldest_due_ms
                                                             // 1000)
    out_level = grade.outbox_level(queue.failed, queue.unconfirmed, oldest_due)
    outbox = OutboxHealth(queue.queued, queue.sending, queue.failed, queue.unconfirmed,
                          oldest_due, out_level)
    checks.append(Check("outbox", out_level, _outbox_line(outbox)))

    sms: list[SmsHealth] = []
    if config.sms.configured:
        for number in config.sms.numbers:
            polled = cursors.get(number.number)
            lag = grade.past_due(now, polled, config.sms.poll_seconds, started)
            level = grade.sms_level(lag)
            sms.append(SmsHealth(number.number, polled, lag, level))
            when = "not polled yet" if polled is None else \
                f"polled {duration(max(0, now - polled))} ago"
            checks.append(Check(f"sms:{number.number}", level,
                                f"SMS {number.number}: {when}"
                                + (f" ({duration(lag)} overdue)" if lag else "")))

    # The monitor runs on one server of those sharing a database: the others read its
    # newest round from the database. Which server runs it is the leader lease's to say,
    # not the two clocks': the database stamps a round a moment after this process does.
    own = heartbeat.last(SLA_HEARTBEAT)
    shared = store.last_round(SLA_HEARTBEAT)
    found = [t for t in (own, shared) if t is not None]
    sla_run = int(max(found)) if found else None
    sla_idle = None if sla_run is None else max(0, now - sla_run)
    where = "" if shared is None or heartbeat.leads(SLA_HEARTBEAT) else \
        " (on another server)"
    # A server that just started has had no round yet: that is not a problem for a minute.
    sla_level = "ok" if sla_idle is None and now - started < 60 else grade.sla_level(
        sla_idle, interval_s=config.sla.check_interval_s)
    checks.append(Check("sla monitor", sla_level,
                        "SLA monitor: no round yet" if sla_idle is None
                        else f"SLA monitor: last round {duration(sla_idle)} ago{where}"))

    if config.audit.checkpoints:
        checks.append(_checkpoint_check(store, config, now, started))

    pg_bytes = store.database_bytes()
    if pg_bytes is not None:
        # PostgreSQL: the data lives on the database server, whose disk this host cannot
        # see; its size is what the database says. Its free space is the DBA's to watch.
        db_bytes, free, total = pg_bytes, 0, 0
        checks.append(Check("disk", "ok", f"database on PostgreSQL ({config.store.database}):"
                            f" {db_bytes / 2**20:.0f} MiB; its disk is watched on the"
                            " database server"))
    else:
        db_bytes = _size(config.db_path) + _size(Path(f"{config.db_path}-wal"))
        try:
            usage = shutil.disk_usage(config.db_path.parent)
            free, total = usage.free, usage.total
        except OSError:
            free = total = 0
        disk = grade.disk_level(free, total)
        pct = 100.0 * free / total if total else 0.0
        checks.append(Check("disk", disk, f"disk: {free / 2**30:.1f} GiB free ({pct:.0f} %)"
                            f" where the database lives; database {db_bytes / 2**20:.0f} MiB"))

    # cxinbox's backup is the SQLite file's; PostgreSQL is backed up with its own tools,
    # whose runs this server cannot see: said so, not "no backup on record".
    backup = PG_BACKUP if pg_bytes is not None else last_backup_record(config.db_path, now)
    checks.append(Check("backup", backup.level, f"backup: {backup.summary}"))

    for alert in alerts:
        if alert.key not in used_alerts:
            checks.append(Check(clean_line(alert.key, max_len=100),
                                grade.alert_level(alert.severity),
                                clean_line(alert.message, max_len=300)))

    staff = sorted({login for login in online if role_of(config, login) != "monitor"})
    level = grade.worst(c.level for c in checks)  # type: ignore[misc]
    trouble = [c.summary for c in checks if c.level != "ok"]
    summary = "; ".join(trouble) if trouble else (
        f"{len(accounts)} account(s) in sync, outbox {'empty' if not outbox.queued else 'moving'},"
        f" {len(staff)} staff connected")
    return HealthReport(level, clean_line(summary, max_len=2000), now, os.getpid(),
                        __version__, started, tuple(accounts), outbox, tuple(sms), sla_run,
                        tuple(staff), db_bytes, free, total, backup, tuple(checks))


def _checkpoint_check(store: Store, config: Config, now: int, started: int) -> Check:
    """The audit checkpoint worker's newest round, from whichever server signs (the
    database keeps it on a shared store): a job that no server runs, or that stopped on
    the server holding it, is said on every server's status, not only on that one's. Its
    failure itself is the `audit:checkpoints` alert beside this."""
    from cxinbox.service.anchor import ROUND

    own = heartbeat.last(ROUND)
    shared = store.last_round(ROUND)
    found = [t for t in (own, shared) if t is not None]
    last = int(max(found)) if found else None
    idle = max(0, now - (last if last is not None else started))
    level = grade.checkpoint_level(idle, config.audit.checkpoint_seconds)
    where = "" if shared is None or heartbeat.leads(ROUND) else " (on another server)"
    if last is None:
        summary = "audit checkpoints: not signed since this server started" + (
            f" {duration(idle)} ago" if level != "ok" else "")
    elif level == "ok":
        summary = f"audit checkpoints: up to date {duration(idle)} ago{where}"
    else:
        summary = (f"audit checkpoints: none signed for {duration(idle)}{where}; new events"
                   " are not anchored - IT must check the server log")
    return Check("audit checkpoints", level, summary)


def _account_alert_kind(key: str, account: str) -> str | None:
    for prefix, kind in _ACCOUNT_ALERTS:
        if key == f"{prefix}{account}" or (prefix == "folder:"
                                           and key.startswith(f"folder:{account}/")):
            return kind
    return None


def _outbox_line(o: OutboxHealth) -> str:
    parts = [f"{o.queued} queued", f"{o.sending} sending"]
    if o.failed:
        parts.append(f"{o.failed} failed (a person must retry or cancel)")
    if o.unconfirmed:
        parts.append(f"{o.unconfirmed} unconfirmed (a person must check)")
    if o.oldest_due_s:
        parts.append(f"oldest due {duration(o.oldest_due_s)} ago")
    return "outbox: " + ", ".join(parts)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def process_started_at() -> int:
    """When this process started (epoch seconds), from the kernel: the boot time plus the
    process's start in clock ticks. Falls back to now where /proc is not there."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        boot = next(int(line.split()[1]) for line in
                    Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
        return boot + ticks // os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return int(time.time())


def last_backup_record(db_path: Path, now: int) -> BackupHealth:
    """The newest backup as its record beside the database tells it, graded; "no backup
    on record" when there is none.

    The record is the backup command's (`backup-last.json`, one JSON object, mode 0600,
    replaced atomically), read for these keys only: `at` (epoch ms of the newest
    attempt), `ok` (bool), `last_ok_at` (epoch ms of the newest verified backup, 0 for
    never), `file` / `last_ok_file` (paths) and `summary` (what verification checked, or
    the failure's one line). A record that cannot be read counts as none, said so.
    """
    path = db_path.parent / BACKUP_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return BackupHealth(False, None, None, None, "", "no backup on record",
                            grade.backup_level(None, None))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool) \
            or not isinstance(data.get("at"), int):
        return BackupHealth(False, None, None, None, "",
                            f"the backup record {path} cannot be read", "warning")
    ok: bool = data["ok"]
    at = data["at"] // 1000
    last_ok_ms = data.get("last_ok_at")
    last_ok = last_ok_ms // 1000 if isinstance(last_ok_ms, int) and last_ok_ms > 0 else (
        at if ok else None)
    file = data.get("last_ok_file") if not ok else data.get("file")
    what = clean_line(str(data.get("summary", "")), max_len=300)
    level = grade.backup_level(None if last_ok is None else max(0, now - last_ok), ok)
    if ok:
        summary = f"verified {duration(max(0, now - at))} ago" + (f": {what}" if what
                                                                        else "")
    else:
        summary = (f"the newest attempt failed {duration(max(0, now - at))} ago"
                   + (f" ({what})" if what else "")
                   + ("; no verified backup on record" if last_ok is None else
                      f"; last verified {duration(max(0, now - last_ok))} ago"))
    return BackupHealth(True, at, ok, last_ok, clean_line(str(file or ""), max_len=500),
                        summary, level)
