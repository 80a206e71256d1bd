"""Audit checkpoints on a PostgreSQL primary with an asynchronous standby sign only what
the standby holds, so a failover to it never loses an event a checkpoint vouched for.

A real primary and a streaming standby (tests/support/pgcluster.py), not synchronous:
the primary's commits do not wait for it. The server's checkpoint signer (`Anchor`)
waits a bounded time (here 1 s) for every attached standby to replay the head; past
that it signs the newest head they all hold, or nothing new.

- Replay paused on the standby (`pg_wal_replay_pause()`): no checkpoint covers an event
  the standby lacks, one log line and a warning say why; resumed, the next checkpoint
  signs the head again.
- The WAL stream held back on its way to the standby (the standby still connected and
  answering: a slow link), then the primary killed (`pg_ctl stop -m immediate`) and the
  standby promoted: the new primary has lost the newest events, and `cxinbox audit
  verify` with the server's checkpoint log reports nothing signed as missing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.support.pgcluster import (
    PgCluster,
    find_bindir,
    pair_url,
    pg_cluster,
    pg_standby,
    promote,
    stop_immediately,
)
from tests.support.unixstall import UnixStall
from tests.support.waiting import wait_until
from tests.test_pg_audit import pg_audit_config

from cxinbox.config import load_config
from cxinbox.service.anchor import STANDBY_ALERT_KEY, Anchor, AuditAnchor
from cxinbox.service.health import Health
from cxinbox.store.pg.store import PgStore

DB = "desk"
WAIT_S = 1.0

pytestmark = pytest.mark.skipif(find_bindir() is None,
                                reason="PostgreSQL is not installed")


@dataclass
class Pair:
    primary: PgCluster
    standby: PgCluster
    store: PgStore
    anchor: Anchor
    config_path: Path

    def add(self, count: int) -> int:
        """`count` audit events on the primary; the head's seq."""
        for _ in range(count):
            with self.store.writing() as tx:
                tx.append_event("maria", "conversation.view", "conversation:1",
                                {"why": "test"})
        with self.store.reading() as tx:
            return tx.last_event_seq()

    def standby_head(self) -> int:
        """The newest event the standby has replayed (a hot standby answers reads)."""
        return int(self.standby.psql("SELECT coalesce(max(seq), 0) FROM events", dbname=DB))

    def signed(self) -> list[int]:
        from cxinbox.service.checkpoints import parse_line

        log = self.config_path.parent / "audit-checkpoints.jsonl"
        return [parse_line(line).seq for line in log.read_text().splitlines()]


@contextlib.contextmanager
def _pair(tmp_path: Path) -> Iterator[Pair]:
    with pg_cluster() as primary:
        primary.create_migrated_database(DB)
        with pg_standby(primary) as standby:
            config_path = pg_audit_config(tmp_path / "site", pair_url(primary, standby, DB))
            store = PgStore(pair_url(primary, standby, DB), max_size=2, timeout_s=10)
            anchor = Anchor(store, load_config(config_path))
            try:
                anchor.open()
                anchor.standby_wait_s = WAIT_S
                yield Pair(primary, standby, store, anchor, config_path)
            finally:
                anchor.close()
                store.close()


def test_a_paused_standby_holds_checkpoints_back_until_it_replays(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with _pair(tmp_path) as pair:
        head = pair.add(5)
        first = pair.anchor.checkpoint(force=True)
        assert first is not None and first.seq == head  # the standby keeps up: the head
        assert pair.anchor.standby_problem is None

        pair.standby.psql("SELECT pg_wal_replay_pause()")
        wait_until(lambda: pair.standby.psql("SELECT pg_get_wal_replay_pause_state()")
                   == "paused", "the standby's replay to pause", timeout=30)
        held_at = pair.standby_head()
        head = pair.add(10)
        assert pair.standby_head() == held_at < head
        caplog.set_level(logging.INFO, logger="cxinbox.service.anchor")
        started = time.monotonic()
        assert pair.anchor.checkpoint(force=True) is None  # nothing new it holds
        waited = time.monotonic() - started
        assert WAIT_S <= waited < WAIT_S + 10, waited
        assert pair.anchor.standby_problem is not None
        assert "standby lags" in pair.anchor.standby_problem
        assert pair.anchor.checkpoint(force=True) is None  # tried again: still nothing
        lags = [r for r in caplog.records if "standby lags" in r.getMessage()
                and r.name == "cxinbox.service.anchor"]
        assert len(lags) == 1, lags  # said once while it lasts
        assert max(pair.signed()) <= pair.standby_head()
        worker = AuditAnchor(pair.store, pair.anchor.config,
                             Health(pair.store, pair.anchor.config))
        worker._standby_state(pair.anchor)  # what the server's worker does after each try
        assert [(a.key, a.severity) for a in worker.health.current()  # type: ignore[union-attr]
                if a.key == STANDBY_ALERT_KEY] == [(STANDBY_ALERT_KEY, "warning")]

        pair.standby.psql("SELECT pg_wal_replay_resume()")
        head = pair.add(0)  # the alert is an event too
        caught_up = pair.anchor.checkpoint(force=True)
        assert caught_up is not None and caught_up.seq == head
        assert pair.anchor.standby_problem is None
        assert pair.standby_head() >= head
        assert any("sign the head again" in r.getMessage() for r in caplog.records)
        worker._standby_state(pair.anchor)
        assert STANDBY_ALERT_KEY not in [a.key for a in  # type: ignore[union-attr]
                                         worker.health.current()]


def test_a_failover_to_a_standby_that_lacked_the_newest_events_loses_nothing_signed(
        tmp_path: Path) -> None:
    """The standby streams through a relay; the relay then holds back the WAL (the
    standby stays attached and answering, as over a slow link), events are written and a
    checkpoint is due: it must not sign them. The primary dies, the standby is promoted
    without them, and `audit verify` finds every signed event there."""
    relay_dir = Path(tempfile.mkdtemp(prefix="cxinbox-pg-relay-"))
    os.chmod(relay_dir, 0o755)
    relay: UnixStall | None = None
    try:
        with _pair(tmp_path) as pair:
            port = pair.primary.port
            relay = UnixStall(relay_dir / f".s.PGSQL.{port}",
                              pair.primary.socket_dir / f".s.PGSQL.{port}")
            pair.standby.psql(f"ALTER SYSTEM SET primary_conninfo = 'host={relay_dir}"
                              f" port={port} user=cxinbox application_name=relayed'")
            pair.standby.psql("SELECT pg_reload_conf()")
            wait_until(lambda: pair.primary.psql(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name ="
                " 'relayed' AND state = 'streaming'") == "1",
                "the standby to stream through the relay", timeout=60, interval=0.2)
            head = pair.add(5)
            signed = pair.anchor.checkpoint(force=True)
            assert signed is not None and signed.seq == head

            relay.stall()
            lost_from = head + 1
            head = pair.add(10)
            assert pair.anchor.checkpoint(force=True) is None
            assert pair.anchor.standby_problem is not None
            assert max(pair.signed()) < lost_from
            assert relay.held > 0  # the WAL of the new events reached the relay only

            stop_immediately(pair.primary)
            relay.cut()
            promote(pair.standby)
            survived = pair.standby_head()
            assert survived < head, "the promoted standby should lack the newest events"
            pair.anchor.close()
            proc = cx_here("audit", "verify", "--config", str(pair.config_path))
            assert "Traceback" not in proc.stderr, proc.stderr
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert proc.stdout.splitlines()[-1] == "audit trail verified"
            assert "gone" not in proc.stdout
    finally:
        if relay is not None:
            relay.close()
        shutil.rmtree(relay_dir, ignore_errors=True)


def test_a_primary_without_standbys_and_a_sqlite_file_sign_at_once(
        pg_url: str, tmp_path: Path) -> None:
    """Nothing to wait for: the head is signed at once, however long the wait allowed."""
    from cxinbox.store.db import Database

    store = PgStore(pg_url, max_size=2)
    try:
        state = store.standby_replay()
        assert state.standbys == 0 and state.hidden == 0 and state.mark > 0
        anchor = Anchor(store, load_config(pg_audit_config(tmp_path / "pg", pg_url)))
        anchor.open()
        try:
            anchor.standby_wait_s = 600
            with store.writing() as tx:
                tx.append_event("maria", "conversation.view", "conversation:1", {})
            started = time.monotonic()
            signed = anchor.checkpoint(force=True)
            assert time.monotonic() - started < 60
            with store.reading() as tx:
                assert signed is not None and signed.seq == tx.last_event_seq()
            assert anchor.standby_problem is None
        finally:
            anchor.close()
    finally:
        store.close()
    db = Database(tmp_path / "file" / "cxinbox.db")
    try:
        assert db.standby_replay() is None
    finally:
        db.close()


def test_a_stopping_server_does_not_wait_for_a_lagging_standby(tmp_path: Path) -> None:
    """At shutdown (the worker's stop event set) the last checkpoint signs what the
    standbys hold without waiting out the bound."""
    import threading

    with _pair(tmp_path) as pair:
        pair.anchor.checkpoint(force=True)
        pair.standby.psql("SELECT pg_wal_replay_pause()")
        wait_until(lambda: pair.standby.psql("SELECT pg_get_wal_replay_pause_state()")
                   == "paused", "the standby's replay to pause", timeout=30)
        pair.add(3)
        stop = threading.Event()
        stop.set()
        pair.anchor.pause = stop.wait
        pair.anchor.standby_wait_s = 600
        started = time.monotonic()
        assert pair.anchor.checkpoint(force=True) is None
        assert time.monotonic() - started < 60
        assert max(pair.signed()) <= pair.standby_head()


def test_a_role_that_cannot_see_the_standbys_signs_the_head_and_says_why(
        tmp_path: Path) -> None:
    """Without pg_read_all_stats a role sees a walsender's pid alone: the checkpoint signs
    the head as before, with the problem named; granted, the standby is waited for."""
    with _pair(tmp_path) as pair:
        pair.primary.psql("CREATE ROLE plain LOGIN; GRANT cxinbox TO plain")
        url = pair_url(pair.primary, pair.standby, DB).replace("cxinbox@", "plain@", 1)
        store = PgStore(url, max_size=2)
        try:
            state = store.standby_replay()
            assert (state.standbys, state.hidden) == (0, 1)
            anchor = Anchor(store, pair.anchor.config)
            pair.anchor.close()  # one writer of the log at a time
            anchor.open()
            try:
                head = pair.add(3)
                signed = anchor.checkpoint(force=True)
                assert signed is not None and signed.seq == head
                assert anchor.standby_problem is not None
                assert "GRANT pg_read_all_stats" in anchor.standby_problem
                pair.primary.psql("GRANT pg_read_all_stats TO plain")
                state = store.standby_replay()
                assert (state.standbys, state.hidden) == (1, 0)
                head = pair.add(3)
                signed = anchor.checkpoint(force=True)
                assert signed is not None and signed.seq == head
                assert anchor.standby_problem is None
            finally:
                anchor.close()
        finally:
            store.close()
