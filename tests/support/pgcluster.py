"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temp directory,
a Unix socket only (no TCP port, so parallel runs cannot collide), no system service.

`pg_cluster()` runs `initdb` and `pg_ctl start` and yields a `PgCluster` whose `dsn()` a
client (psycopg, psql) connects with; leaving the context stops the server at once
(`-m immediate`: nothing in it outlives the test) and removes the directory.

PostgreSQL refuses to run as root, and tests run as root in CI: then the server runs as a
system user made for it (`cxinbox-pgtest`, created once with `useradd --system`, never
deleted: creating and deleting users for every test session would race parallel runs),
and the directory belongs to that user. The test process connects as the database
superuser through the socket with `trust` authentication, which is safe because the socket
lives in a 0700 directory of this run.

The server is tuned for tests, not for safety: `fsync=off`, `synchronous_commit=off`,
`full_page_writes=off`. Crash tests that need real durability pass `durable=True`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .deathwatch import DeathWatch

SERVICE_USER = "cxinbox-pgtest"
SUPERUSER = "cxinbox"
"""The database superuser initdb creates (not an OS user: peer auth is not used)."""


class PgClusterError(RuntimeError):
    """The cluster could not be set up; the message says which step and why."""


def find_bindir() -> Path | None:
    """Where Debian keeps the server binaries (`/usr/lib/postgresql/N/bin`), newest first;
    `$CXINBOX_PG_BINDIR` overrides."""
    override = os.environ.get("CXINBOX_PG_BINDIR")
    if override:
        return Path(override) if (Path(override) / "initdb").exists() else None
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted((p for p in root.iterdir() if p.name.isdigit()),
                          key=lambda p: int(p.name), reverse=True)
        for version in versions:
            if (version / "bin" / "initdb").exists():
                return version / "bin"
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass(frozen=True)
class PgCluster:
    bindir: Path
    datadir: Path
    socket_dir: Path
    port: int
    version: int
    options: str = ""
    """The server's `pg_ctl -o` options (`start_server` starts it with them again)."""

    def stop_server(self) -> None:
        """Stop the server as an admin's `pg_ctl stop` does (fast: sessions are ended)."""
        _step([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w",
               "stop"], _service_user(), "pg_ctl stop", self.datadir.parent)

    def start_server(self) -> None:
        """Start the stopped server again, as it was started."""
        _step([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
               str(self.datadir.parent / "server.log"), "-o", self.options, "-w", "-t", "60",
               "start"], _service_user(), "pg_ctl start", self.datadir.parent)

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string over the cluster's Unix socket."""
        return f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        """The same as a `postgresql://` URL (the form `[store] url` takes)."""
        from urllib.parse import quote

        return (f"postgresql://{SUPERUSER}@/{dbname}?host={quote(str(self.socket_dir), safe='')}"
                f"&port={self.port}")

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run `sql` with psql; its output (tuples only, unaligned)."""
        result = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-d", self.dsn(dbname), "-c", sql],
            capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            raise PgClusterError(f"psql: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """A fresh database with the extensions the store uses; its DSN."""
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''
                  " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        self.psql("CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS"
                  " unaccent", dbname=name)
        return self.dsn(name)

    def create_migrated_database(self, name: str) -> str:
        """A fresh database already at the newest schema; its DSN. The first call migrates
        one template database with the store's own `migrate` (what `PgStore` does on an
        empty database); each call copies it (`CREATE DATABASE … TEMPLATE`), which costs
        a fraction of migrating again. Tests of migrating itself use `create_database`."""
        with _TEMPLATE_LOCK:
            if self.socket_dir not in _MIGRATED_TEMPLATE:
                from cxinbox.store.pg.store import PgStore

                self.create_database(MIGRATED_TEMPLATE)
                PgStore(self.url(MIGRATED_TEMPLATE), min_size=1, max_size=1).close()
                _MIGRATED_TEMPLATE.add(self.socket_dir)
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{MIGRATED_TEMPLATE}"')
        # A copy keeps the template's objects, not its database-level settings: what the
        # migration sets on the database it runs in (schema.py: jit off) is set again.
        self.psql(f'ALTER DATABASE "{name}" SET jit = off')
        return self.dsn(name)


MIGRATED_TEMPLATE = "cxinbox_migrated_template"
_MIGRATED_TEMPLATE: set[Path] = set()
"""Socket directories of the clusters whose template is made (one cluster per process)."""
_TEMPLATE_LOCK = threading.Lock()


def _service_user() -> tuple[int, int] | None:
    """(uid, gid) to run the server as, or None when this process may run it itself."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             SERVICE_USER], capture_output=True, text=True, timeout=30, check=False)
        # exit 9: created meanwhile by a parallel run
        if result.returncode not in (0, 9):
            raise PgClusterError(f"useradd {SERVICE_USER}: {result.stderr.strip()}") from None
        entry = pwd.getpwnam(SERVICE_USER)
    return entry.pw_uid, entry.pw_gid


def _as(ids: tuple[int, int] | None) -> dict[str, object]:
    if ids is None:
        return {}
    uid, gid = ids
    return {"user": uid, "group": gid, "extra_groups": []}


def _step(argv: list[str], ids: tuple[int, int] | None, what: str, cwd: Path) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=cwd,
                            check=False, **_as(ids))  # type: ignore[call-overload]
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise PgClusterError(f"{what} failed: {' | '.join(tail)}")


@contextlib.contextmanager
def pg_cluster(*, durable: bool = False,
               settings: dict[str, str] | None = None) -> Iterator[PgCluster]:
    """`settings`: more server settings (`-c name=value`), e.g. a bench's
    `shared_preload_libraries`."""
    bindir = find_bindir()
    if bindir is None:
        raise PgClusterError("PostgreSQL server binaries not found (apt-get install"
                             " postgresql); or set CXINBOX_PG_BINDIR")
    ids = _service_user()
    root = Path(tempfile.mkdtemp(prefix="cxinbox-pg-"))
    datadir, socket_dir = root / "data", root / "run"
    socket_dir.mkdir()
    if ids is not None:
        for path in (root, socket_dir):
            os.chown(path, *ids)
    os.chmod(root, 0o700)
    os.chmod(socket_dir, 0o700)
    port = 5432 + os.getpid() % 20000  # names the socket file only; no TCP listener
    started = False
    watch: DeathWatch | None = None
    try:
        _step([str(bindir / "initdb"), "-D", str(datadir), "-U", SUPERUSER, "-A", "trust",
               "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
              ids, "initdb", root)
        options = [f"-k {socket_dir}", "-c listen_addresses=''", f"-p {port}",
                   "-c max_connections=200", "-c shared_buffers=64MB"]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off",
                        "-c full_page_writes=off"]
        options += [f"-c {name}={value}" for name, value in (settings or {}).items()]
        watch = _watch(bindir, datadir, root, ids)
        _step([str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(root / "server.log"),
               "-o", " ".join(options), "-w", "-t", "60", "start"], ids, "pg_ctl start", root)
        started = True
        version = int((datadir / "PG_VERSION").read_text().strip().split(".")[0])
        yield PgCluster(bindir, datadir, socket_dir, port, version, " ".join(options))
    finally:
        if started:
            with contextlib.suppress(PgClusterError, subprocess.TimeoutExpired):
                _step([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w",
                       "stop"], ids, "pg_ctl stop", root)
        shutil.rmtree(root, ignore_errors=True)
        if watch is not None:
            watch.release()


def _watch(bindir: Path, datadir: Path, root: Path,
           ids: tuple[int, int] | None) -> DeathWatch:
    """The cluster stopped and removed if this process dies without doing it (pg_ctl
    detaches the postmaster: a killed test run would leave it running). Armed before
    `pg_ctl start`: a run killed while the server starts leaves nothing either."""
    pg_ctl = shlex.quote(str(bindir / "pg_ctl"))
    return DeathWatch(f"{pg_ctl} -D {shlex.quote(str(datadir))} -m immediate -w stop;"
                      f" rm -rf {shlex.quote(str(root))}", cwd=root,
                      **_as(ids))  # type: ignore[arg-type]


# -- a streaming-replication standby, for failover tests -------------------------------------

_standbys = iter(range(1, 1000))


def _ctl(cluster: PgCluster, *args: str, what: str) -> None:
    _step([str(cluster.bindir / "pg_ctl"), "-D", str(cluster.datadir), *args],
          _service_user(), what, cluster.datadir.parent)


def stop_immediately(cluster: PgCluster) -> None:
    """The server dies as a crashed host's would: no checkpoint, sessions cut."""
    _ctl(cluster, "-m", "immediate", "-w", "stop", what="pg_ctl stop -m immediate")


def promote(cluster: PgCluster) -> None:
    """`pg_ctl promote` a standby and wait until it takes writes."""
    _ctl(cluster, "-w", "-t", "60", "promote", what="pg_ctl promote")


def in_recovery(cluster: PgCluster) -> bool:
    """Whether the server is a standby (replaying a primary's WAL)."""
    return cluster.psql("SELECT pg_is_in_recovery()") == "t"


def streaming_standbys(primary: PgCluster, *, synchronous: bool = False) -> int:
    """How many standbys stream from `primary` (with `synchronous`: as synchronous ones)."""
    state = " AND sync_state = 'sync'" if synchronous else ""
    return int(primary.psql("SELECT count(*) FROM pg_stat_replication"
                            f" WHERE state = 'streaming'{state}"))


def pair_url(primary: PgCluster, standby: PgCluster, dbname: str) -> str:
    """A `[store] url` naming both servers, as libpq's multi-host form does: each
    connection goes to whichever of them takes writes (`target_session_attrs`)."""
    from urllib.parse import quote

    hosts = ",".join(quote(str(c.socket_dir), safe="") for c in (primary, standby))
    return (f"postgresql://{SUPERUSER}@/{dbname}?host={hosts}"
            f"&port={primary.port},{standby.port}&target_session_attrs=read-write")


@contextlib.contextmanager
def pg_standby(primary: PgCluster, *, synchronous: bool = False,
               slot: str | None = None) -> Iterator[PgCluster]:
    """A hot standby of `primary`: `pg_basebackup -R` (which writes its `standby.signal`
    and `primary_conninfo`) into a temp directory of its own, started on another port and
    streaming. With `synchronous`, the primary then names it in
    `synchronous_standby_names`, so a commit returns only once the standby has it; set
    after the copy, so a promoted standby does not wait for a standby of its own. Leaving
    the context stops it at once and removes its directory. With `slot`, the copy makes a
    physical replication slot of that name on the primary (`pg_basebackup -C -S`) and the
    standby streams through it.

    The store's pooled sessions commit with `synchronous_commit = on` whatever the
    cluster's default, so they wait for a synchronous standby; statements of `psql` here
    follow the test cluster's default (off) and do not."""
    ids = _service_user()
    root = Path(tempfile.mkdtemp(prefix="cxinbox-pg-standby-"))
    datadir, socket_dir = root / "data", root / "run"
    socket_dir.mkdir()
    if ids is not None:
        for path in (root, socket_dir):
            os.chown(path, *ids)
    os.chmod(root, 0o700)
    os.chmod(socket_dir, 0o700)
    port = primary.port + 20000 + next(_standbys)
    options = primary.options.replace(f"-k {primary.socket_dir}", f"-k {socket_dir}") \
        .replace(f"-p {primary.port}", f"-p {port}")
    standby = PgCluster(primary.bindir, datadir, socket_dir, port, primary.version, options)
    started = False
    watch: DeathWatch | None = None
    try:
        _step([str(primary.bindir / "pg_basebackup"), "-D", str(datadir), "-h",
               str(primary.socket_dir), "-p", str(primary.port), "-U", SUPERUSER, "-R",
               "-X", "stream", "-c", "fast", "--no-sync",
               *(("-C", "-S", slot) if slot else ())], ids, "pg_basebackup", root)
        watch = _watch(primary.bindir, datadir, root, ids)
        standby.start_server()
        started = True
        from tests.support.waiting import wait_until

        wait_until(lambda: streaming_standbys(primary) > 0, "the standby to stream",
                   timeout=60, interval=0.2)
        if synchronous:
            primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
            primary.psql("SELECT pg_reload_conf()")
            wait_until(lambda: streaming_standbys(primary, synchronous=True) > 0,
                       "the standby to be synchronous", timeout=60, interval=0.2)
        yield standby
    finally:
        if started:
            with contextlib.suppress(PgClusterError, subprocess.TimeoutExpired):
                stop_immediately(standby)
        shutil.rmtree(root, ignore_errors=True)
        if watch is not None:
            watch.release()
