"""The daily retention run on PostgreSQL with several servers: once per period, whoever runs it.

Real `cxinbox serve` processes share one database holding the generated three-year history
of tests/test_retention.py (copied in with `store copy`'s own code) and a scheduled run
recorded a day ago. `[retention] daily_at` is a minute that has already passed today, so a
period is missed and due as the servers start.

- The first server runs it and dies (SIGKILL, the crash hook) right after its first purge
  batch commits: some conversations are purged, the run's closing `retention.run` event is
  not written.
- Two servers then start on the database: one takes the job (leader lease `job:retention`)
  and resumes the period: everything due ends up purged, with exactly one `retention.run`.
- That server is killed too; the other takes the job over, finds the period done and runs
  nothing: still one `retention.run`, and the trail verifies.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from tests.support.pgcluster import PgCluster
from tests.support.waiting import wait_until
from tests.test_retention import POLICY, expected_purge, family, make_history
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.config import load_config
from cxinbox.service.retention import ACTOR, FIRST_BATCH
from cxinbox.store.audit import append_events
from cxinbox.store.db import Database
from cxinbox.store.fts import index_pending
from cxinbox.store.pg.copy import copy_to_postgres

YEAR = 365 * 86400
STARTS = "retention: the run due"


def _config(directory: Path, sock: Path, url: str, daily_at: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = write_config(directory, sock, {ME: "admin"})
    lines = [f'url = "{url}"' if line.startswith("path = ") else line
             for line in path.read_text().splitlines()]
    lines += ["[audit]", "checkpoint_seconds = 1", f'key_file = "{directory / "audit.key"}"',
              f'checkpoint_log = "{directory / "checkpoints.jsonl"}"', "",
              POLICY.strip(), f'daily_at = "{daily_at}"', ""]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture
def history(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[tuple[str, str, set[int]]]:
    """(url, libpq dsn, the conversations the policy purges) of a database holding the
    generated history."""
    lite = tmp_path / "lite"
    lite.mkdir()
    cfg = lite / "config.toml"
    cfg.write_text(f'[clinic]\ntimezone = "UTC"\n[store]\npath = "{lite / "c.db"}"\n'
                   f"[audit]\ncheckpoints = false\n{POLICY}")
    db = Database(load_config(cfg).db_path, synchronous="OFF")
    name = f"retsched_{os.getpid()}"
    try:
        convs = make_history(db, count=200)  # purges in more than one batch
        with db.write() as conn:
            index_pending(conn, 100_000)
            # Yesterday's scheduled run, as it records itself: the schedule is under way
            # (with none on record the first run would wait for tomorrow's daily_at).
            append_events(conn, ACTOR, [("retention.run", "server", {
                "audit_released": 0, "pages_freed": 0, "seconds": 0.1})],
                at=lambda: int((time.time() - 86400) * 1000))
        pg_cluster.create_database(name)
        with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as target, \
                db.read() as conn:
            copy_to_postgres(conn, target)
        # The copy was made now: the policy's cut-off is now too (a run seconds later
        # takes the same conversations: none is within seconds of the line).
        gone = family(convs, expected_purge(convs, int(time.time()) - YEAR))
        yield pg_cluster.url(name), pg_cluster.dsn(name), gone
    finally:
        db.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _runs(dsn: str) -> list[tuple[str, dict[str, int]]]:
    """What the schedule did after the run recorded yesterday."""
    with psycopg.connect(dsn, autocommit=True) as pg:
        done = [(str(r[0]), json.loads(str(r[1]))) for r in pg.execute(
            "SELECT action, details FROM events WHERE actor = %s AND action IN"
            " ('retention.run', 'retention.purge') ORDER BY seq", (ACTOR,))]
    assert done[0][0] == "retention.run", done[:1]
    return done[1:]


def _live(dsn: str) -> set[int]:
    with psycopg.connect(dsn, autocommit=True) as pg:
        return {int(r[0]) for r in pg.execute("SELECT id FROM conversations")}


def _kill(server: Server) -> None:
    assert server.proc is not None
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=60)


@pytest.mark.timeout(900)  # three server starts and two takeovers on a busy machine
def test_daily_retention_runs_once_per_period_and_resumes_after_its_runner_dies(
        history: tuple[str, str, set[int]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, dsn, gone = history
    before = _live(dsn)
    assert len(gone) > 2 * FIRST_BATCH and gone < before  # more than one batch to do
    # Due two minutes ago (yesterday's slot when that crosses midnight: due all the same).
    daily_at = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%H:%M")
    with socket_dir() as sockdir:
        servers: list[Server] = []
        try:
            # 1. The first runner dies after its first batch commits.
            monkeypatch.setenv("CXINBOX_TEST_CRASH_AT", "retention-batch")
            first = Server(_config(tmp_path / "a", sockdir / "a.sock", url, daily_at),
                           sockdir / "a.sock")
            servers.append(first.start(timeout=120))
            monkeypatch.delenv("CXINBOX_TEST_CRASH_AT")
            assert first.proc is not None
            wait_until(lambda: first.proc is not None and first.proc.poll() is not None,
                       "the first runner to die mid-run", timeout=180,
                       detail=lambda: first.log[-3000:])
            assert f"{STARTS} " in first.log and " starts now" in first.log
            cut_short = _runs(dsn)
            assert [a for a, _ in cut_short] == ["retention.purge"], cut_short
            assert before - gone < _live(dsn) < before  # part of the period's work done

            # 2. Two servers on the database: one resumes the period, once.
            pair = [Server(_config(tmp_path / label, sockdir / f"{label}.sock", url, daily_at),
                           sockdir / f"{label}.sock") for label in ("b", "c")]
            for server in pair:
                servers.append(server.start(timeout=120))
            wait_until(lambda: any(a == "retention.run" for a, _ in _runs(dsn)),
                       "the period's run to be resumed and finished", timeout=300,
                       detail=lambda: "\n".join(s.log[-2000:] for s in pair))
            runs = _runs(dsn)
            assert [a for a, _ in runs].count("retention.run") == 1
            purged = sum(d.get("conversations", 0) for a, d in runs if a == "retention.purge")
            assert purged == len(gone)
            assert _live(dsn) == before - gone
            runner = [s for s in pair if " starts now" in s.log]
            assert len(runner) == 1, [s.log[-1500:] for s in pair]
            other = pair[1] if runner[0] is pair[0] else pair[0]

            # 3. Its runner dies; the other takes the job over and finds the period done.
            _kill(runner[0])
            wait_until(lambda: " is done; the next is due " in other.log,
                       "the other server to take the job and find the period done",
                       timeout=180, detail=lambda: other.log[-3000:])
            assert " starts now" not in other.log
            assert [a for a, _ in _runs(dsn)].count("retention.run") == 1
            assert _live(dsn) == before - gone

            verify = cx("audit", "verify", "--config", str(other.config))
            assert verify.returncode == 0, verify.stdout + verify.stderr
        finally:
            for server in servers:
                if server.proc is not None and server.proc.poll() is None:
                    server.stop()
