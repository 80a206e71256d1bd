"""Backing a PostgreSQL store up is PostgreSQL's own tools' work (README: Backups on
PostgreSQL): a `pg_dump` of a live store, with a server serving and signing checkpoints,
restored with `pg_restore` into a fresh database, passes `audit verify` there (the keys and
the checkpoints travel inside the dump, consistent with its events) and lists the same."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from tests.support.pgcluster import PgCluster
from tests.support.waiting import poll_until
from tests.test_bulk_cli import fill
from tests.test_pg_audit import LEADS, _site_config
from tests.test_serve_support import Server, cx, socket_dir

from cxinbox.store.pg.store import PgStore


def _kept(pg_cluster: PgCluster, name: str) -> int:
    return int(pg_cluster.psql("SELECT count(*) FROM cxinbox_audit_checkpoints", dbname=name))


def test_a_pg_dump_of_a_live_store_restores_and_verifies(pg_cluster: PgCluster,
                                                         tmp_path: Path) -> None:
    live, copy = f"dumped_{os.getpid()}", f"restored_{os.getpid()}"
    pg_cluster.create_database(live)
    store = PgStore(pg_cluster.url(live), max_size=2)
    try:
        fill(store, 12)  # type: ignore[arg-type]
    finally:
        store.close()
    dump = tmp_path / "cxinbox.dump"
    try:
        with socket_dir() as sockdir:
            cfg = _site_config(tmp_path / "site", sockdir / "s.sock", pg_cluster.url(live))
            with Server(cfg, sockdir / "s.sock") as server:
                assert server.wait_log(LEADS, timeout=60)
                assert poll_until(lambda: _kept(pg_cluster, live) >= 1, timeout=60)
                dumped = subprocess.run(
                    [str(pg_cluster.bindir / "pg_dump"), "-Fc", "-f", str(dump),
                     pg_cluster.dsn(live)], capture_output=True, text=True, timeout=120,
                    check=False)
                assert dumped.returncode == 0, dumped.stderr
                listed_live = cx("--local", "list", "--json", "--config", str(cfg))
                assert listed_live.returncode == 0, listed_live.stderr
                server.stop(signal.SIGTERM)
        pg_cluster.psql(f'CREATE DATABASE "{copy}" TEMPLATE template0 ENCODING \'UTF8\''
                        " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        restored = subprocess.run(
            [str(pg_cluster.bindir / "pg_restore"), "--no-owner", "--exit-on-error", "-d",
             pg_cluster.dsn(copy), str(dump)], capture_output=True, text=True, timeout=120,
            check=False)
        assert restored.returncode == 0, restored.stderr

        # Checked from a host with no key of its own: the registered key and the
        # checkpoints kept in the store vouch for the restored trail.
        other = tmp_path / "admin"
        other.mkdir()
        admin_cfg = other / "config.toml"
        admin_cfg.write_text(cfg.read_text().replace(pg_cluster.url(live), pg_cluster.url(copy))
                             .replace(str(tmp_path / "site"), str(other)))
        verify = cx("audit", "verify", "--config", str(admin_cfg))
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "hash chain intact" in verify.stdout
        assert "signed checkpoint(s)" in verify.stdout
        listed = cx("--local", "list", "--json", "--config", str(admin_cfg))
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == json.loads(listed_live.stdout)
        assert json.loads(listed.stdout)["total"] == 12
    finally:
        for name in (live, copy):
            pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
