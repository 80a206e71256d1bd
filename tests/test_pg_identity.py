"""On PostgreSQL a server names its database as `postgresql://host:port/dbname` (never the
user or password) and the database's own id; a command whose config names another
database is refused in one line (exit 5) and changes nothing; the same database, however
its URL is spelled, is served."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.support.pgcluster import PgCluster
from tests.test_bulk_cli import fill
from tests.test_pg_serve import pg_config
from tests.test_serve_support import ME, Server, cx, env, socket_dir

from cxinbox.api.socket_probe import probe
from cxinbox.config import load_config, pg_database_name
from cxinbox.store.pg.store import PgStore

_names = iter(range(1, 1_000_000))


@pytest.fixture
def two_databases(pg_cluster: PgCluster) -> Iterator[tuple[str, str]]:
    names = [f"ident_{next(_names)}" for _ in range(2)]
    urls = []
    for name in names:
        pg_cluster.create_database(name)
        store = PgStore(pg_cluster.url(name), max_size=2)
        try:
            fill(store, 3)  # type: ignore[arg-type]  # the ingest module runs on both
        finally:
            store.close()
        urls.append(pg_cluster.url(name))
    yield urls[0], urls[1]
    for name in names:
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _status(url: str, conv: int) -> str:
    store = PgStore(url, max_size=1)
    try:
        return str(store.conn.execute("SELECT status FROM conversations WHERE id = ?",
                                      (conv,)).fetchone()[0])
    finally:
        store.close()


def test_the_database_is_named_without_user_or_password() -> None:
    assert pg_database_name("postgresql://desk:s3cret@db.example:6543/inbox") \
        == "postgresql://db.example:6543/inbox"
    assert pg_database_name("postgres://desk@db.example/inbox?sslmode=require") \
        == "postgresql://db.example:5432/inbox"
    assert pg_database_name("postgresql://desk@/inbox?host=/run/postgresql/&port=5433") \
        == "postgresql:///run/postgresql:5433/inbox"
    assert pg_database_name("postgresql://desk@db.example") == "postgresql://db.example:5432/desk"
    assert "s3cret" not in pg_database_name("postgresql://u:s3cret@h/d?password=s3cret")


def test_a_server_on_another_postgresql_database_is_refused(
        tmp_path: Path, two_databases: tuple[str, str]) -> None:
    theirs, ours = two_databases
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        stray = pg_config(tmp_path / "stray", sock, theirs, {ME: "admin"})
        mine = pg_config(tmp_path / "mine", sock, ours, {ME: "admin"})
        with Server(stray, sock) as server:
            found = probe(sock)
            assert found is not None
            hello, conn = found
            conn.close()
            stray_id = PgStore(theirs, max_size=1)
            try:
                assert hello.store_id == stray_id.store_id() and len(hello.store_id) == 36
            finally:
                stray_id.close()
            assert hello.store == (pg_database_name(theirs),)
            for args in (["status", "id:1", "closed", "-y"], ["list"], ["list", "--json"],
                         ["show", "1"]):
                # a child for the first (exit status, stderr), this process for the rest
                proc = (cx if args[0] == "status" else cx_here)(*args, "-c", str(mine))
                assert proc.returncode == 5 and proc.stdout == "", (args, proc.stderr)
                lines = proc.stderr.splitlines()
                assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
                assert pg_database_name(theirs) in lines[0]
                assert pg_database_name(ours) in lines[0]
                assert hello.store_id in lines[0] and "not talking to it" in lines[0]
            assert _status(theirs, 1) == "open" and _status(ours, 1) == "open"
            # The config naming the server's own database, spelt otherwise (a password
            # and an option more), is served.
            assert "@/" in theirs
            same = pg_config(tmp_path / "same", sock, theirs.replace("@/", ":not-shown@/", 1)
                             + "&application_name=desk", {ME: "admin"})
            assert load_config(same).store_identity == load_config(stray).store_identity
            done = cx_here("status", "id:1", "closed", "-y", "-c", str(same))
            assert done.returncode == 0, done.stderr
            assert _status(theirs, 1) == "closed" and _status(ours, 1) == "open"
            assert "not talking" not in server.log
            refused = cx_here("list", "-c", str(pg_config(
                tmp_path / "other", sock, ours.replace("@/", ":not-shown@/", 1), {ME: "admin"})))
            assert refused.returncode == 5 and "not-shown" not in refused.stderr


def test_one_database_reached_by_another_name_is_served(
        tmp_path: Path, two_databases: tuple[str, str]) -> None:
    """The server's URL names the cluster's socket directory, the client's a link to it:
    two names (no host in common), one database, whose store id both read; served. A
    config on the other database, by the same link, is still refused."""
    ours, other = two_databases
    real = ours.split("host=", 1)[1].split("&", 1)[0]
    from urllib.parse import quote, unquote

    link = tmp_path / "pg-link"
    link.symlink_to(unquote(real))
    by_link = ours.replace(real, quote(str(link), safe=""))
    assert pg_database_name(by_link) != pg_database_name(ours)
    with socket_dir() as sockdir:
        sock = sockdir / "s.sock"
        server_cfg = pg_config(tmp_path / "server", sock, ours, {ME: "admin"})
        client = pg_config(tmp_path / "client", sock, by_link, {ME: "admin"})
        with Server(server_cfg, sock) as server:
            done = cx("status", "id:1", "closed", "-y", "-c", str(client))
            assert done.returncode == 0, done.stderr
            assert _status(ours, 1) == "closed"
            assert server.wait_log('msg="client connected"', timeout=30)  # through the server
            health = cx_here("status", "-c", str(client))
            assert "not talking" not in health.stdout + health.stderr
            # `list` (its own quick path to the socket) agrees, from a fresh child (the
            # path taken) and again with the config's facts remembered.
            for _ in range(2):
                listed = cx("list", "--json", "-c", str(client))
                assert listed.returncode == 0, listed.stderr
                assert len(json.loads(listed.stdout)["conversations"]) == 3
            # Without the postgresql extra, staff commands still work through the server
            # (it holds the driver); only commands that open the database stop.
            hide = ("import sys; sys.modules['psycopg'] = None;"
                    " sys.modules['psycopg_pool'] = None; from cxinbox.cli import main;"
                    " sys.argv[0] = 'cxinbox'; main()")
            for args in (["list", "--json"], ["show", "1", "--json"], ["status"]):
                bare = subprocess.run([sys.executable, "-c", hide, *args, "-c",
                                       str(server_cfg)], capture_output=True, text=True,
                                      env=env(), timeout=120, check=False)
                assert "not installed" not in bare.stdout + bare.stderr, (args, bare.stderr)
                assert "Traceback" not in bare.stderr, bare.stderr
                if args[0] == "status":
                    assert bare.stdout.startswith("CXINBOX "), bare.stdout
                    assert "PostgreSQL" in bare.stdout, bare.stdout
                else:
                    assert bare.returncode == 0, (args, bare.stderr)
                    assert json.loads(bare.stdout), args
            audit = subprocess.run([sys.executable, "-c", hide, "audit", "verify", "-c",
                                    str(server_cfg)], capture_output=True, text=True,
                                   env=env(), timeout=120, check=False)
            assert audit.returncode != 0 and audit.stdout == "", audit.stdout
            assert "PostgreSQL support is not installed" in audit.stderr, audit.stderr
            elsewhere = pg_config(tmp_path / "elsewhere", sock,
                                  other.replace(real, quote(str(link), safe="")),
                                  {ME: "admin"})
            refused = cx("list", "-c", str(elsewhere))
            assert refused.returncode == 5 and "not talking to it" in refused.stderr
            assert len(refused.stderr.splitlines()) == 1
            assert _status(other, 1) == "open"
