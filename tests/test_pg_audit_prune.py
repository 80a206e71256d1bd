"""Retention on PostgreSQL and the audit signing of several servers (two keys on one database).

- The database's copy of the checkpoints (`cxinbox_audit_checkpoints`) loses, at each
  retention run, the lines that signed only events retention released and deleted, except
  each key's newest; `audit verify` passes after, from either config, reading that copy
  alone (each config's own log file left out), and still fails a forged line.
- A key whose registration (`audit.key` event) retention releases has it carried into the
  kept trail by the same run (a new `audit.key` event naming the first one's seq), and
  verification checks the registry row against that. A row without a carry (a database
  from before it) is trusted and verification says so in a warning naming the key; a row
  whose start of trust was moved back, or whose carry names another key's event, fails.

The trail's first part (with the first key's registration) is dated three years back, the
rest is now: retention (`audit_keep = "2y"`) releases the first part.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from tests.support.pgcluster import PgCluster
from tests.test_pg_audit import pg_audit_config
from tests.test_retention import POLICY
from tests.test_serve_support import cx

from cxinbox.config import Config, load_config
from cxinbox.service.anchor import checkpoint_now
from cxinbox.service.checkpoints import key_id, load_signing_key, public_key_text
from cxinbox.service.retention import RetentionRunner
from cxinbox.store.db import append_event
from cxinbox.store.pg.store import PgStore

YEAR_MS = 365 * 86400 * 1000
_names = iter(range(1, 1_000_000))


def _config(directory: Path, url: str) -> Config:
    path = pg_audit_config(directory, url)
    path.write_text(path.read_text() + f"checkpoint_seconds = 1\n{POLICY}")
    return load_config(path)


def _events(store: PgStore, count: int, at: int | None = None) -> None:
    for _ in range(count):
        with store.write() as conn:
            append_event(conn, "maria", "conversation.view", "conversation:1", {"why": "t"},
                         at=at)


def _kept(dsn: str) -> list[tuple[str, int]]:
    with psycopg.connect(dsn, autocommit=True) as pg:
        return [(str(r[0]), int(r[1])) for r in pg.execute(
            "SELECT key_id, seq FROM cxinbox_audit_checkpoints ORDER BY key_id, at, seq")]


def _scalar(dsn: str, sql: str) -> object:
    with psycopg.connect(dsn, autocommit=True) as pg:
        row = pg.execute(sql).fetchone()
        assert row is not None
        return row[0]


def _verify(config: Config, *extra: str) -> tuple[int, str]:
    proc = cx("audit", "verify", "--config", str(config.source_path), *extra)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def pg_db(pg_cluster: PgCluster) -> Iterator[tuple[str, str]]:
    name = f"audit_prune_{os.getpid()}_{next(_names)}"
    pg_cluster.create_migrated_database(name)
    yield pg_cluster.url(name), pg_cluster.dsn(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_retention_prunes_the_kept_checkpoints_and_verify_names_a_released_registration(
        pg_db: tuple[str, str], tmp_path: Path) -> None:
    url, dsn = pg_db
    first, second = _config(tmp_path / "a", url), _config(tmp_path / "b", url)
    old = int(time.time() * 1000) - 3 * YEAR_MS
    store = PgStore(url, max_size=2)
    try:
        _events(store, 5, at=old)
        # The first key registered three years ago, as its server did then: the
        # registration's event and row in one transaction (store/audit_keys.py), dated.
        public = load_signing_key(first.audit_key_path, create=True).public_key()
        ids = [key_id(public)]
        with store.write() as conn:
            registered_at = append_event(conn, "system", "audit.key", f"key:{ids[0]}", {
                "key": ids[0], "public_key": public_key_text(public), "host": "desk-a"},
                at=old)
            conn.execute("INSERT INTO cxinbox_audit_keys (key_id, public_key, host, first_at,"
                         " first_seq) VALUES (?, ?, 'desk-a', ?, ?)",
                         (ids[0], public_key_text(public), old, registered_at))
        for _ in range(4):  # its checkpoints over the part to be released
            _events(store, 4, at=old)
            checkpoint_now(store, first)
        start = registered_at + 4 * 4 + 1  # the first event of now
        _events(store, 6)  # the part retention keeps
        checkpoint_now(store, first)
        checkpoint_now(store, second)  # registers the second key, inside the kept part
        ids.append(key_id(load_signing_key(second.audit_key_path, create=False).public_key()))
        kept_before = _kept(dsn)
        assert [k for k, _ in kept_before].count(ids[0]) == 5
        assert sum(1 for k, s in kept_before if s < start) == 4

        report = RetentionRunner(store, first).run()
        assert report.trail_starts_at == start and report.audit_released == start - 1, report
        assert report.audit_pending == 0, report
    finally:
        store.close()
    assert _scalar(dsn, "SELECT min(seq) FROM events") == start
    run = json.loads(_scalar(dsn, "SELECT details FROM events WHERE action = 'retention.run'"))

    kept = _kept(dsn)
    # Every line of the released part went but the newest per key; the run's own
    # signature of the new start (by the first key) is the newest now.
    assert all(s >= start for _, s in kept), kept
    assert len(kept) == len(kept_before) + 1 - 4 == len(kept_before) - 3
    assert run["checkpoints_pruned"] == 4

    for config in (first, second):
        code, out = _verify(config)
        assert code == 0, out
        assert "released by retention under a signed checkpoint" in out
    # From a host without its own log: the database's (pruned) copy alone speaks. The
    # first key's registration was released, and carried into the kept trail by the run.
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    code, out = _verify(second, "--checkpoints", str(empty))
    assert code == 0, out
    assert f"key {ids[0]} (desk-a's key, registered at event #{registered_at})" in out
    assert "trusted on the key registry alone" not in out
    carry = _scalar(dsn, "SELECT details FROM events WHERE action = 'audit.key'"
                         f" AND target = 'key:{ids[0]}'")
    assert json.loads(str(carry))["first_seq"] == registered_at
    assert int(str(_scalar(dsn, "SELECT carried_seq FROM cxinbox_audit_keys WHERE key_id ="
                                f" '{ids[0]}'"))) >= start

    def registry(sql: str) -> tuple[int, str]:
        """`audit verify` with the first key's registry row changed by `sql`, then put back."""
        with psycopg.connect(dsn, autocommit=True) as pg:
            was = pg.execute("SELECT first_seq, carried_seq FROM cxinbox_audit_keys"
                             " WHERE key_id = %s", (ids[0],)).fetchone()
            pg.execute(sql, (ids[0],))
            try:
                return _verify(second, "--checkpoints", str(empty))
            finally:
                pg.execute("UPDATE cxinbox_audit_keys SET first_seq = %s, carried_seq = %s"
                           " WHERE key_id = %s", (*(was or ()), ids[0]))

    # Without the carry (a database from before it was made): trusted, and said so.
    code, out = registry("UPDATE cxinbox_audit_keys SET carried_seq = NULL WHERE key_id = %s")
    assert code == 0, out
    assert out.count("is trusted on the key registry alone") == 1  # not the second key
    assert f"key {ids[0]} (" in out and f"event #{registered_at}, was released" in out
    # The row's trust moved back, or its carry pointed at another key's event: both fail.
    code, out = registry("UPDATE cxinbox_audit_keys SET first_seq = 1 WHERE key_id = %s")
    assert code != 0 and f"key {ids[0]}" in out, out
    code, out = registry(f"UPDATE cxinbox_audit_keys SET carried_seq = (SELECT first_seq FROM"
                         f" cxinbox_audit_keys WHERE key_id = '{ids[1]}') WHERE key_id = %s")
    assert code != 0 and "does not register it" in out, out

    # The pruned copy still catches a line edited in the database.
    with psycopg.connect(dsn, autocommit=True) as pg:
        row = pg.execute("SELECT line FROM cxinbox_audit_checkpoints WHERE key_id = %s",
                         (ids[1],)).fetchone()
        assert row is not None
        edited = json.loads(str(row[0]))
        edited["seq"] -= 1
        pg.execute("UPDATE cxinbox_audit_checkpoints SET line = %s WHERE key_id = %s",
                   (json.dumps(edited), ids[1]))
    code, out = _verify(second, "--checkpoints", str(empty))
    assert code != 0 and "forged or edited" in out, out
