"""A site moved from SQLite to PostgreSQL as the README's "Moving a site to PostgreSQL"
tells it, at the default paths (one OS user, the config and key in its config directory,
the SQLite cache and its checkpoint log in its data directory), with real `cxinbox serve`
on each store and a real `store copy` between them.

The SQLite cache's log (`~/.local/share/cxinbox/audit-checkpoints.jsonl`) is the place an
older cxinbox kept PostgreSQL checkpoints too. Signed by the same key, it is still never
this PostgreSQL database's: the copy is not judged by it (before any server gave the copy
a store id, and after), the PostgreSQL server does not append to it, and `audit verify`
on the untouched SQLite cache still passes afterwards. A copy checked from a config with
no key of its own is not failed by that file either.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import PgCluster
from tests.support.waiting import wait_until
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.config import load_config
from cxinbox.service.checkpoints import parse_line
from cxinbox.store.pg.store import PgStore, read_store_id
from cxinbox.wiring import open_store

_names = iter(range(1, 1_000_000))
SIGNED = re.compile(r"events #1-#(\d+) match (\d+) signed checkpoint\(s\)")


@pytest.fixture
def target(pg_cluster: PgCluster) -> Iterator[str]:
    """An empty database, as `createdb` leaves it for `store copy`."""
    name = f"moved_site_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name)
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One OS user's home: every path below is the platform default under it."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return home


def _config(path: Path, sock: Path, url: str | None = None) -> Path:
    """A config with no [store] path nor [audit] paths: the defaults decide."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = f'[store]\nurl = "{url}"\n\n' if url else ""
    path.write_text(f'[clinic]\ntimezone = "UTC"\n\n{store}[server]\nsocket = "{sock}"\n\n'
                    f'[[staff]]\nos_user = "{ME}"\nname = "Desk"\nrole = "admin"\n')
    return path


def _serve_once(cfg: Path, sock: Path, log: Path) -> str:
    """`cxinbox serve` until it signed into `log`, then stopped (its shutdown checkpoint
    too); its log."""
    with Server(cfg, sock) as server:
        wait_until(lambda: log.exists() and log.read_text().count("\n") >= 1,
                   f"a checkpoint in {log}", timeout=180, detail=lambda: server.log[-2000:])
        assert server.stop() == 0, server.log[-2000:]
        return server.log


def _verify(cfg: Path) -> tuple[int, str, str]:
    proc = cx("audit", "verify", "--config", str(cfg))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def _fill(cfg: Path, events: int) -> None:
    db = open_store(load_config(cfg).db_path)
    try:
        for _ in range(events):
            with db.writing() as tx:
                tx.append_event(ME, "conversation.view", "conversation:1", {})
    finally:
        db.close()


def test_moving_to_postgresql_leaves_the_sqlite_caches_log_alone(
        home: Path, target: str) -> None:
    config_dir = home / ".config" / "cxinbox"
    data = home / ".local" / "share" / "cxinbox"
    with socket_dir() as sockdir:
        lite = _config(config_dir / "config.toml", sockdir / "cx.sock")
        data.mkdir(parents=True, mode=0o700)
        _fill(lite, 12)
        sqlite_log = data / "audit-checkpoints.jsonl"
        _serve_once(lite, sockdir / "cx.sock", sqlite_log)
        kept_config = config_dir / "sqlite.toml"  # the same site as SQLite, same key
        kept_config.write_text(lite.read_text())
        code, out, err = _verify(kept_config)
        assert code == 0, out + err
        found = SIGNED.search(out)
        assert found is not None, out
        sqlite_signed = found.group(0)
        log_before = sqlite_log.read_bytes()

        copied = cx("store", "copy", "--to", target)
        assert copied.returncode == 0, copied.stdout + copied.stderr
        _config(lite, sockdir / "cx.sock", target)  # `[store] url` set in the same config

        # Right after the copy the database has no store id: no log is its, and the
        # SQLite checkpoints (the same key's, the same events) do not judge it.
        code, out, err = _verify(lite)
        assert code == 0, out + err
        assert not SIGNED.search(out) and "FAIL" not in out, out
        assert "no checkpoint log for this database yet: no server has signed it" in out
        assert f"{sqlite_log} is another store's log: not read" in out, out
        assert out.splitlines()[-1] == "audit trail verified", out

        # A command that opened it gave it an id: the SQLite log is still not its own.
        store = PgStore(target, max_size=2)
        try:
            store_id = store.store_id()
        finally:
            store.close()
        code, out, err = _verify(lite)
        assert code == 0, out + err
        assert not SIGNED.search(out) and "FAIL" not in out, out
        assert f"{sqlite_log} (the checkpoint log at an older cxinbox's shared default) is" \
               " not this server's log for this database: not read" in out, out
        assert "mv " not in out, out

        pg_log = config_dir / f"audit-checkpoints-{store_id}.jsonl"
        served = _serve_once(lite, sockdir / "cx.sock", pg_log)
        assert "was missing although the audit signing key exists" not in served, served
        assert sqlite_log.read_bytes() == log_before  # not one line added
        assert {parse_line(line).store for line in pg_log.read_text().splitlines()} \
            == {store_id}
        assert read_store_id(target) == store_id

    code, out, err = _verify(kept_config)  # the fallback copy, untouched: still good
    assert code == 0, out + err
    assert sqlite_signed in out and out.splitlines()[-1] == "audit trail verified", out
    code, out, err = _verify(lite)
    assert code == 0, out + err
    found = SIGNED.search(out)
    assert found is not None and found.group(0) != sqlite_signed, out
    assert out.splitlines()[-1] == "audit trail verified", out


def test_a_fresh_copy_checked_without_a_key_is_not_failed_by_the_caches_log(
        home: Path, target: str, tmp_path: Path) -> None:
    """The PostgreSQL config elsewhere (no key beside it yet), the SQLite cache's log at
    the default place: that file is another store's, whatever it holds."""
    data = home / ".local" / "share" / "cxinbox"
    with socket_dir() as sockdir:
        lite = _config(home / ".config" / "cxinbox" / "config.toml", sockdir / "cx.sock")
        data.mkdir(parents=True, mode=0o700)
        _fill(lite, 5)
        sqlite_log = data / "audit-checkpoints.jsonl"
        _serve_once(lite, sockdir / "cx.sock", sqlite_log)
    copied = cx("store", "copy", "--to", target)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    site = _config(tmp_path / "etc" / "site.toml", tmp_path / "site.sock", target)
    assert not (site.parent / "audit-signing.key").exists()

    code, out, err = _verify(site)
    assert code == 0, out + err
    assert "FAIL" not in out and "no trusted key" not in out, out
    assert f"{sqlite_log} is another store's log: not read" in out, out
    doctor = cx("doctor", "--json", "--config", str(site))
    assert "Traceback" not in doctor.stderr, doctor.stderr
    audit = [f for f in json.loads(doctor.stdout)["findings"]
             if f["text"].startswith("audit: ")]
    assert any("hash chain intact" in f["text"] for f in audit), audit
    assert [f for f in audit if f["level"] == "fail"] == [], audit


def test_a_server_whose_own_log_is_gone_still_raises_the_alarm(
        pg_cluster: PgCluster, tmp_path: Path) -> None:
    """The database keeps a checkpoint this key signed: a missing log is news there (only
    a database this key never signed, as a fresh copy, starts a log quietly)."""
    from tests.test_pg_serve import pg_config

    from cxinbox.service.anchor import Anchor, checkpoint_now

    name = f"moved_site_{os.getpid()}_{next(_names)}"
    pg_cluster.create_migrated_database(name)
    store = PgStore(pg_cluster.url(name), max_size=2)
    try:
        config = load_config(pg_config(tmp_path / "site", tmp_path / "site.sock",
                                       pg_cluster.url(name), {ME: "admin"}))
        with store.writing() as tx:
            tx.append_event(ME, "conversation.view", "conversation:1", {})
        anchor = Anchor(store, config)
        assert anchor.open() is None  # a first start with a new key: nothing to say
        anchor.close()
        assert checkpoint_now(store, config) is not None
        log = config.checkpoint_log_for(store.store_id())
        assert log.read_text().count("\n") == 1
        log.unlink()
        anchor = Anchor(store, config)
        try:
            problem = anchor.open()
        finally:
            anchor.close()
        assert problem is not None and problem.startswith(
            f"{log} was missing although the audit signing key exists"), problem
    finally:
        store.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
