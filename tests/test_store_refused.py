"""A store that lets this process read but not write is one line and exit 5, never a
traceback (README: Exit codes), on both backends: a PostgreSQL role granted only SELECT,
a SQLite database whose directory its own user cannot write.

`list` and `show` write an audit event of who saw what, so they are refused too; the line
names the table (PostgreSQL) or the file and says what to grant or change.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.support.osusers import OsUsers, cli_as, os_users
from tests.support.pgcluster import PgCluster
from tests.test_bulk_cli import fill
from tests.test_pg_serve import pg_config
from tests.test_serve_support import ME, Server, cx, socket_dir, write_config

from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore

RULE = ('\n[[rules]]\nname = "lab results"\non = "arrival"\nmatch = "mailbox:desk"\n'
        'actions = { tag = "lab" }\n')
COMMANDS = (("--local", "list"), ("--local", "show", "5"), ("--local", "tag", "5", "--add", "x"),
            ("--local", "away", "on"), ("rules", "test", "lab results", "--since", "1d"))


def _one_line(code: int, err: str) -> None:
    assert code == 5, err
    assert "Traceback" not in err and err.endswith("\n") and err.count("\n") == 1, err


def test_a_postgres_role_that_may_only_read_is_told_what_to_grant(
        pg_cluster: PgCluster, tmp_path: Path) -> None:
    name, role = f"refused_{os.getpid()}", f"reader_{os.getpid()}"
    pg_cluster.create_migrated_database(name)
    store = PgStore(pg_cluster.url(name), max_size=2)
    try:
        fill(store, 6)  # type: ignore[arg-type]  # the ingest module runs on both
    finally:
        store.close()
    pg_cluster.psql(f"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role};"
                    f" GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};"
                    f" GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}", dbname=name)
    try:
        url = pg_cluster.url(name).replace("cxinbox@", f"{role}@", 1)
        cfg = pg_config(tmp_path, tmp_path / "s.sock", url, {ME: "admin"})
        cfg.write_text(cfg.read_text() + RULE)
        tables = []
        for argv in COMMANDS:
            done = cx_here(*argv, "--config", str(cfg))
            _one_line(done.returncode, done.stderr)
            assert done.stderr.startswith(f"cxinbox: the database role {role} may not write"
                                          " table "), (argv, done.stderr)
            assert f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};" in done.stderr
            tables.append(done.stderr.split(" table ", 1)[1].split()[0])
        # list and show are refused their audit event; away its own table; rules test
        # whichever write its rehearsal reaches first (a rule's change or its event)
        assert tables[:4] == ["events", "events", "events", "staff_away"], tables
        assert tables[4] in {"events", "conversations"}, tables
        assert pg_cluster.psql("SELECT count(*) FROM staff_away", dbname=name) == "0"
        # tables it may not even read: refused as it opens the store, with the same grant
        pg_cluster.psql(f"REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {role}",
                        dbname=name)
        unread = cx_here("--local", "list", "--config", str(cfg))
        _one_line(unread.returncode, unread.stderr)
        assert f"the role {role} lacks privileges on cxinbox_meta" in unread.stderr, unread.stderr
        assert f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};" in unread.stderr
    finally:
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_cluster.psql(f"DROP ROLE IF EXISTS {role}")


def test_a_grant_taken_from_a_serving_role_is_one_line_through_the_server(
        pg_cluster: PgCluster, tmp_path: Path) -> None:
    """The server's role loses a grant while it serves: the client hears the same one
    line (exit 5), not "server error", and the server logs it without a traceback."""
    name, role = f"served_{os.getpid()}", f"server_{os.getpid()}"
    pg_cluster.create_migrated_database(name)
    store = PgStore(pg_cluster.url(name), max_size=2)
    try:
        fill(store, 6)  # type: ignore[arg-type]
    finally:
        store.close()
    pg_cluster.psql(f"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role};"
                    f" GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};"
                    f" GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}", dbname=name)
    try:
        url = pg_cluster.url(name).replace("cxinbox@", f"{role}@", 1)
        with socket_dir() as sockdir:
            cfg = pg_config(tmp_path, sockdir / "s.sock", url, {ME: "admin"})
            with Server(cfg, sockdir / "s.sock") as server:
                pg_cluster.psql(f"REVOKE INSERT, UPDATE ON staff_away FROM {role}",
                                dbname=name)
                done = cx("away", "on", "--config", str(cfg))
                _one_line(done.returncode, done.stderr)
                assert done.stderr.startswith(f"cxinbox: the database role {role} may not"
                                              " write table staff_away "), done.stderr
                assert server.wait_log("may not write table staff_away")
                assert "Traceback" not in server.log
                listed = cx("list", "--config", str(cfg))  # the rest still serves
                assert listed.returncode == 0, listed.stderr
    finally:
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_cluster.psql(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture(scope="module")
def users() -> Iterator[OsUsers]:
    with os_users() as made:
        yield made


def test_a_sqlite_directory_its_owner_cannot_write_is_one_line(users: OsUsers) -> None:
    """The desk's own user runs `--local` on its cache in a directory made read-only
    (0555): exit 5 with the fix, not "only the server's user may open it" (it is that
    user), nor a traceback from SQLite."""
    me = users.agent
    base = Path(tempfile.mkdtemp(prefix="cxinbox-refused-"))
    try:
        os.chmod(base, 0o755)  # the other user reaches its files through it
        cfg = write_config(base, base / "s.sock", {me.name: "admin"})
        cfg.write_text(cfg.read_text() + RULE)
        os.chmod(cfg, 0o644)
        data = base / "data"
        db = Database(data / "cxinbox.db")
        try:
            fill(db, 6)
        finally:
            db.close()
        for path in (data, *data.iterdir()):
            os.chown(path, me.uid, me.gid)
        os.chmod(data, 0o555)
        # what cli_as's child cannot import itself (the interpreter's files are root's)
        import cxinbox.cli_app  # noqa: F401
        for argv in COMMANDS[:4]:
            code, out, err = cli_as(me, *argv, "--config", str(cfg))
            _one_line(code, err)
            assert f"{data}: read-only for its owner" in err and f"chmod 700 {data}" in err
            assert out == "", out
        os.chmod(data, 0o700)  # writable again: the same command works
        code, out, err = cli_as(me, "--local", "list", "--config", str(cfg))
        assert code == 0 and "Question 5" in out, err
    finally:
        shutil.rmtree(base, ignore_errors=True)

