"""The health report's facts and grades against a clock the test sets (no waiting).

- An account's lag is measured from its folders' own last sync: the outbox's internal
  folder row (where sent replies are filed, never synced) does not make it "not synced
  yet", so a healthy desk stays OK however long the server has run.
- On PostgreSQL the SLA monitor runs on one server; the others read its newest round
  from the database instead of warning that there was none, and say it ran on another
  server; the server holding the monitor's leader lease never says so of its own rounds. The disk line names the
  database and its size as PostgreSQL counts it, not this host's disk.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import PgCluster
from tests.support.waiting import poll_until

from cxinbox.config import Config, load_config
from cxinbox.contract.health_types import HealthReport
from cxinbox.domain.health_levels import DEFAULT
from cxinbox.service import heartbeat
from cxinbox.service.leader import Leader
from cxinbox.service.sla_monitor import HEARTBEAT as SLA
from cxinbox.service.status import build_report
from cxinbox.store.db import Database
from cxinbox.store.outbox import OUTBOUND_FOLDER
from cxinbox.store.pg.store import PgStore

T = 1_800_000_000
IDLE_S = 1500
_names = itertools.count(1)


def _config(tmp: Path, store_line: str) -> Config:
    secret = tmp / "mail.pass"
    secret.write_text("pw\n")
    secret.chmod(0o600)
    path = tmp / "config.toml"
    path.write_text(f"""
[clinic]
timezone = "UTC"

[store]
{store_line}

[sync]
idle_timeout_s = {IDLE_S}

[[accounts]]
name = "appointments"
host = "127.0.0.1"
username = "desk"
address = "appointments@clinic.example"
folders = ["INBOX"]
password_file = "{secret}"
""")
    return load_config(path)


def _check(report: HealthReport, name: str) -> tuple[str, str]:
    found = [c for c in report.checks if c.name == name]
    assert found, [c.name for c in report.checks]
    return found[0].level, found[0].summary


@pytest.fixture
def no_local_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heartbeat, "_rounds", {})
    monkeypatch.setattr(heartbeat, "_leading", set())


def test_the_outbox_folder_does_not_hold_an_account_at_not_synced(
        tmp_path: Path, no_local_rounds: None) -> None:
    config = _config(tmp_path, f'path = "{tmp_path / "data" / "cxinbox.db"}"')
    db = Database(config.db_path)
    try:
        with db.writing() as tx:
            inbox = tx.folder_state("appointments", "INBOX")
            tx.mark_synced(inbox.id, T)
            tx.folder_state("appointments", OUTBOUND_FOLDER)  # made by a sent reply
        started = T - 24 * 3600  # a server up for a day

        def account(now: int) -> tuple[str, str]:
            return _check(build_report(db, config, [], now=now, started=started),
                          "account:appointments")

        level, summary = account(T + 60)
        assert (level, summary) == ("ok", "appointments: in sync 1m ago"), summary
        # Quiet mail: the folder is synced again at each IDLE renewal; until a renewal is
        # overdue by the warning threshold, all is well.
        warn_at = T + IDLE_S + DEFAULT.sync_lag_warn_s
        assert account(warn_at - 1)[0] == "ok"
        level, summary = account(warn_at + 1)
        assert level == "warning" and "overdue" in summary, summary
        assert account(T + IDLE_S + DEFAULT.sync_lag_crit_s + 1)[0] == "critical"
    finally:
        db.close()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"pgstatus_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name)
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Rounds:
    """One round of the monitor as the leader runs it (noted here and in the database),
    without the monitor's work; then it waits to be stopped."""

    name = SLA

    def __init__(self, store: PgStore) -> None:
        self.store = store

    def run(self, stop: threading.Event) -> None:
        heartbeat.note(SLA)
        self.store.note_round(SLA)
        stop.wait()


def test_on_postgresql_the_sla_round_is_read_from_the_database_and_the_disk_line_is_its(
        tmp_path: Path, pg_url: str, no_local_rounds: None) -> None:
    config = _config(tmp_path, f'url = "{pg_url}"')
    here, leader = PgStore(pg_url, max_size=2), PgStore(pg_url, max_size=2)
    try:
        started = T - 3600

        def sla(now: int) -> tuple[str, str]:
            return _check(build_report(here, config, [], now=now, started=started),
                          "sla monitor")

        # No server has run a round: that is worth a warning, as before.
        assert sla(T) == ("warning", "SLA monitor: no round yet")
        leader.note_round(SLA)  # another server's monitor finishes a round
        at = here.last_round(SLA)
        assert at is not None
        level, summary = sla(int(at) + 30)
        assert level == "ok"
        assert summary == "SLA monitor: last round 30s ago (on another server)"
        # ... and when that server's monitor stops, this one says so too.
        level, summary = sla(int(at) + DEFAULT.sla_idle_warn_s + 1)
        assert level == "warning", summary

        # This server takes the leader lease and runs the monitor: its rounds are its own,
        # though the database stamps each a moment after this process does.
        stop = threading.Event()
        lead = threading.Thread(target=Leader(_Rounds(here), here, retry_s=0.2).run,
                                args=(stop,), daemon=True)
        lead.start()
        try:
            assert poll_until(lambda: heartbeat.leads(SLA)
                            and (here.last_round(SLA) or 0) > at, timeout=30)
            mine = here.last_round(SLA)
            assert mine is not None
            level, summary = sla(int(mine) + 2)
            assert (level, summary) == ("ok", "SLA monitor: last round 2s ago"), summary
        finally:
            stop.set()
            lead.join(timeout=30)
        assert not lead.is_alive() and not heartbeat.leads(SLA)
        leader.note_round(SLA)  # the other server took it over
        level, summary = sla(int(here.last_round(SLA) or 0) + 1)
        assert summary == "SLA monitor: last round 1s ago (on another server)", summary

        report = build_report(here, config, [], now=T, started=started)
        level, summary = _check(report, "disk")
        assert level == "ok"
        assert summary.startswith("database on PostgreSQL (") and " MiB" in summary, summary
        assert "0.0 GiB" not in summary
        assert report.db_bytes == here.database_bytes() and report.db_bytes > 1_000_000
    finally:
        here.close()
        leader.close()
