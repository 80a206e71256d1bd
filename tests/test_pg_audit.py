"""The audit trail on PostgreSQL: `cxinbox audit verify` walks and checks it there as on
the SQLite file, and catches what the database's owner can do behind cxinbox's back.

The tampering is done for real with psql as the database owner (who may disable the
append-only triggers); the verdict comes from the real CLI in a subprocess.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import PgCluster
from tests.test_serve_support import cx

from cxinbox.config import Config, load_config
from cxinbox.service.anchor import checkpoint_now
from cxinbox.store.pg.store import PgStore

_names = iter(range(1, 1_000_000))
EVERY = 10


def pg_audit_config(directory: Path, url: str, *, name: str = "config.toml") -> Path:
    """A config on the PostgreSQL store whose key and checkpoint log are its own."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\nurl = "{url}"\n\n[audit]\n'
                    f'key_file = "{directory / "audit-signing.key"}"\n'
                    f'checkpoint_log = "{directory / "audit-checkpoints.jsonl"}"\n')
    return path


class PgTrail:
    """A trail of 30 events on PostgreSQL with a signed checkpoint after every ten."""

    def __init__(self, cluster: PgCluster, dbname: str, directory: Path) -> None:
        self.cluster = cluster
        self.dbname = dbname
        self.url = cluster.url(dbname)
        self.cfg_path = pg_audit_config(directory, self.url)
        self.config: Config = load_config(self.cfg_path)

    def add(self, count: int) -> None:
        store = PgStore(self.url, max_size=2)
        try:
            for _ in range(count):
                with store.writing() as tx:
                    tx.append_event("maria", "conversation.view", "conversation:1",
                                    {"why": "test"})
            checkpoint_now(store, self.config)  # type: ignore[arg-type]
        finally:
            store.close()

    def sql(self, statement: str) -> str:
        """As the database's owner, with psql: no cxinbox code in the way."""
        return self.cluster.psql(statement, dbname=self.dbname)

    def verify(self, *extra: str) -> tuple[int, list[str], str]:
        proc = cx("audit", "verify", "--config", str(self.cfg_path), *extra)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc.returncode, proc.stdout.splitlines(), proc.stderr.strip()


@pytest.fixture
def pg_trail(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[PgTrail]:
    name = f"audit_{os.getpid()}_{next(_names)}"
    pg_cluster.create_migrated_database(name)
    trail = PgTrail(pg_cluster, name, tmp_path / "site")
    for _ in range(3):
        trail.add(EVERY)
    yield trail
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fails(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL")]


def test_an_untouched_trail_on_postgresql_verifies(pg_trail: PgTrail) -> None:
    code, lines, err = pg_trail.verify()
    assert code == 0, (lines, err)
    assert "ok    the append-only triggers are in place" in lines
    assert "ok    30 event(s), hash chain intact" in lines
    assert any("events #1-#30 match 3 signed checkpoint(s)" in line for line in lines)
    assert lines[-1] == "audit trail verified"


def test_a_row_edited_by_the_owner_is_named(pg_trail: PgTrail) -> None:
    """The owner disables the guard, edits event #12, and puts the guard back."""
    pg_trail.sql("ALTER TABLE events DISABLE TRIGGER events_no_update;"
                 " UPDATE events SET details = '{\"why\":\"edited\"}' WHERE seq = 12;"
                 " ALTER TABLE events ENABLE TRIGGER events_no_update")
    code, lines, err = pg_trail.verify()
    assert code == 1
    (only,) = _fails(lines)
    assert "event #12 was changed after it was written" in only
    assert only.endswith("the trail cannot be trusted from event #12 on")
    assert err == "cxinbox: 1 audit problem(s); the trail cannot be trusted from event #12 on"


def test_a_disabled_guard_and_deleted_newest_events_are_found(pg_trail: PgTrail) -> None:
    pg_trail.sql("ALTER TABLE events DISABLE TRIGGER events_no_delete;"
                 " DELETE FROM events WHERE seq > 25")
    code, lines, err = pg_trail.verify()
    assert code == 1
    fails = _fails(lines)
    assert any("events #26-#30 are gone: the database ends at #25" in line for line in fails)
    assert any("events_no_delete are gone or changed" in line for line in fails)
    assert err.endswith("the trail cannot be trusted from event #21 on")


def test_a_replaced_guard_function_counts_as_gone(pg_trail: PgTrail) -> None:
    pg_trail.sql("CREATE OR REPLACE FUNCTION cxinbox_events_append_only() RETURNS trigger"
                 " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    code, lines, _ = pg_trail.verify()
    assert code == 1
    assert "cxinbox_events_append_only() are gone or changed" in _fails(lines)[0]


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    cfg = pg_audit_config(tmp_path, f"postgresql://cxinbox@/none?host={tmp_path}"
                                    "&connect_timeout=2")
    proc = cx("audit", "verify", "--config", str(cfg))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("cxinbox: ")
