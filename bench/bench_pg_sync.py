"""Initial sync into PostgreSQL against mbsync: the same Dovecot mailbox, one process tree.

    python bench/bench_pg_sync.py [10000 100000 ...] [--batch 500] [--sqlite] [--src DIR]
                                  [--profile FILE] [--statements N] [--tables]
                                  [--no-mbsync] [--sql SQL] [--after SQL] [--dump DIR]
                                  [--split] [--activity] [--switch-interval S]

For each N: start a private Dovecot, fill INBOX with N generated clinic messages (seed 42,
as bench_sync.py), warm the server, then time
  - cxinbox initial sync into an empty PostgreSQL database, in a throwaway cluster with
    fsync on (tests/support/pgcluster.py, `durable=True`): a child process running the
    sync engine (`MailSync.sync_once`, as `cxinbox serve` runs it: the CLI's `sync --once`
    goes through a server on PostgreSQL);
  - with `--sqlite`, the same sync into a SQLite file, as bench_sync.py does;
  - mbsync's full pull of the same folder into a Maildir (fsync on).
Wall seconds and CPU seconds are printed for each: the child's own CPU and its parse
workers' (from wait4), and for PostgreSQL the server's CPU during the sync too (the
postmaster's and its children's, from /proc), since on one machine the server's work
competes with the sync's. The ratio cxinbox / mbsync (<= 1.0 means cxinbox is at least
as fast) is given in wall time and in CPU time; CPU is the steadier figure on a busy
machine. `--src` runs the sync from another checkout's src/ (a before/after comparison).
`--profile FILE` runs the PostgreSQL sync under cProfile (its main process: the parse
workers are not in it), saves the stats to FILE and prints where the time went, by own
time and by module group; the profiler slows the sync, so its wall and CPU figures are
not the ones to quote. `--statements N` loads pg_stat_statements into the throwaway
cluster and prints the N statements the server spent the most time on during the sync
(calls, total and mean ms, buffers touched per call: a count that grows with the inbox
names a read whose cost grows with it); the extension costs the server a little.
The server's CPU is also printed by kind of process (its backends, autovacuum, the WAL
and background writers), with the load average while the sync ran. `--tables` prints,
per table, the rows inserted and updated, how many updates were HOT (no index touched)
and how often autovacuum and autoanalyze ran. `--sql SQL` runs SQL on the migrated, still
empty database before the sync (a setting or schema change tried without editing the
store), and `--after SQL` runs SQL once the sync is done, with its own wall time and its
backend's CPU (work a try leaves for later, such as search vectors filled afterwards).
`--no-mbsync` skips mbsync (an A/B of the PostgreSQL side alone; no ratios).
`--split` has the child split the writer thread's wall time ("overlap: writer split"): the
wait for the parse workers' batch, for the store's writer place, every psycopg wait for
the server (counted and timed by its kind and the function of ours that asked for it; in
a pipeline a send is a wait too), the writer thread's own CPU inside and outside those
waits (those of 1 ms or more apart: the server's work or the cores, not the wait itself),
and what is left (ready to run but not running: the GIL or the shared cores); it
costs a few microseconds a wait, so it is off unless asked. `--activity` samples
pg_stat_activity every 50 ms during the sync and prints each busy backend's share of
states and wait events (IO:WALSync is a commit's flush, Lock:advisory the intake lock,
active Client:ClientRead and "idle in transaction" the server waiting for the client).
`--switch-interval S` sets the sync child's `sys.setswitchinterval` (how long a thread
that wants the GIL waits before the running one must hand it over; 5 ms by default).
After the sync, the search vectors it left for later (PostgreSQL's pass makes a bulk
sync's on a connection of its own, beside the sync and after it, see service/sync.py
`_Indexer`; before, only after it) are made as that pass makes them and timed as a step of
their own ("then the search index"): the sync's process stops its pass when the sync
returns (at the end of the pass's transaction, within the sync's wall time) and says how
many it left ("left after the sync"), and this step makes exactly those. So the sync's
wall and server CPU include what the pass did beside it, and the sync's wall plus this
step's ("fully searchable after"; the last column against mbsync) is the time until the
last vector is made. Nothing to do for sources that make them with the rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The children run the tree PYTHONPATH names (--src).
if sys.argv[1:2] not in (["--child"], ["--index-child"], ["--vector-child"]):
    sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from mbsync_peer import run_mbsync

from support.dovecot import DovecotServer
from support.mailgen import generate_corpus
from support.pgcluster import PgCluster, pg_cluster
from synchelp import write_config

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_times(pid: int) -> tuple[int, int, float]:
    """(parent pid, start tick, CPU seconds of the process and its reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[0] is the state: utime, stime, cutime, cstime are stat fields 14-17.
    ticks = sum(int(f) for f in fields[11:15])
    return int(fields[1]), int(fields[19]), ticks / _TICK


def server_cpu(cluster: PgCluster) -> float:
    """CPU seconds the cluster has used so far: the postmaster, its live children, and
    (through the postmaster's counts) the children that have exited."""
    postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
    total = _proc_times(postmaster)[2]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, _start, cpu = _proc_times(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == postmaster:
            total += cpu
    return total


def _kind(pid: int) -> str:
    """What a server process is, from the title PostgreSQL gives it."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    for kind in ("autovacuum", "walwriter", "checkpointer", "background writer"):
        if kind in title:
            return kind
    return "backends" if "postgres:" in title else "other"


class ServerSampler:
    """The server's CPU by kind of process (the sync's backend and other connections,
    autovacuum workers, the WAL and background writers): every child of the postmaster
    read from /proc a few times a second, each process counted at the last figure seen
    (a short-lived worker that comes and goes between two looks is missed)."""

    def __init__(self, cluster: PgCluster) -> None:
        self._postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
        self._seen: dict[tuple[int, int], tuple[str, float]] = {}
        self._base: dict[tuple[int, int], float] = {}
        self._stop = threading.Event()
        self._look(base=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _look(self, base: bool = False) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parent, start, cpu = _proc_times(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
            if parent != self._postmaster:
                continue
            key = (int(entry.name), start)
            if base:
                self._base[key] = cpu
            elif key not in self._seen:
                self._seen[key] = (_kind(key[0]), cpu)
            else:
                self._seen[key] = (self._seen[key][0], cpu)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._look()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self._look()
        out: dict[str, float] = {}
        for key, (kind, cpu) in self._seen.items():
            out[kind] = out.get(kind, 0.0) + cpu - self._base.get(key, 0.0)
        return out


class WriterWaits:
    """Where the writer thread's wall time goes, measured in the sync's process: every
    time psycopg blocks for the server on the writer's behalf (`Connection.wait`: one
    wait is one round trip, statements sent and results read) is counted and timed by
    the function of ours that asked for it, and the wait for the store's writer place
    (`PgStore._writer_turn`) apart. What is left of the writer's wall once its waits and
    its thread's own CPU are taken out is time it was ready to run but not running (the
    GIL held by the fetching thread, or the cores busy with other processes)."""

    def __init__(self) -> None:
        import psycopg

        from cxinbox.store.pg.store import PgStore

        self._local = threading.local()
        # caller: [waits, seconds, waits of 1 ms or more, their seconds]
        self.by_caller: dict[str, list[float]] = {}
        self.turn = 0.0
        self.cpu = 0.0  # the writer's CPU inside psycopg's waits (sending, reading)
        wait = psycopg.Connection.wait
        turn = PgStore._writer_turn

        def timed_wait(conn: Any, *args: Any, **kwargs: Any) -> Any:
            if not getattr(self._local, "on", False):
                return wait(conn, *args, **kwargs)
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return wait(conn, *args, **kwargs)
            finally:
                took = time.perf_counter() - start
                self.cpu += time.thread_time() - cpu
                gen = getattr(args[0], "__name__", "?") if args else "?"
                entry = self.by_caller.setdefault(f"{gen} for {_our_caller()}", [0, 0.0, 0, 0.0])
                entry[0] += 1
                entry[1] += took
                if took >= 0.001:  # a wait of 1 ms or more: the server, or the cores, not us
                    entry[2] += 1
                    entry[3] += took

        @contextmanager
        def timed_turn(store: Any) -> Iterator[None]:
            start = time.perf_counter()
            with turn(store):
                if getattr(self._local, "on", False):
                    self.turn += time.perf_counter() - start
                yield

        psycopg.Connection.wait = timed_wait  # type: ignore[method-assign, assignment]
        PgStore._writer_turn = timed_turn  # type: ignore[method-assign, assignment]

    @contextmanager
    def in_writer(self) -> Iterator[None]:
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = False

    def report(self, spent: dict[str, float], file: Any) -> None:
        waited = sum(entry[1] for entry in self.by_caller.values())
        trips = sum(int(entry[0]) for entry in self.by_caller.values())
        outside = spent["cpu"] - self.cpu
        rest = spent["writing"] - spent["parse"] - self.turn - waited - outside
        print(f"overlap: writer split: {spent['writing']:.2f}s ="
              f" parse workers {spent['parse']:.2f}s + writer place {self.turn:.2f}s"
              f" + psycopg waits {waited:.2f}s ({trips} waits, of which the writer's CPU"
              f" {self.cpu:.2f}s) + writer CPU outside them {outside:.2f}s"
              f" + ready but not running {rest:.2f}s", file=file)
        for caller, (n, seconds, slow, slow_s) in sorted(self.by_caller.items(),
                                                         key=lambda kv: -kv[1][1]):
            if seconds < 0.02 and n < 100:
                continue
            print(f"overlap:   {seconds:7.2f}s {int(n):>7} waits"
                  f" {1000 * seconds / max(n, 1):6.2f} ms ({int(slow)} of 1 ms or more:"
                  f" {slow_s:.2f}s)  {caller}", file=file)


def _our_caller() -> str:
    """The innermost function of cxinbox's own (not the connection wrapper) on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/cxinbox/" in name and not name.endswith("store/pg/conn.py"):
            where = name.rsplit("/cxinbox/", 1)[1]
            return f"{where}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "(outside cxinbox)"


class ActivitySampler:
    """What the sync's connections to the server were doing, sampled from
    pg_stat_activity every 50 ms (`--activity`): for each backend of the bench database,
    its state and wait event (active with none: running or queued for a core; idle in
    transaction: waiting for the client's next statement; IO:WALSync and the like: a
    commit's flush; Lock:advisory: the intake lock)."""

    def __init__(self, cluster: PgCluster, name: str, every: float = 0.05) -> None:
        import psycopg

        self._conn = psycopg.connect(cluster.dsn(name), autocommit=True)
        self._every = every
        self.samples: dict[int, dict[str, int]] = {}
        self.looks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        query = ("SELECT pid, state, coalesce(wait_event_type || ':' || wait_event, '')"
                 " FROM pg_stat_activity WHERE datname = current_database()"
                 " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        while not self._stop.wait(self._every):
            self.looks += 1
            for pid, state, event in self._conn.execute(query).fetchall():
                what = state if not event or state != "active" else f"active {event}"
                if state == "active" and not event:
                    what = "active (running or ready)"
                elif event and state != "active":
                    what = f"{state}"
                per = self.samples.setdefault(int(pid), {})
                per[what] = per.get(what, 0) + 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()
        print(f"  server activity ({self.looks} looks, {self._every * 1000:.0f} ms apart),"
              " per backend of the sync that was ever not idle:")
        for pid, per in sorted(self.samples.items(), key=lambda kv: -sum(
                n for what, n in kv[1].items() if what != "idle")):
            busy = sum(n for what, n in per.items() if what != "idle")
            if not busy:
                continue
            total = sum(per.values())
            print(f"    pid {pid}: " + ", ".join(
                f"{what} {100 * n / total:.0f}%" for what, n in
                sorted(per.items(), key=lambda kv: -kv[1])))


def table_stats(cluster: PgCluster, name: str) -> None:
    """Per table: rows updated (HOT: without touching the indexes), autovacuum and
    autoanalyze runs during the sync, and the table's reads: sequential scans and the
    rows they read, index scans (a foreign key's check is one read of the table it
    names, by its primary key unless its plan says otherwise)."""
    rows = cluster.psql(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, autovacuum_count,"
        " autoanalyze_count, coalesce(seq_scan, 0), coalesce(seq_tup_read, 0),"
        " coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0"
        " OR seq_tup_read > 1000 ORDER BY n_tup_ins + n_tup_upd DESC LIMIT 14", name)
    print(f"    {'table':<20} {'inserted':>9} {'updated':>8} {'HOT':>8} {'vacuums':>8}"
          f" {'analyzes':>8} {'seq scans':>9} {'rows read':>11} {'idx scans':>9}")
    for line in rows.splitlines():
        rel, ins, upd, hot, vac, ana, seq, seq_rows, idx = line.split("|")
        print(f"    {rel:<20} {ins:>9} {upd:>8} {hot:>8} {vac:>8} {ana:>8} {seq:>9}"
              f" {seq_rows:>11} {idx:>9}")


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile_summary(path: Path, top: int = 25) -> None:
    """Where the profiled sync's time went: the functions with the most own time, and
    own time summed by area (our layers, the PostgreSQL driver, IMAP, the rest)."""
    import pstats

    stats = pstats.Stats(str(path))
    total = stats.total_tt  # type: ignore[attr-defined]
    raw = stats.stats  # type: ignore[attr-defined]
    rows = sorted(((tt, ct, nc, f) for f, (_cc, nc, tt, ct, _callers) in raw.items()),
                  reverse=True)
    print(f"  profile: {total:.1f}s of own time in the sync's main process; top {top}:")
    for tt, ct, nc, (filename, line, name) in rows[:top]:
        where = filename.rsplit("/site-packages/", 1)[-1].rsplit("/src/", 1)[-1]
        print(f"    {tt:7.2f}s own {ct:7.2f}s cum {nc:>9} calls  {where}:{line} {name}")
    areas: dict[str, float] = {}
    for tt, _ct, _nc, (filename, _line, name) in rows:
        if "cxinbox/" in filename:
            key = "cxinbox/" + filename.split("cxinbox/", 1)[1].split("/", 1)[0]
            key = key if not key.endswith(".py") else "cxinbox (top level)"
        elif "psycopg" in filename:
            key = "psycopg (the PostgreSQL driver)"
        elif "imapclient" in filename or "imaplib" in filename:
            key = "imapclient / imaplib"
        elif filename == "~" and ("poll" in name or "select" in name):
            key = "waiting for the servers (poll)"
        elif filename == "~" and ("acquire" in name or "wait" in name):
            key = "waiting on locks and workers"
        elif filename == "~" and ("SSLSocket" in name or "socket" in name):
            key = "socket reads and writes"
        elif filename == "~":
            key = "built-ins (other)"
        else:
            key = "python stdlib / other"
        areas[key] = areas.get(key, 0.0) + tt
    print("  own time by area:")
    for key, tt in sorted(areas.items(), key=lambda kv: -kv[1]):
        if tt < total / 1000:
            continue
        print(f"    {tt:7.2f}s {100 * tt / total:5.1f}%  {key}")


def top_statements(cluster: PgCluster, name: str, top: int) -> None:
    """The statements the server spent the most time on since the last reset."""
    rows = cluster.psql(
        "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3),"
        " round((shared_blks_hit + shared_blks_read)::numeric / greatest(calls, 1), 1),"
        " rows, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements"
        f" ORDER BY total_exec_time DESC LIMIT {int(top)}", name)
    total = cluster.psql("SELECT round(sum(total_exec_time)::numeric, 1), sum(calls)"
                         " FROM pg_stat_statements", name)
    ms, calls = total.split("|")
    print(f"  server: {float(ms) / 1000:.1f}s executing {calls} statements; top {top}:")
    print(f"    {'calls':>8} {'total ms':>10} {'mean ms':>8} {'bufs/call':>9} {'rows':>8}  query")
    for line in rows.splitlines():
        calls, total_ms, mean, bufs, nrows, query = line.split("|", 5)
        print(f"    {calls:>8} {total_ms:>10} {mean:>8} {bufs:>9} {nrows:>8}  {query[:150]}")


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child and the workers it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cxinbox sync failed: {err.strip()}")
    for line in err.splitlines():
        if line.startswith(("overlap:", "vectors:")):
            print(f"  {line}", flush=True)
    return elapsed, usage.ru_utime + usage.ru_stime


def pg_config(workdir: Path, server: DovecotServer, url: str, batch: int) -> Path:
    cfg = write_config(workdir, server, batch_size=batch)
    lines = [f'url = "{url}"' if line.startswith("path = ") and "cxinbox.db" in line
             else line for line in cfg.read_text().splitlines()]
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


_DUMPED = {  # what the sync stores, each row whole (the raw bytes by their digest)
    "messages": "SELECT * FROM messages ORDER BY id",
    "conversations": "SELECT * FROM conversations ORDER BY id",
    "thread_ids": "SELECT * FROM thread_ids ORDER BY message_id",
    "locations": "SELECT * FROM locations ORDER BY folder_id, uid",
    "raw_messages": "SELECT id, sha256, size, md5(data) FROM raw_messages ORDER BY id",
    "contacts": "SELECT * FROM contacts ORDER BY id",
    "contact_addresses": "SELECT * FROM contact_addresses ORDER BY address",
}


def dump_tables(cluster: PgCluster, name: str, into: Path) -> None:
    """The synced tables' rows, one file a table (`--dump DIR`: compare two runs)."""
    into.mkdir(parents=True, exist_ok=True)
    for table, select in _DUMPED.items():
        (into / f"{table}.tsv").write_text(cluster.psql(f"COPY ({select}) TO STDOUT", name))


def wal_position(cluster: PgCluster) -> int:
    """The server's WAL insert position in bytes (the difference of two: WAL written)."""
    return int(cluster.psql("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn", "postgres")
               .strip().split(".")[0])


def stored_messages(cluster: PgCluster, name: str) -> int:
    return int(cluster.psql("SELECT count(*) FROM messages", name).strip())


def bench(n: int, workdir: Path, batch: int, with_sqlite: bool, src: Path,
          profile: Path | None = None, statements: int = 0,
          tables: bool = False, peer: bool = True, sql: str = "",
          after: str = "", dump: Path | None = None,
          activity: bool = False) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(  # and what the caller's path adds
        p for p in (str(src), os.environ.get("PYTHONPATH", "")) if p)}
    sync = [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config"]
    engine = [sys.executable, str(Path(__file__).resolve()), "--child"]
    if profile is not None:
        engine = [sys.executable, "-m", "cProfile", "-o", str(profile),
                  str(Path(__file__).resolve()), "--child"]
    out: dict[str, float] = {}
    settings = ({"shared_preload_libraries": "pg_stat_statements",
                 "pg_stat_statements.max": "1000"} if statements else {})
    with DovecotServer() as server, pg_cluster(durable=True, settings=settings) as cluster:
        t0 = time.perf_counter()
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        print(f"  filled {n} messages in {time.perf_counter() - t0:.1f}s", flush=True)
        client = server.imap_client()  # warm the server's index and the page cache
        client.select_folder("INBOX", readonly=True)
        client.logout()
        if peer:
            run_mbsync(server, workdir / "warm-maildir")
            shutil.rmtree(workdir / "warm-maildir", ignore_errors=True)

        cluster.create_database("bench")
        if statements:
            cluster.psql("CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset()",
                         "bench")
        cfg = pg_config(workdir / "pg", server, cluster.url("bench"), batch)
        if sql:  # a setting tried on the migrated, still empty database
            migrate = ("import sys; from cxinbox.store.pg.store import PgStore;"
                       " PgStore(sys.argv[1]).close()")
            subprocess.run([sys.executable, "-c", migrate,
                            cluster.url("bench")], env=env, check=True)
            cluster.psql(sql, "bench")
        wal0 = wal_position(cluster)
        before = server_cpu(cluster)
        sampler = ServerSampler(cluster)
        load = os.getloadavg()[0]
        watch = ActivitySampler(cluster, "bench") if activity else None
        out["pg_wall"], out["pg_cpu"] = run_child([*engine, str(cfg)], env)
        if watch is not None:
            watch.stop()
        out["pg_server_cpu"] = server_cpu(cluster) - before
        kinds = sampler.stop()
        out["load"] = (load + os.getloadavg()[0]) / 2
        print(f"  cxinbox → PostgreSQL {out['pg_wall']:.2f}s wall ({n / out['pg_wall']:.0f}"
              f" msg/s), {out['pg_cpu']:.2f}s CPU + server {out['pg_server_cpu']:.2f}s CPU"
              f" (load average {out['load']:.1f})", flush=True)
        print("  server CPU by process: " + ", ".join(
            f"{kind} {cpu:.2f}s" for kind, cpu in sorted(kinds.items(), key=lambda kv: -kv[1])
            if cpu >= 0.01), flush=True)
        wal1 = wal_position(cluster)
        out["wal_bytes"] = wal1 - wal0
        print(f"  WAL written during the sync: {out['wal_bytes'] / 2**20:.1f} MiB"
              f" ({out['wal_bytes'] / n / 1024:.1f} KiB a message)", flush=True)
        # The search vectors a bulk sync leaves for after it (PostgreSQL's pass after
        # the sync, service/sync.py _Indexer): made here as that pass makes them, timed
        # as a step of its own. Nothing to do for a store that makes them with the rows.
        before = server_cpu(cluster)
        sampler = ServerSampler(cluster)
        out["index_wall"], out["index_cpu"] = run_child(
            [sys.executable, str(Path(__file__).resolve()), "--index-child",
             cluster.url("bench")], env)
        out["index_server_cpu"] = server_cpu(cluster) - before
        kinds = sampler.stop()
        out["index_wal_bytes"] = wal_position(cluster) - wal1
        print(f"  then the search index: {out['index_wall']:.2f}s wall, {out['index_cpu']:.2f}s"
              f" CPU + server {out['index_server_cpu']:.2f}s CPU (backends"
              f" {kinds.get('backends', 0.0):.2f}s, autovacuum"
              f" {kinds.get('autovacuum', 0.0):.2f}s), WAL"
              f" {out['index_wal_bytes'] / 2**20:.1f} MiB", flush=True)
        print(f"  fully searchable after {out['pg_wall'] + out['index_wall']:.2f}s wall"
              f" (the sync's and then the search index's), server CPU"
              f" {out['pg_server_cpu'] + out['index_server_cpu']:.2f}s in all", flush=True)
        if after:  # work a try leaves for later, timed as its own step
            import psycopg

            sampler = ServerSampler(cluster)
            with psycopg.connect(cluster.dsn("bench"), autocommit=True) as conn:
                pid = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
                cpu0, t0 = _proc_times(pid)[2], time.perf_counter()
                conn.execute(after)  # type: ignore[arg-type]
                out["after_wall"] = time.perf_counter() - t0
                out["after_server_cpu"] = _proc_times(pid)[2] - cpu0
            others = sampler.stop()
            print(f"  then --after: {out['after_wall']:.2f}s wall, its backend"
                  f" {out['after_server_cpu']:.2f}s CPU (autovacuum meanwhile"
                  f" {others.get('autovacuum', 0.0):.2f}s)", flush=True)
        # Which of the stored messages' vectors this tree's parse workers make themselves
        # (domain/searchvector.py), and what that costs a message: the same function on
        # the same columns, in a process of its own after the timed steps.
        run_child([sys.executable, str(Path(__file__).resolve()), "--vector-child",
                   cluster.url("bench")], env)
        if tables:
            table_stats(cluster, "bench")
        if statements:
            top_statements(cluster, "bench", statements)
        if dump is not None:
            dump_tables(cluster, "bench", dump)
        stored = stored_messages(cluster, "bench")
        if stored != n:
            raise SystemExit(f"PostgreSQL holds {stored} messages after the sync, not {n}")

        if with_sqlite:
            cfg = write_config(workdir / "lite", server, batch_size=batch)
            out["lite_wall"], out["lite_cpu"] = run_child([*sync, str(cfg)], env)

        if peer:
            used = child_cpu()
            out["mb_wall"] = run_mbsync(server, workdir / "maildir")
            out["mb_cpu"] = child_cpu() - used
            # Said now: removing the folders of a large N can take minutes.
            print(f"  mbsync               {out['mb_wall']:.2f}s wall,"
                  f" {out['mb_cpu']:.2f}s CPU (load average {os.getloadavg()[0]:.1f})",
                  flush=True)
    return out


def child(config_path: Path) -> None:
    """One initial sync into the config's PostgreSQL database (the measured process)."""
    from cxinbox.channels.credentials import resolve_password
    from cxinbox.config import load_config
    from cxinbox.service import sync
    from cxinbox.service.sync import MailSync
    from cxinbox.store.pg.store import PgStore

    # Which half of the overlapped sync sets its wall time: the writer's time storing
    # batches, and the fetching thread's time waiting to hand one over (two clock reads
    # a batch).
    spent = {"writing": 0.0, "handing": 0.0, "parse": 0.0, "cpu": 0.0}
    store_batch, put = sync.MailSync._store_batch, sync._BatchWriter.put
    waits = WriterWaits() if os.environ.get("BENCH_SPLIT") else None

    def timed_store(self: Any, *args: Any, **kwargs: Any) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            future = kwargs.get("future", args[6] if len(args) > 6 else None)
            if future is not None:  # the parse workers' batch, waited for here (cached)
                with suppress(Exception):  # _store_batch handles it as it does
                    future.result()
                spent["parse"] += time.perf_counter() - start
            if waits is None:
                store_batch(self, *args, **kwargs)
            else:
                with waits.in_writer():
                    store_batch(self, *args, **kwargs)
        finally:
            spent["writing"] += time.perf_counter() - start
            spent["cpu"] += time.thread_time() - cpu

    def timed_put(self: Any, item: Any) -> None:
        start = time.perf_counter()
        try:
            put(self, item)
        finally:
            spent["handing"] += time.perf_counter() - start

    sync.MailSync._store_batch = timed_store  # type: ignore[method-assign]
    sync._BatchWriter.put = timed_put  # type: ignore[method-assign]
    if os.environ.get("BENCH_SWITCH_INTERVAL"):  # --switch-interval: the GIL's hand-over
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    config = load_config(config_path)
    assert config.store.url is not None
    store = PgStore(config.store.url)
    engine = MailSync(store, config, lambda a: resolve_password(a.name, a.credentials))
    try:
        start = time.perf_counter()
        engine.sync_once()
        wall = time.perf_counter() - start
        engine.close()  # the pass beside the sync stops at the end of its transaction
        closed = time.perf_counter() - start - wall
        with store.reading() as tx:
            stored = tx.conn.execute("SELECT count(*) FROM messages"
                                     ).fetchone()[0]  # type: ignore[attr-defined]
            table = tx.conn.execute("SELECT to_regclass('message_unindexed')"
                                    ).fetchone()[0]  # type: ignore[attr-defined]
            left = tx.conn.execute(_UNINDEXED[table is None]
                                   ).fetchone()[0]  # type: ignore[attr-defined]
    finally:
        engine.close()
        store.close()
    print(f"overlap: search vectors left after the sync {left} of {stored} (the others"
          f" made by the pass beside it, or with their rows; the engine's close took"
          f" {closed:.2f}s)",
          file=sys.stderr)
    print(f"overlap: of the sync's {wall:.1f}s the writer stored batches"
          f" {spent['writing']:.1f}s, the fetching thread waited to hand one over"
          f" {spent['handing']:.1f}s", file=sys.stderr)
    if waits is not None:
        waits.report(spent, file=sys.stderr)


_UNINDEXED = ("SELECT count(*) FROM message_unindexed",
              "SELECT count(*) FROM messages WHERE search IS NULL")
"""Messages left without a vector: marked in their own table, or (before it, `--src`) a
NULL column."""


def index_child(url: str) -> None:
    """The search vectors the sync left for later, made as the sync's pass after it makes
    them (transactions of 500; none where the store makes them with the rows)."""
    from cxinbox.store.pg.store import PgStore

    store = PgStore(url)
    try:
        while True:
            with store.writing() as tx:
                if tx.index_pending(500) == 0:
                    break
        with store.reading() as tx:
            table = tx.conn.execute("SELECT to_regclass('message_unindexed')"
                                    ).fetchone()[0]  # type: ignore[attr-defined]
            left = tx.conn.execute(_UNINDEXED[table is None]
                                   ).fetchone()[0]  # type: ignore[attr-defined]
        if left:
            raise SystemExit(f"{left} messages left without a search vector")
    finally:
        store.close()


def vector_child(url: str) -> None:
    """How many stored messages' vectors the parse workers of the tree on the path make,
    and the CPU it takes them a message (each message's three columns as stored, the
    map asked of the server as a sync asks it)."""
    from cxinbox.store.pg.store import PgStore

    if not hasattr(PgStore, "search_vectors"):  # `--src` of a tree before them
        print("vectors: this tree leaves every vector to the server", file=sys.stderr)
        return
    store = PgStore(url)
    try:
        words = store.search_vectors()
        with store.reading() as tx:
            rows = tx.conn.execute("SELECT subject, sender, body_text FROM messages"
                                   ).fetchall()  # type: ignore[attr-defined]
    finally:
        store.close()
    if words is None:
        print("vectors: the server's vectors could not be matched here", file=sys.stderr)
        return
    made, spent = 0, []
    for subject, sender, body in rows:
        start = time.process_time()
        vector = words.vector(subject, sender, body)
        spent.append(time.process_time() - start)
        made += vector is not None
    spent.sort()
    total = sum(spent)
    print(f"vectors: made by the cxinbox server for {made} of {len(rows)} messages;"
          f" {total:.2f}s CPU, {total / max(1, len(rows)) * 1e6:.0f} us a message"
          f" (median {spent[len(spent) // 2] * 1e6:.0f}, 99th percentile"
          f" {spent[len(spent) * 99 // 100] * 1e6:.0f})", file=sys.stderr)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]))
        return
    if sys.argv[1:2] == ["--index-child"]:
        index_child(sys.argv[2])
        return
    if sys.argv[1:2] == ["--vector-child"]:
        vector_child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--batch", type=int, default=500, help="[sync] batch_size")
    parser.add_argument("--sqlite", action="store_true", help="also sync into SQLite")
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the cxinbox sources the sync runs (default: this checkout's)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="profile the PostgreSQL sync; cProfile stats go to this file")
    parser.add_argument("--statements", type=int, default=0, metavar="N",
                        help="print the server's N costliest statements (pg_stat_statements)")
    parser.add_argument("--sql", default="",
                        help="SQL run on the migrated empty database before the sync (a try)")
    parser.add_argument("--after", default="",
                        help="SQL run after the sync, timed apart (work a try defers)")
    parser.add_argument("--no-mbsync", action="store_true",
                        help="skip mbsync (an A/B of the PostgreSQL side alone: no ratios)")
    parser.add_argument("--tables", action="store_true",
                        help="print each table's inserts, updates (HOT), autovacuum runs")
    parser.add_argument("--split", action="store_true",
                        help="split the writer's wall time (psycopg waits by caller, CPU)")
    parser.add_argument("--switch-interval", type=float, default=None, metavar="S",
                        help="the sync child's sys.setswitchinterval (Python's is 0.005 s)")
    parser.add_argument("--activity", action="store_true",
                        help="sample the sync's backends in pg_stat_activity every 50 ms")
    parser.add_argument("--dump", type=Path, default=None, metavar="DIR",
                        help="write the synced tables' rows to DIR/N/TABLE.tsv (after the"
                             " search index step): two runs' rows compared with diff")
    args = parser.parse_args()
    if args.split:
        os.environ["BENCH_SPLIT"] = "1"
    if args.switch_interval is not None:
        os.environ["BENCH_SWITCH_INTERVAL"] = str(args.switch_interval)
    rows = []
    for n in args.sizes:
        print(f"N = {n}", flush=True)
        with tempfile.TemporaryDirectory(prefix="cxinbox-bench-") as tmp:
            workdir = Path(tmp)
            for sub in ("pg", "lite"):
                (workdir / sub).mkdir()
            r = bench(n, workdir, args.batch, args.sqlite, args.src.resolve(), args.profile,
                      args.statements, args.tables, not args.no_mbsync,
                      args.sql, args.after,
                      None if args.dump is None else args.dump / str(n), args.activity)
        rows.append((n, r))
        if "lite_wall" in r:
            print(f"  cxinbox → SQLite     {r['lite_wall']:.2f}s wall"
                  f" ({n / r['lite_wall']:.0f} msg/s), {r['lite_cpu']:.2f}s CPU", flush=True)
        if args.profile is not None:
            profile_summary(args.profile)
    print()
    print(f"{'N':>8} {'pg/mbsync wall':>15} {'pg/mbsync CPU':>14} {'(CPU with server)':>18}"
          f" {'sqlite/mbsync wall':>19} {'(pg + index)/mbsync wall':>25}")
    for n, r in rows:
        if "mb_wall" not in r:
            continue
        lite = f"{r['lite_wall'] / r['mb_wall']:>19.2f}" if "lite_wall" in r else f"{'-':>19}"
        print(f"{n:>8} {r['pg_wall'] / r['mb_wall']:>15.2f} {r['pg_cpu'] / r['mb_cpu']:>14.2f}"
              f" {(r['pg_cpu'] + r['pg_server_cpu']) / r['mb_cpu']:>18.2f} {lite}"
              f" {(r['pg_wall'] + r['index_wall']) / r['mb_wall']:>25.2f}")
    print("target: initial sync ratio <= 1.0 (issue #16)")


if __name__ == "__main__":
    main()
