"""The audit trail on PostgreSQL: `cxinbox audit verify` walks and checks it there as on
the SQLite file, and catches what the database's owner can do behind cxinbox's back.

The tampering is done for real with psql as the database owner (who may disable the
append-only triggers); the verdict comes from the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tests.support.clirun import cx_here
from tests.support.pgcluster import PgCluster
from tests.support.waiting import poll_until, wait_until
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
    """A trail on PostgreSQL with a signed checkpoint after every ten events: the first
    checkpoint registers the key (`audit.key`, event #11), so they sign #11, #21, #31."""

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

    def verify(self, *extra: str, real: bool = False) -> tuple[int, list[str], str]:
        """`cxinbox audit verify`: in this process (tests/support/clirun.py), or with
        `real` in a child of its own (its exit status and stderr as a script sees them)."""
        run = cx if real else cx_here
        proc = run("audit", "verify", "--config", str(self.cfg_path), *extra)
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
    assert "ok    31 event(s), hash chain intact" in lines
    assert any("events #1-#31 match 3 signed checkpoint(s)" in line for line in lines)
    assert lines[-1] == "audit trail verified"


def test_a_row_edited_by_the_owner_is_named(pg_trail: PgTrail) -> None:
    """The owner disables the guard, edits event #12, and puts the guard back."""
    pg_trail.sql("ALTER TABLE events DISABLE TRIGGER events_no_update;"
                 " UPDATE events SET details = '{\"why\":\"edited\"}' WHERE seq = 12;"
                 " ALTER TABLE events ENABLE TRIGGER events_no_update")
    code, lines, err = pg_trail.verify(real=True)
    assert code == 1
    (only,) = _fails(lines)
    assert "event #12 was changed after it was written" in only
    assert only.endswith("the trail cannot be trusted from event #12 on")
    assert err == "cxinbox: 1 audit problem(s); the trail cannot be trusted from event #12 on"


def test_a_disabled_guard_and_deleted_newest_events_are_found(pg_trail: PgTrail) -> None:
    pg_trail.sql("ALTER TABLE events DISABLE TRIGGER events_no_delete;"
                 " DELETE FROM events WHERE seq > 25")  # checkpoints at #11, #21, #31
    code, lines, err = pg_trail.verify()
    assert code == 1
    fails = _fails(lines)
    assert any("events #26-#31 are gone: the database ends at #25" in line for line in fails)
    assert any("events_no_delete are gone or changed" in line for line in fails)
    assert err.endswith("the trail cannot be trusted from event #22 on")


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
    assert proc.returncode == 10 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(
        "cxinbox: could not check the audit trail: ")
    assert proc.stdout == ""


def test_a_database_it_cannot_reach_is_no_verdict_on_a_signed_trail(
        pg_trail: PgTrail, tmp_path: Path) -> None:
    """The log holds checkpoints of 31 events; the database is out of reach (a stopped
    server's socket, a refused login): `audit verify` compared nothing and says only that
    (exit 10), never that the trail cannot be trusted."""
    cfg = pg_trail.cfg_path.read_text()
    for url, why in ((f"postgresql://cxinbox@/none?host={tmp_path}&connect_timeout=2",
                      "cannot connect"),
                     (pg_trail.url.replace("postgresql://", "postgresql://nobody_here_", 1),
                      "nobody_here_")):
        pg_trail.cfg_path.write_text(cfg.replace(pg_trail.url, url))
        code, lines, err = pg_trail.verify(real=True)
        assert code == 10, (lines, err)
        assert lines == []
        assert err.startswith("cxinbox: could not check the audit trail: ") and why in err
        assert "trusted" not in err and "\n" not in err
    pg_trail.cfg_path.write_text(cfg)
    code, lines, _ = pg_trail.verify()
    assert code == 0 and lines[-1] == "audit trail verified"


# -- several servers, several keys ------------------------------------------------------------

LEADS = "audit checkpoints: this server runs it"


def _site_config(directory: Path, sock: Path, url: str) -> Path:
    """A server's config on the shared database with its own key and checkpoint log."""
    from tests.test_pg_serve import pg_config
    from tests.test_serve_support import ME

    path = pg_config(directory, sock, url, {ME: "admin"})
    path.write_text(path.read_text() + f'\n[audit]\nkey_file = "{directory / "audit.key"}"\n'
                    f'checkpoint_log = "{directory / "checkpoints.jsonl"}"\n')
    return path


def _log_lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_takeover_signs_with_the_new_hosts_key_and_verify_names_both(
        pg_cluster: PgCluster, tmp_path: Path) -> None:
    """Two servers on one database: the leader signs with its key; SIGKILLed, the other
    takes the job over and signs with its own. `audit verify` from either config accepts
    both keys (registered in the store) and names them; a checkpoint forged with a key
    the store never registered, or by a key registered later about an earlier event,
    fails."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from tests.test_serve_support import Server, socket_dir

    from cxinbox.service.checkpoints import key_id, public_key_text, sign

    name = f"audit_keys_{os.getpid()}_{next(_names)}"
    pg_cluster.create_migrated_database(name)
    url = pg_cluster.url(name)
    servers: list[Server] = []
    try:
        with socket_dir() as sockdir:
            configs = [_site_config(tmp_path / label, sockdir / f"{label}.sock", url)
                       for label in ("a", "b")]
            servers = [Server(cfg, sockdir / f"{label}.sock").start()
                       for cfg, label in zip(configs, ("a", "b"), strict=True)]
            logs = [cfg.parent / "checkpoints.jsonl" for cfg in configs]
            # Generous deadlines (a takeover takes one 5 s lease retry once PostgreSQL has
            # seen the holder die): 60 s ran out once on a machine at load 18 on 2 cores.
            wait_until(lambda: any(LEADS in s.log for s in servers),
                       "a server to take the audit checkpoints", timeout=180)
            first = 0 if LEADS in servers[0].log else 1
            other = 1 - first
            assert poll_until(lambda: _log_lines(logs[first]) >= 1, timeout=180)
            proc = cx("list", "--config", str(configs[first]))  # events to anchor
            assert proc.returncode == 0, proc.stderr
            servers[first].stop(signal.SIGKILL)
            assert servers[other].wait_log(LEADS, timeout=180), servers[other].log[-3000:]
            assert poll_until(lambda: _log_lines(logs[other]) >= 1, timeout=180)
            servers[other].stop(signal.SIGTERM)  # its last checkpoint at shutdown too

        ids = [key_id(load_public(cfg.parent / "audit.key")) for cfg in configs]
        for cfg in configs:  # the first in a real child, the second in this process
            proc = (cx if cfg is configs[0] else cx_here)("audit", "verify", "--config",
                                                          str(cfg))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            out = proc.stdout
            assert "Traceback" not in proc.stderr
            assert f"key {ids[first]} (" in out and f"key {ids[other]} (" in out
            assert out.count(" signed ") >= 2 and "signed no checkpoint" not in out
            assert out.splitlines()[-1] == "audit trail verified"

        listed = cx_here("audit", "keys", "--config", str(configs[other]), "--json")
        assert listed.returncode == 0, listed.stderr
        assert [k["key_id"] for k in json.loads(listed.stdout)] == [ids[first], ids[other]]

        store = PgStore(url, max_size=1)
        try:
            with store.reading() as tx:
                head = tx.chain_head()
            rogue = Ed25519PrivateKey.generate()
            forged = sign(rogue, seq=head.seq, hash=head.hash, count=head.count,
                          at=store.now_ms(), prev="")
            pg_cluster.psql("INSERT INTO cxinbox_audit_checkpoints (key_id, seq, at, line)"
                            f" VALUES ('{forged.key}', {forged.seq}, {forged.at},"
                            f" '{forged.line()}')", dbname=name)
            proc = cx_here("audit", "verify", "--config", str(configs[0]))
            assert proc.returncode == 1
            assert f"signed by key {forged.key}, which is not registered (forged?)" \
                in proc.stdout
            pg_cluster.psql(f"DELETE FROM cxinbox_audit_checkpoints WHERE key_id ="
                            f" '{forged.key}'", dbname=name)

            # Registered through cxinbox, but now: it cannot re-sign event #1.
            with store.writing() as tx:
                late = tx.register_audit_key("system", forged.key,
                                             public_key_text(rogue.public_key()),
                                             "elsewhere", store.now_ms())
            with store.reading() as tx:
                one = tx.event_stamp(1)
            assert one is not None
            past = sign(rogue, seq=1, hash=one.hash, count=1, at=store.now_ms(), prev="")
            pg_cluster.psql("INSERT INTO cxinbox_audit_checkpoints (key_id, seq, at, line)"
                            f" VALUES ('{past.key}', 1, {past.at}, '{past.line()}')",
                            dbname=name)
        finally:
            store.close()
        proc = cx("audit", "verify", "--config", str(configs[0]))
        assert proc.returncode == 1
        assert f"key {past.key} (elsewhere's key) was registered at event #{late.first_seq}" \
               " and cannot vouch for event #1 before it" in proc.stdout
    finally:
        for server in servers:
            server.__exit__()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_public(path: Path) -> Ed25519PublicKey:
    from cxinbox.service.checkpoints import load_signing_key

    return load_signing_key(path, create=False).public_key()
