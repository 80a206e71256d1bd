"""Setting a site up on PostgreSQL as the README says, on a real cluster and the real CLI:
the README's own `createdb` and `pg_restore` lines, run as written (with this cluster's
connection options, and the test's role in place of `cxinbox`, which is this cluster's
superuser); what a database left to the superuser, another application's database, a
missing driver, an address that never answers and a password in a readable config each
give (one line, a non-zero exit, nothing written where it must not be).

The server's role is a plain login role made here (`clinic_*`), as `createuser` makes one;
the cluster trusts its socket, so no password is asked."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from tests.support.clirun import cx_here
from tests.support.pgcluster import SUPERUSER, PgCluster
from tests.support.waiting import wait_until
from tests.test_bulk_cli import fill
from tests.test_pg_serve import pg_config
from tests.test_serve_support import Server, cx, env, socket_dir

from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
_names = iter(range(1, 1_000_000))
ADMIN = "qa-admin"
"""An admin on the roster who is not this process's user: the test runs as the server's
own user, which is on no roster (as the README's `cxinbox` service user)."""


def _one_line(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode != 0, (proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def _readme_lines(start: str) -> list[str]:
    """The README's shell lines (inside ```sh blocks) that begin with `start`."""
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL):
        joined = block.replace("\\\n", " ")
        found += [line.strip() for line in joined.splitlines() if line.strip().startswith(start)]
    return found


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def _client(cluster: PgCluster, tool: str) -> list[str]:
    return [str(cluster.bindir / tool), "-h", str(cluster.socket_dir), "-p", str(cluster.port),
            "-U", SUPERUSER]


def _url(cluster: PgCluster, db: str, user: str, password: str = "") -> str:
    who = f"{user}:{password}" if password else user
    return (f"postgresql://{who}@/{db}?host={quote(str(cluster.socket_dir), safe='')}"
            f"&port={cluster.port}")


@pytest.fixture
def role(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"clinic_{os.getpid()}_{next(_names)}"
    pg_cluster.psql(f'CREATE ROLE "{name}" LOGIN')
    yield name
    for db in pg_cluster.psql(f"SELECT datname FROM pg_database d JOIN pg_roles r ON"
                              f" r.oid = d.datdba WHERE r.rolname = '{name}'").split():
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    pg_cluster.psql(f'DROP OWNED BY "{name}" CASCADE; DROP ROLE "{name}"')


def _db_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{next(_names)}"


def _site(tmp_path: Path, sock: Path) -> Path:
    """A SQLite site with three conversations, its roster without this process's user."""
    directory = tmp_path / "site"
    (directory / "data").mkdir(parents=True)
    db = Database(directory / "data" / "cxinbox.db")
    try:
        fill(db, 3)
    finally:
        db.close()
    path = directory / "config.toml"
    path.write_text("\n".join([
        "[clinic]", 'timezone = "UTC"', "", "[store]",
        f'path = "{directory / "data" / "cxinbox.db"}"', "", "[server]", f'socket = "{sock}"',
        "", "[[staff]]", f'os_user = "{ADMIN}"', 'name = "Admin"', 'role = "admin"', ""]))
    return path


def _tables(cluster: PgCluster, db: str) -> set[str]:
    return set(cluster.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                            db).split())


def test_the_readme_steps_copy_serve_verify_and_restore(
        pg_cluster: PgCluster, role: str, tmp_path: Path) -> None:
    # "Moving a site": the database, owned by the role
    (createdb,) = [line for line in _readme_lines("createdb ") if line.endswith(" cxinbox")
                   or "# the copy makes the schema" in line]
    argv = _argv(createdb)
    assert argv[:3] == ["createdb", "-O", "cxinbox"], createdb
    target = _db_name("moved")
    argv = [*_client(pg_cluster, "createdb"), *argv[1:]]
    argv[argv.index("-O") + 1] = role
    argv[-1] = target
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    assert pg_cluster.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname ="
                           f" '{target}'") == role

    with socket_dir() as sockdir:
        site = _site(tmp_path, sockdir / "lite.sock")
        url = _url(pg_cluster, target, role)
        # `sudo -u cxinbox ... cxinbox store copy`: the server's own user, on no roster
        (copy_line,) = _readme_lines("sudo -u cxinbox PGPASSWORD=... cxinbox store copy")
        assert _argv(copy_line)[4:7] == ["cxinbox", "store", "copy"]
        copied = cx("store", "copy", "--to", url, "-c", str(site))
        assert copied.returncode == 0, copied.stderr
        assert copied.stdout.startswith("copied "), copied.stdout
        assert {"conversations", "events", "cxinbox_meta"} <= _tables(pg_cluster, target)
        assert set(pg_cluster.psql("SELECT extname FROM pg_extension", target).split()) >= {
            "pg_trgm", "unaccent"}  # made by the database's owner

        # a server on it (its URL with a password, its config readable by others: warned)
        pg_site = pg_config(tmp_path / "pg", sockdir / "pg.sock",
                            _url(pg_cluster, target, role, "not-a-secret"), {ADMIN: "admin"})
        os.chmod(pg_site, 0o644)
        with Server(pg_site, sockdir / "pg.sock") as server:
            wait_until(lambda: "cxinbox_presence" in _tables(pg_cluster, target),
                       "the server's presence table", timeout=60, interval=0.1,
                       detail=lambda: server.log[-2000:])
            assert server.wait_log("holds the database password", 10), server.log[-2000:]
            assert "not-a-secret" not in server.log
            # README step 5: doctor as the service user, who is on no roster
            doctor = cx("doctor", "-c", str(pg_site))
            # doctor wraps its lines to the terminal: a long temporary path moves the breaks
            said = " ".join(doctor.stdout.split())
            assert f"cxinbox server answering on {sockdir / 'pg.sock'}" in said, doctor.stdout
            assert "FAIL" in said and "holds the database password" in said, doctor.stdout
            assert "not-a-secret" not in doctor.stdout + doctor.stderr
            server.stop()

        # the runtime table is ours: verify passes, a second copy is "already holds data"
        verified = cx("store", "verify", "--to", url, "-c", str(site))
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("the copy matches the cache"), verified.stdout
        # a copy whose cache trail was changed after the fact does not pass
        actor = pg_cluster.psql("SELECT actor FROM events WHERE seq = 1", target)
        pg_cluster.psql("ALTER TABLE events DISABLE TRIGGER USER; UPDATE events SET actor ="
                        " 'someone-else' WHERE seq = 1; ALTER TABLE events ENABLE TRIGGER USER",
                        target)
        tampered = cx("store", "verify", "--to", url, "-c", str(site))
        _one_line(tampered, "the copy differs from the cache", "event #1 was changed")
        pg_cluster.psql("ALTER TABLE events DISABLE TRIGGER USER; UPDATE events SET actor ="
                        f" '{actor}' WHERE seq = 1;"
                        " ALTER TABLE events ENABLE TRIGGER USER", target)
        again = cx("store", "copy", "--to", url, "-c", str(site))
        _one_line(again, "the PostgreSQL database already holds data (")

    # "Backups on PostgreSQL": pg_dump, then the README's createdb and pg_restore
    dump = tmp_path / "cxinbox.dump"
    subprocess.run([str(pg_cluster.bindir / "pg_dump"), "-Fc", "-f", str(dump), "-d", url],
                   check=True, capture_output=True, timeout=120)
    (restore_db,) = _readme_lines("createdb -O cxinbox -E UTF8 -T template0 cxinbox_restored")
    restored = _db_name("restored")
    argv = [*_client(pg_cluster, "createdb"), *_argv(restore_db)[1:]]
    argv[argv.index("-O") + 1] = role
    argv[-1] = restored
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    (restore,) = _readme_lines("pg_restore ")
    argv = _argv(restore)
    argv[0] = str(pg_cluster.bindir / "pg_restore")
    argv[argv.index("-d") + 1] = _url(pg_cluster, restored, role)
    argv[-1] = str(dump)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert _tables(pg_cluster, restored) >= {"conversations", "events", "cxinbox_meta"}


def test_a_database_left_to_the_superuser_names_the_fix(
        pg_cluster: PgCluster, role: str, tmp_path: Path) -> None:
    target = _db_name("theirs")
    subprocess.run([*_client(pg_cluster, "createdb"), "-E", "UTF8", "-T", "template0", target],
                   check=True, capture_output=True, timeout=60)
    with socket_dir() as sockdir:
        site = _site(tmp_path, sockdir / "lite.sock")
        url = _url(pg_cluster, target, role)
        first = cx("store", "copy", "--to", url, "-c", str(site))
        _one_line(first, f"the role {role} may not create the extension pg_trgm",
                  f"createdb -O {role}", "CREATE EXTENSION IF NOT EXISTS pg_trgm;")
        pg_cluster.psql("CREATE EXTENSION pg_trgm; CREATE EXTENSION unaccent", target)
        second = cx("store", "copy", "--to", url, "-c", str(site))
        if pg_cluster.version >= 15:  # before 15 everyone may create in public
            _one_line(second, "may not create tables in schema public",
                      f"GRANT CREATE, USAGE ON SCHEMA public TO {role};")
            assert _tables(pg_cluster, target) == set()
        # the superuser made the schema; the role has no grant on its tables: doctor says
        # which grant, in one line
        made = cx_here("list", "-c", str(pg_config(tmp_path / "su", sockdir / "none.sock",
                                                  pg_cluster.url(target), {})))
        assert made.returncode == 0, made.stderr
        third = cx("store", "copy", "--to", url, "-c", str(site))
        _one_line(third, f"the role {role} lacks privileges on cxinbox_meta",
                  f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};")
        doctor = cx("doctor", "--json", "-c", str(pg_config(tmp_path / "role",
                                                            sockdir / "none.sock", url, {})))
        assert doctor.returncode != 0 and "Traceback" not in doctor.stderr
        failed = [f["text"] for f in json.loads(doctor.stdout)["findings"]
                  if f["level"] == "fail"]
        assert any(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};" in text
                   for text in failed), failed


def test_another_applications_database_is_refused_and_left_alone(
        pg_cluster: PgCluster, role: str, tmp_path: Path) -> None:
    crm = _db_name("crm")
    subprocess.run([*_client(pg_cluster, "createdb"), "-O", role, crm], check=True,
                   capture_output=True, timeout=60)
    pg_cluster.psql(f"SET ROLE {role}; CREATE TABLE customers (id int PRIMARY KEY, name text);"
                    " INSERT INTO customers VALUES (1, 'Acme')", crm)
    with socket_dir() as sockdir:
        config = pg_config(tmp_path / "crm", sockdir / "none.sock", _url(pg_cluster, crm, role),
                           {ADMIN: "admin"})
        listed = cx("list", "-c", str(config))
        _one_line(listed, f"database {crm} holds another application's tables (customers)",
                  "cxinbox_meta")
        doctor = cx("doctor", "--json", "-c", str(config))
        assert doctor.returncode != 0 and "Traceback" not in doctor.stderr
        assert any("holds another application's tables (customers)" in f["text"]
                   for f in json.loads(doctor.stdout)["findings"] if f["level"] == "fail")
        assert _tables(pg_cluster, crm) == {"customers"}
        assert pg_cluster.psql("SELECT extname FROM pg_extension", crm).split() == ["plpgsql"]
        assert pg_cluster.psql("SELECT name FROM customers", crm) == "Acme"

        # an empty database of its own is made ours
        empty = _db_name("empty")
        subprocess.run([*_client(pg_cluster, "createdb"), "-O", role, empty], check=True,
                       capture_output=True, timeout=60)
        fresh = pg_config(tmp_path / "fresh", sockdir / "none.sock",
                          _url(pg_cluster, empty, role), {ADMIN: "admin"})
        ok = cx("list", "-c", str(fresh))
        assert ok.returncode == 0, ok.stderr
        assert "cxinbox_meta" in _tables(pg_cluster, empty)


def test_no_driver_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    with socket_dir() as sockdir:
        config = pg_config(tmp_path / "d", sockdir / "none.sock",
                           "postgresql://cxinbox@/cxinbox?host=/nonexistent", {})
        hide = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None;"
                " from cxinbox.cli import main; sys.argv[0] = 'cxinbox'; main()")
        for args in (["list"], ["store", "verify", "--to", "postgresql://x@/y"],
                     ["audit", "verify"]):
            done = subprocess.run([sys.executable, "-c", hide, *args, "-c", str(config)],
                                  capture_output=True, text=True, env=env(), timeout=120,
                                  check=False)
            _one_line(done, "PostgreSQL support is not installed",
                      "pipx install 'cxinbox[postgresql]'")
            # nothing was checked, so nothing is judged (no FAIL, no "cannot be trusted")
            assert done.stdout == "", (args, done.stdout)
        doctor = subprocess.run([sys.executable, "-c", hide, "doctor", "-c", str(config)],
                                capture_output=True, text=True, env=env(), timeout=120,
                                check=False)
        assert doctor.returncode != 0 and "Traceback" not in doctor.stderr
        assert "PostgreSQL support is not installed" in " ".join(doctor.stdout.split()), (
            doctor.stdout)


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP port that takes connections and never says a word (a listener that never
    accepts: the kernel completes the handshake, nobody answers the startup packet)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_an_address_that_never_answers_is_said_in_seconds(
        black_hole: int, tmp_path: Path) -> None:
    url = f"postgresql://cxinbox@127.0.0.1:{black_hole}/cxinbox"
    with socket_dir() as sockdir:
        config = pg_config(tmp_path / "b", sockdir / "none.sock", url, {ADMIN: "admin"})
        config.write_text(config.read_text().replace(f'url = "{url}"',
                                                     f'url = "{url}"\nconnect_timeout_s = 2'))
        started = time.monotonic()
        listed = cx("list", "-c", str(config))
        took = time.monotonic() - started
        _one_line(listed, "timeout expired (no answer within 2 s; [store] connect_timeout_s")
        # 2 s per address tried, plus the interpreter's start on a busy machine; the old
        # wait was 30 s
        assert took < 20, took


def _config_with(tmp_path: Path, url: str, mode: int) -> Path:
    path = tmp_path / f"c{next(_names)}.toml"
    path.write_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\nurl = "{url}"\n')
    os.chmod(path, mode)
    return path


def test_a_password_in_the_url_is_warned_of_where_others_read_the_file(tmp_path: Path) -> None:
    from cxinbox.config import load_config, url_password_warning

    plain = "postgresql://cxinbox@db.example/cxinbox"
    for url, mode, warned in (
            ("postgresql://cxinbox:pw@db.example/cxinbox", 0o644, True),
            ("postgresql://cxinbox:pw@db.example/cxinbox", 0o640, True),
            ("postgresql://cxinbox@db.example/cxinbox?password=pw", 0o604, True),
            ("postgresql://cxinbox:pw@db.example/cxinbox", 0o600, False),
            (plain, 0o644, False)):
        config = load_config(_config_with(tmp_path, url, mode))
        line = url_password_warning(config)
        assert (line is not None) == warned, (url, oct(mode), line)
        if line is not None:
            assert "pw" not in line.replace("password", "") and "\n" not in line
            assert f"mode {mode:04o}" in line and "PGPASSWORD" in line and ".pgpass" in line


def test_connect_timeout_goes_into_the_url_unless_it_has_its_own(tmp_path: Path) -> None:
    from cxinbox.config import load_config

    plain = load_config(_config_with(tmp_path, "postgresql://c@db/x", 0o600))
    assert plain.store.connect_url == "postgresql://c@db/x?connect_timeout=5"
    query = load_config(_config_with(tmp_path, "postgresql://c@/x?host=/run/pg", 0o600))
    assert query.store.connect_url == "postgresql://c@/x?host=/run/pg&connect_timeout=5"
    own = load_config(_config_with(tmp_path, "postgresql://c@db/x?connect_timeout=9", 0o600))
    assert own.store.connect_url == "postgresql://c@db/x?connect_timeout=9"
    path = _config_with(tmp_path, "postgresql://c@db/x", 0o600)
    path.write_text(path.read_text() + "connect_timeout_s = 0\n")
    bad = cx_here("list", "-c", str(path))
    _one_line(bad, "connect_timeout_s")


def test_a_role_with_table_grants_only_takes_leases_and_records_rounds(
        pg_cluster: PgCluster, role: str) -> None:
    """The setup doctor proposes (the owner migrates, then GRANT ALL ON ALL TABLES): the
    servers' shared runtime tables were made by the migration, so a role without CREATE on
    the schema still takes leases (a server that could not would skip every folder)."""
    target = _db_name("granted")
    subprocess.run([*_client(pg_cluster, "createdb"), "-E", "UTF8", "-T", "template0", target],
                   check=True, capture_output=True, timeout=60)
    pg_cluster.psql("CREATE EXTENSION pg_trgm; CREATE EXTENSION unaccent", target)
    PgStore(pg_cluster.url(target)).close()  # the owner migrates
    pg_cluster.psql(f"GRANT USAGE ON SCHEMA public TO {role};"
                    f" GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};"
                    f" GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}", target)
    store = PgStore(_url(pg_cluster, target, role))
    try:
        lease = store.try_lease("mail:appointments/INBOX")
        assert lease is not None
        lease.release()
        store.note_round("sla")
        assert store.last_round("sla") is not None
    finally:
        store.close()
        pg_cluster.psql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def test_a_fresh_database_with_an_extensions_tables_is_made_ours(
        pg_cluster: PgCluster, role: str) -> None:
    """Relations an extension owns (pg_stat_statements' views here; PostGIS's tables, or
    whatever template1 carries) are not another application's data."""
    target = _db_name("ext")
    subprocess.run([*_client(pg_cluster, "createdb"), "-O", role, target], check=True,
                   capture_output=True, timeout=60)
    pg_cluster.psql("CREATE EXTENSION pg_stat_statements", target)
    store = PgStore(_url(pg_cluster, target, role))
    store.close()
    assert "cxinbox_meta" in _tables(pg_cluster, target)
