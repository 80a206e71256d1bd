"""Retention on PostgreSQL, run by the CLI with no server: the generated three-year history
of tests/test_retention.py, copied into PostgreSQL with `store copy`'s own code, loses
exactly what the same policy takes from the SQLite file; each purge is audited (counts,
never patient text), the trail's released start is signed, and `audit verify` passes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import psycopg
from tests.support.pgcluster import PgCluster
from tests.test_retention import POLICY, expected_purge, family, make_history
from tests.test_serve_support import ME, cx

from cxinbox.config import load_config
from cxinbox.service.anchor import checkpoint_now
from cxinbox.service.retention import RetentionRunner
from cxinbox.store.db import Database
from cxinbox.store.fts import index_pending
from cxinbox.store.pg.copy import copy_to_postgres
from cxinbox.store.pg.store import PgStore

YEAR = 365 * 86400


def _pg_config(directory: Path, url: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n[store]\nurl = "{url}"\n'
                    f'[audit]\ncheckpoint_seconds = 1\nkey_file = "{directory / "audit.key"}"\n'
                    f'checkpoint_log = "{directory / "checkpoints.jsonl"}"\n{POLICY}\n'
                    f'[[staff]]\nos_user = "{ME}"\nname = "Admin"\nrole = "admin"\n')
    return path


def test_retention_runs_on_postgresql_without_a_server(pg_cluster: PgCluster,
                                                       tmp_path: Path) -> None:
    lite_dir = tmp_path / "lite"
    lite_dir.mkdir()
    lite_cfg = lite_dir / "config.toml"
    lite_cfg.write_text(f'[clinic]\ntimezone = "UTC"\n[store]\npath = "{lite_dir / "c.db"}"\n'
                        f"[audit]\ncheckpoints = false\n{POLICY}")
    lite_config = load_config(lite_cfg)
    db = Database(lite_config.db_path, synchronous="OFF")
    name = f"retention_{os.getpid()}"
    try:
        convs = make_history(db)
        with db.write() as conn:
            index_pending(conn, 100_000)
        pg_cluster.create_database(name)
        url = pg_cluster.url(name)
        with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as target, \
                db.read() as conn:
            copy_to_postgres(conn, target)
        cfg = _pg_config(tmp_path / "pg", url)
        store = PgStore(url, max_size=2)
        try:
            checkpoint_now(store, load_config(cfg))  # anchored by a server once
        finally:
            store.close()

        dry = cx("retention", "run", "--dry-run", "--json", "--config", str(cfg))
        assert dry.returncode == 0 and "Traceback" not in dry.stderr, dry.stderr
        counted = json.loads(dry.stdout)
        run = cx("retention", "run", "--json", "--config", str(cfg))
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
        report = json.loads(run.stdout)
        now = time.time()
        assert report["counts"] == counted["counts"]
        assert report["audit_released"] == counted["audit_released"] > 0

        # The same policy on the SQLite file takes the same conversations.
        RetentionRunner(db, lite_config, "admin", clock=lambda: now).run()
        lite_live = {int(r[0]) for r in db.conn.execute("SELECT id FROM conversations")}
        doomed = expected_purge(convs, int(now) - YEAR)
        gone = family(convs, doomed)
        assert gone and lite_live == family(convs, set(convs) - doomed)
        assert report["counts"]["conversations"] == len(gone)
        with psycopg.connect(pg_cluster.dsn(name), autocommit=True) as pg:
            pg_live = {int(r[0]) for r in pg.execute("SELECT id FROM conversations")}
            assert pg_live == lite_live
            for table in ("messages", "notes", "drafts", "outbox", "conversation_tags"):
                left = pg.execute(f"SELECT count(*) FROM {table} WHERE conversation_id"
                                  " = ANY(%s)", (sorted(gone),)).fetchone()
                assert left is not None and left[0] == 0, table
            purges = [str(r[0]) for r in pg.execute(
                "SELECT details FROM events WHERE action = 'retention.purge'")]
            assert purges and sum(json.loads(p).get("conversations", 0) for p in purges) \
                == len(gone)
            assert "zq" not in "".join(purges) and "patient" not in "".join(purges)
            start, lowest = pg.execute(
                "SELECT (SELECT (details::jsonb ->> 'first_seq')::bigint FROM events WHERE"
                " action = 'audit.truncate' ORDER BY seq DESC LIMIT 1),"
                " (SELECT min(seq) FROM events)").fetchone() or (None, None)
            assert start is not None and start > 1 and lowest == start  # released rows gone

        verify = cx("audit", "verify", "--config", str(cfg))
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "released by retention under a signed checkpoint" in verify.stdout
        again = cx("retention", "run", "--json", "--config", str(cfg))
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["counts"]["conversations"] == 0
    finally:
        db.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
