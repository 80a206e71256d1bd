"""The audit checkpoint log on PostgreSQL when no `[audit] checkpoint_log` is set, with
two real `cxinbox serve` on one database (each with its own config, key and socket) and
one OS user whose data directory already holds another store's checkpoints at the old
shared default (`$XDG_DATA_HOME/cxinbox/audit-checkpoints.jsonl`).

Each server's log is its own and the database's (beside its key, named by the store id):
the file at the old default is never read as this database's, the server that takes the
job over after a SIGKILL signs, and `audit verify` verifies both servers' checkpoints.
A server that holds the job and cannot sign is seen on every server's `status`, also
after another server's start cleared the alerts.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.support.clirun import cx_here
from tests.support.pgcluster import PgCluster
from tests.support.waiting import poll_until, wait_until
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.config import load_config
from cxinbox.service.anchor import checkpoint_now
from cxinbox.service.checkpoints import key_id, load_signing_key, sign
from cxinbox.store.pg.store import PgStore, read_store_id

_names = iter(range(1, 1_000_000))
LEADS = "audit checkpoints: this server runs it"
STOPPED = "audit checkpoints stopped"


@pytest.fixture
def database(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"audit_default_{os.getpid()}_{next(_names)}"
    pg_cluster.create_migrated_database(name)
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One OS user's data directory, as every config of that user sees it, holding the
    checkpoints another store's server wrote at the old default."""
    data = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    old = data / "cxinbox" / "audit-checkpoints.jsonl"
    old.parent.mkdir(parents=True, mode=0o700)
    key, prev, lines = Ed25519PrivateKey.generate(), "", []
    for seq in range(1, 16):
        line = sign(key, seq=seq, hash=f"{seq:064x}", count=seq, at=1_700_000_000_000 + seq,
                    prev=prev).line()
        lines.append(line)
        from cxinbox.service.checkpoints import line_digest

        prev = line_digest(line)
    old.write_text("\n".join(lines) + "\n")
    old.chmod(0o600)
    return old


def _config(directory: Path, sock: Path, url: str, audit: str = "") -> Path:
    """A server's config on the shared database, with no [audit] paths of its own."""
    from tests.test_pg_serve import pg_config

    path = pg_config(directory, sock, url, {ME: "admin"})
    if audit:
        path.write_text(path.read_text() + f"\n[audit]\n{audit}\n")
    return path


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _check(cfg: Path, name: str) -> tuple[str, str] | None:
    """(level, summary) of the named check in `cxinbox status --json`, None when absent."""
    proc = cx("status", "--json", "--config", str(cfg))
    assert "Traceback" not in proc.stderr, proc.stderr
    if not proc.stdout.strip():
        return None
    for check in json.loads(proc.stdout).get("checks", []):
        if check["name"] == name:
            return check["level"], check["summary"]
    return None


def test_each_server_signs_its_own_log_and_a_takeover_signs(
        database: str, shared_data: Path, tmp_path: Path) -> None:
    before = shared_data.read_bytes()
    servers: list[Server] = []
    try:
        with socket_dir() as sockdir:
            configs = [_config(tmp_path / label, sockdir / f"{label}.sock", database)
                       for label in ("a", "b")]
            servers = [Server(cfg, sockdir / f"{label}.sock").start()
                       for cfg, label in zip(configs, ("a", "b"), strict=True)]
            store_id = read_store_id(database)
            assert store_id
            logs = [cfg.parent / f"audit-checkpoints-{store_id}.jsonl" for cfg in configs]
            wait_until(lambda: any(LEADS in s.log for s in servers),
                       "a server to take the audit checkpoints", timeout=180)
            first = 0 if LEADS in servers[0].log else 1
            other = 1 - first
            wait_until(lambda: _lines(logs[first]) >= 1, "the leader's first checkpoint",
                       timeout=180, detail=lambda: servers[first].log[-2000:])
            wait_until(lambda: (_check(configs[other], "audit checkpoints") or ("", ""))[1]
                       .endswith("(on another server)"),
                       "the other server's status to read the leader's round", timeout=60,
                       interval=1.0,
                       detail=lambda: str(_check(configs[other], "audit checkpoints")))
            found = _check(configs[other], "audit checkpoints")
            assert found is not None and found[0] == "ok", found
            proc = cx("list", "--config", str(configs[first]))  # events to anchor
            assert proc.returncode == 0, proc.stderr
            killed = time.monotonic()
            servers[first].stop(signal.SIGKILL)
            assert servers[other].wait_log(LEADS, timeout=180), servers[other].log[-3000:]
            wait_until(lambda: _lines(logs[other]) >= 1, "the new leader's checkpoint",
                       timeout=180, detail=lambda: servers[other].log[-3000:])
            # Seen with `-s`: the job's period is a lease retry (5 s) and a start.
            print(f"takeover: first checkpoint {time.monotonic() - killed:.1f}s after"
                  f" SIGKILL (load {os.getloadavg()[0]:.1f})")
            assert STOPPED not in servers[other].log, servers[other].log[-3000:]
            servers[other].stop(signal.SIGTERM)  # its last checkpoint at shutdown too

        assert shared_data.read_bytes() == before  # another store's: never written
        ids = [key_id(load_signing_key(cfg.parent / "audit-signing.key",
                                       create=False).public_key()) for cfg in configs]
        for cfg in configs:
            proc = cx("audit", "verify", "--config", str(cfg))
            out = proc.stdout
            assert proc.returncode == 0, out + proc.stderr
            assert f"key {ids[first]} (" in out and f"key {ids[other]} (" in out, out
            assert "signed no checkpoint" not in out and "no trusted key" not in out
            assert f"{shared_data} (the checkpoint log at an older cxinbox's shared" \
                   " default) is not this server's log for this database: not read" in out
            assert out.splitlines()[-1] == "audit trail verified"
    finally:
        for server in servers:
            server.__exit__()


def test_a_copy_of_the_database_is_not_judged_by_another_stores_log(
        pg_cluster: PgCluster, database: str, shared_data: Path, tmp_path: Path) -> None:
    """A database with events and no checkpoints yet (as `store copy` leaves one), under a
    config with no key: the 15 lines at the old default are not its checkpoints."""
    store = PgStore(database, max_size=2)
    try:
        for _ in range(5):
            with store.writing() as tx:
                tx.append_event("maria", "conversation.view", "conversation:1", {})
        store.store_id()
    finally:
        store.close()
    cfg = _config(tmp_path / "copy", tmp_path / "copy.sock", database)
    proc = cx("audit", "verify", "--config", str(cfg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout and "no trusted key" not in proc.stdout
    assert "5 event(s), hash chain intact" in proc.stdout
    doctor = cx("doctor", "--json", "--config", str(cfg))
    assert "Traceback" not in doctor.stderr, doctor.stderr
    audit = [f for f in json.loads(doctor.stdout)["findings"]
             if f["text"].startswith("audit: ")]
    assert any("hash chain intact" in f["text"] for f in audit), audit
    assert [f for f in audit if f["level"] == "fail"] == [], audit


def test_an_upgraded_server_goes_on_with_its_log_at_the_old_default_and_is_told_to_move_it(
        database: str, shared_data: Path, tmp_path: Path) -> None:
    """The old default holds this server's own checkpoints (an older cxinbox wrote them):
    the server continues that log, `audit verify` verifies it and says how to move it;
    once moved, the new place is used. Another server's config never reads it."""
    old = shared_data.parent / "audit-checkpoints.jsonl"
    old.unlink()
    cfg = _config(tmp_path / "site", tmp_path / "site.sock", database)
    as_before = _config(tmp_path / "site", tmp_path / "site.sock", database,
                        f'checkpoint_log = "{old}"')
    store = PgStore(database, max_size=2)
    try:
        with store.writing() as tx:
            tx.append_event("maria", "conversation.view", "conversation:1", {})
        checkpoint_now(store, load_config(as_before))  # type: ignore[arg-type]
        cfg = _config(tmp_path / "site", tmp_path / "site.sock", database)
        config = load_config(cfg)
        new = config.checkpoint_log_for(store.store_id())
        with store.writing() as tx:
            tx.append_event("maria", "conversation.view", "conversation:1", {})
        checkpoint_now(store, config)  # type: ignore[arg-type]
        assert _lines(old) == 2 and not new.exists()
        proc = cx_here("audit", "verify", "--config", str(cfg))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert f"mv {old} {new}" in proc.stdout
        assert proc.stdout.splitlines()[-1] == "audit trail verified"

        old.rename(new)
        with store.writing() as tx:
            tx.append_event("maria", "conversation.view", "conversation:1", {})
        checkpoint_now(store, config)  # type: ignore[arg-type]
        assert _lines(new) == 3 and not old.exists()
        proc = cx_here("audit", "verify", "--config", str(cfg))
        assert proc.returncode == 0 and "mv " not in proc.stdout, proc.stdout
    finally:
        store.close()


def test_a_server_that_holds_the_job_and_cannot_sign_is_on_every_servers_status(
        database: str, shared_data: Path, tmp_path: Path) -> None:
    """B holds the job with a key others may read (refused): its status is critical.
    A starts (clearing the alerts on record): within seconds the alert is back, and
    `status` on A and on B says so, whichever holds the job."""
    servers: list[Server] = []
    try:
        with socket_dir() as sockdir:
            cfg_b = _config(tmp_path / "b", sockdir / "b.sock", database)
            key = cfg_b.parent / "audit-signing.key"
            key.write_bytes(b"not a key")
            key.chmod(0o644)
            servers.append(Server(cfg_b, sockdir / "b.sock").start())
            b = servers[0]
            wait_until(lambda: STOPPED in b.log, "B to say it cannot sign", timeout=180,
                       detail=lambda: b.log[-2000:])
            found = _check(cfg_b, "audit:checkpoints")
            assert found is not None and found[0] == "critical", found

            cfg_a = _config(tmp_path / "a", sockdir / "a.sock", database)
            servers.append(Server(cfg_a, sockdir / "a.sock").start())

            def alerted(cfg: Path) -> bool:
                found = _check(cfg, "audit:checkpoints")
                return found is not None and found[0] == "critical" and STOPPED in found[1]

            assert poll_until(lambda: alerted(cfg_a), timeout=90, interval=1.0), \
                _check(cfg_a, "audit:checkpoints")
            assert alerted(cfg_b)
            assert LEADS not in servers[1].log  # B still holds the job
    finally:
        for server in servers:
            server.__exit__()
