"""Several `cxinbox serve` processes on one PostgreSQL database: staff actions and the
change feed across servers.

    python bench/bench_pg_serve.py [--servers 3] [--clients 5] [--actions 100]
                                   [--conversations 600] [--pings 100]

A throwaway cluster (tests/support/pgcluster.py, `durable=True`: fsync on) holds
`--conversations` one-message conversations; `--servers` real `cxinbox serve` processes
run on it, each with its own config file and socket.

  quiet        a pinger on server 1 tags a conversation of its own every 100 ms,
               `--pings` times; a watcher on every other server long-polls its feed:
               propagation = the tag call's start -> the event in the other server's feed
               (one process holds pinger and watchers, so one clock), p50/p95/max;
               and from the pinger's answer to the arrival (0 when the other server's
               feed had it first): what the feed adds to the action itself
  under load   `--clients` client processes per server, each its own connection doing
               `--actions` staff actions (tag, status, priority, note) on conversations of
               its own: throughput (actions/s over the wall time), the servers' CPU
               meanwhile (a busy machine stretches the wall, less the CPU) and per-action
               p50/p95;
               the pinger and watchers run meanwhile, as above
  legs         for both: where each ping's time went, by wall clock (one machine): the
               call to the event's time (`at`, the server's clock as it appended), to
               PostgreSQL's commit timestamp (track_commit_timestamp), to the pinger's
               answer; the commit to its NOTIFY reaching a listener of the bench's own,
               and to the event in the other servers' feeds (p50/p95 of each); under
               load also what the servers' backends were doing (pg_stat_activity
               sampled every 20 ms: waiting on the chain's lock, on the WAL flush, on
               their server process, or running), and the load average
  afterwards   every action's event is in the log, the event chain verifies
  bulk         with `--inbox N`: the store holds N generated conversations instead
               (bench_pg_views.py's inbox, set-based; 100,000 give ~50,000 closed email
               ones; their report facts computed first unless `--stale-facts`: the
               leader server then catches up on all of them during the run), and after
               the load `cxinbox tag 'status:closed -channel:sms' --add
               ... --yes --json` runs through server 1 (the real CLI, process start
               included), then the same bulk tag through one API call on server 2:
               wall time (goal < 5 s) with that server's CPU beside it; then a bulk
               status change of the closed SMS conversations (~16,600 of 100,000) to
               pending through one API call on the last server (every one a status
               event: the reports' spans and staff work are kept for each)

`--statements N` loads pg_stat_statements (nested statements too: those of triggers and
functions) into the throwaway cluster and, after each bulk tag, prints the N statements
the server spent the most time on, and the time of each PL/pgSQL function (triggers
included, `track_functions`); the extension costs the server a little.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import random
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

ME = pwd.getpwuid(os.getuid()).pw_name
PING_CONV = 1
PING_EVERY_S = 0.1
BULK_QUERY = "status:closed -channel:sms"
STATUS_QUERY = "status:closed channel:sms"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cluster_cpu_s(datadir: Path) -> float:
    """CPU seconds of a cluster's postmaster and its children (the backends), live ones."""
    try:
        master = int((datadir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == master or int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def config_for(directory: Path, sock: Path, url: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text("\n".join([
        "[clinic]", 'timezone = "UTC"', "", "[store]", f'url = "{url}"', "", "[server]",
        f'socket = "{sock}"', "", "[[staff]]", f'os_user = "{ME}"', 'name = "Bench Desk"',
        'role = "admin"', ""]))
    return path


def start_server(config: Path, sock: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("CXINBOX_LOCAL", "CXINBOX_CONFIG")}
    env["PYTHONPATH"] = str(ROOT / "src")
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "serve", "--config",
                                 str(config)], stdout=out, stderr=out, env=env)
    deadline = time.monotonic() + 30
    while "listening on" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server did not start: {log.read_text(errors='replace')}")
        time.sleep(0.05)
    return proc


async def connect(sock: Path) -> Any:
    from cxinbox.api.socket_client import SocketAPI, probe

    found = probe(sock)
    if found is None:
        raise SystemExit(f"{sock}: no server answering")
    return SocketAPI(sock, *found)


# ------------------------------------------------------------------------- staff clients


def client_run(sock: str, seed: int, actions: int, convs: list[int]) -> list[float]:
    return asyncio.run(_client(Path(sock), seed, actions, convs))


async def _client(sock: Path, seed: int, actions: int, convs: list[int]) -> list[float]:
    rng = random.Random(seed)
    api = await connect(sock)
    took: list[float] = []
    try:
        for n in range(actions):
            conv = rng.choice(convs)
            kind = rng.choice(("tag", "tag", "status", "priority", "note"))
            started = time.perf_counter()
            if kind == "tag":
                add, remove = rng.sample(("q-a", "q-b", "q-c"), 2)
                await api.tag(conv, [add], [remove])
            elif kind == "status":
                await api.set_status(conv, rng.choice(("open", "pending", "closed")))
            elif kind == "priority":
                await api.set_priority(conv, rng.choice(("normal", "high", "urgent")))
            else:
                await api.add_note(conv, f"bench note {seed}-{n}")
            took.append(time.perf_counter() - started)
    finally:
        await api.aclose()
    return took


# ------------------------------------------------------------------------- propagation


class Legs:
    """Where each ping's time went, by wall clock (one machine, so the server's event
    time, PostgreSQL's commit timestamp and this process's stamps share a clock): the
    pinger's call (start, answer) and every watcher's arrival by seq; the seqs' NOTIFY
    as a listener of our own got it (`Listener`)."""

    def __init__(self) -> None:
        self.pings: dict[int, tuple[float, float]] = {}
        self.arrived: dict[int, list[float]] = {}
        self.notified: dict[int, float] = {}

    def report(self, url: str) -> None:
        import psycopg

        if not self.pings:
            return
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT seq, at, extract(epoch FROM pg_xact_commit_timestamp(xmin))"
                " FROM events WHERE seq = ANY(%s)", (list(self.pings),)).fetchall()
        # A NOTIFY names the last seq of its transaction; a ping's seq is the last of its
        # own (one event), so each ping has its own notification.
        legs: dict[str, list[float]] = {}

        def add(name: str, value: float) -> None:
            legs.setdefault(name, []).append(value)

        for seq, at_ms, committed in rows:
            start, answer = self.pings[seq]
            at = at_ms / 1000
            add("call -> event time (lock granted)", at - start)
            if committed is not None:
                committed = float(committed)
                add("event time -> commit", committed - at)
                add("commit -> pinger's answer", answer - committed)
                if seq in self.notified:
                    add("commit -> NOTIFY heard", self.notified[seq] - committed)
                for got in self.arrived.get(seq, []):
                    add("commit -> other feed", got - committed)
                    if seq in self.notified:
                        add("NOTIFY -> other feed", got - self.notified[seq])
            add("call -> answer", answer - start)
            for got in self.arrived.get(seq, []):
                add("call -> other feed", got - start)
        print("  where a ping's time went (wall clock; commit = PostgreSQL's timestamp):")
        for name, values in legs.items():
            print(line("  " + name, values))


class Listener:
    """A LISTEN of our own on the change channel, on a thread: when each seq's NOTIFY
    reached a client process (what a server's commit watch hears, less its own wake)."""

    def __init__(self, url: str, legs: Legs) -> None:
        import threading

        self.url, self.legs = url, legs
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        import psycopg

        from cxinbox.store.dialect import CHANGE_CHANNEL

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANGE_CHANNEL}")
            self._ready.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=0.2):
                    # the seq alone, or the event as a JSON array that starts with it
                    head = note.payload.lstrip("[").split(",", 1)[0].rstrip("]")
                    if head.isdigit():
                        self.legs.notified.setdefault(int(head), time.time())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class WaitSampler:
    """pg_stat_activity every `every_s` on a thread: what the bench database's backends
    (those of the servers) were doing, counted by state and wait event."""

    def __init__(self, url: str, every_s: float = 0.02) -> None:
        import threading

        self.url, self.every_s = url, every_s
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(self.every_s):
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 40)"
                    " FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    " AND state IS DISTINCT FROM 'idle'").fetchall()
                self.samples += 1
                for state, kind, event, query in rows:
                    if state == "active" and kind is None:
                        key = "active, on CPU: " + " ".join(query.split())[:30]
                    elif kind == "Client":
                        key = f"{state}: waiting for its client ({event})"
                    else:
                        key = f"{state}: {kind}/{event}"
                    self.counts[key] = self.counts.get(key, 0) + 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def report(self) -> None:
        if not self.samples:
            return
        print(f"  the servers' backends, not idle, mean count over {self.samples} samples of"
              " pg_stat_activity:")
        for key, count in sorted(self.counts.items(), key=lambda kv: -kv[1])[:12]:
            print(f"    {count / self.samples:6.2f}  {key}")



async def propagation(socks: list[Path], pings: int | None, until: Any = None,
                      label: str = "p", legs: Legs | None = None,
                      ) -> tuple[list[float], list[float], int]:
    """Ping on socks[0], watch on the others; seconds from each tag call's start to its
    arrival in every other server's feed, and from the pinger's answer (the commit is
    done) to that arrival. Runs `pings` times, or while `until()` is false."""
    pinger = await connect(socks[0])
    watchers = [await connect(s) for s in socks[1:]]
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    arrived: list[tuple[str, float]] = []
    walls = legs if legs is not None else Legs()
    seen: list[float] = []
    done = asyncio.Event()
    ready: list[asyncio.Event] = []

    async def watch(api: Any, started: asyncio.Event) -> None:
        seq = await api.last_event_seq()
        started.set()
        while not done.is_set():
            changes = await api.wait_events(seq, 2.0)
            now = time.monotonic()
            for event in changes.events:
                for tag in event.details.get("add", []) if event.action == \
                        "conversation.tag" else []:
                    if tag in sent:
                        seen.append(now - sent[tag])
                        arrived.append((tag, now))
                        walls.arrived.setdefault(event.seq, []).append(time.time())
            seq = changes.head

    for _ in watchers:
        ready.append(asyncio.Event())
    tasks = [asyncio.create_task(watch(w, r)) for w, r in zip(watchers, ready, strict=True)]
    # Every watcher has read where its feed starts before the first ping (a ping before
    # that read would be behind it, never seen: on a busy machine the read can take
    # longer than any fixed pause).
    for started in ready:
        await started.wait()
    await asyncio.sleep(0.3)  # and is waiting on its feed
    n = 0
    while (pings is not None and n < pings) or (pings is None and not until()):
        tag = f"{label}-{n}"
        sent[tag] = time.monotonic()
        wall_sent = time.time()
        seq = await pinger.tag(PING_CONV, [tag], [])
        acked[tag] = time.monotonic()
        walls.pings[seq] = (wall_sent, time.time())
        n += 1
        await asyncio.sleep(PING_EVERY_S)
    deadline = time.monotonic() + 5.0
    while len(seen) < n * len(watchers) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    done.set()
    for task in tasks:
        task.cancel()
    for api in (pinger, *watchers):
        await api.aclose()
    missing = n * len(watchers) - len(seen)
    if missing:
        counts: dict[str, int] = {}
        for tag, _ in arrived:
            counts[tag] = counts.get(tag, 0) + 1
        which = [tag for tag in sent if counts.get(tag, 0) < len(watchers)]
        print(f"  !! {missing} of {n * len(watchers)} pings never arrived"
              f" ({', '.join(which[:8])})")
    return seen, [max(0.0, at - acked[tag]) for tag, at in arrived], n


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"  {name:<28} n={len(ms):<5} p50 {pct(ms, 0.5):7.1f} ms   p95 {pct(ms, 0.95):7.1f}"
            f" ms   max {max(ms) if ms else float('nan'):7.1f} ms")


def top_statements(cluster: Any, top: int) -> None:
    """The server's `top` costliest statements since the last reset, and its functions."""
    if not top:
        return
    rows = cluster.psql(
        "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3),"
        " rows, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements"
        f" ORDER BY total_exec_time DESC LIMIT {int(top)}", "bench")
    print(f"    {'calls':>8} {'total ms':>10} {'mean ms':>8} {'rows':>8}  statement")
    for row in rows.splitlines():
        calls, total_ms, mean, nrows, query = row.split("|", 4)
        print(f"    {calls:>8} {total_ms:>10} {mean:>8} {nrows:>8}  {query[:140]}")
    funcs = cluster.psql(
        "SELECT funcname, calls, round(total_time::numeric, 1), round(self_time::numeric, 1)"
        " FROM pg_stat_user_functions ORDER BY total_time DESC LIMIT 8", "bench")
    for row in funcs.splitlines():
        name, calls, total_ms, self_ms = row.split("|")
        print(f"    function {name}: {calls} calls, {total_ms} ms ({self_ms} ms own)")


def reset_statements(cluster: Any, top: int) -> None:
    if top:
        cluster.psql("SELECT pg_stat_statements_reset(); SELECT pg_stat_reset()", "bench")


def bulk(config: Path, procs: list[subprocess.Popen[bytes]], socks: list[Path],
         datadir: Path, cluster: Any = None, statements: int = 0) -> None:
    """The bulk tag through server 1 (the CLI) and server 2 (one API call), with the CPU
    of the server, of PostgreSQL (its backends; the other servers idle meanwhile) and of
    the caller (the CLI process, or this one decoding the answer)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CXINBOX_LOCAL", "CXINBOX_CONFIG")}
    env["PYTHONPATH"] = str(ROOT / "src")
    reset_statements(cluster, statements)
    cpu0, pg0 = cpu_s(procs[0].pid), cluster_cpu_s(datadir)
    kids0 = os.times()
    t0 = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "cxinbox", "tag", BULK_QUERY, "--add",
                          "bulk-cli", "--yes", "--json", "--config", str(config)],
                         capture_output=True, text=True, env=env, check=False)
    cli_s = time.perf_counter() - t0
    cli_cpu = cpu_s(procs[0].pid) - cpu0
    cli_pg = cluster_cpu_s(datadir) - pg0
    kids = os.times()
    cli_own = (kids.children_user - kids0.children_user) + (
        kids.children_system - kids0.children_system)
    if cli.returncode != 0:
        print(f"bulk: the CLI failed: {cli.stderr.strip()}")
        return
    matched = json.loads(cli.stdout)["matched"]
    if statements:
        print("  the server's statements during the CLI's bulk tag:")
        top_statements(cluster, statements)
        reset_statements(cluster, statements)

    async def one_call() -> float:
        api = await connect(socks[1])
        try:
            started = time.perf_counter()
            await api.bulk_tag(BULK_QUERY, ["bulk-api"], [])
            return time.perf_counter() - started
        finally:
            await api.aclose()

    cpu1, pg1, own1 = cpu_s(procs[1].pid), cluster_cpu_s(datadir), time.process_time()
    api_s = asyncio.run(one_call())
    api_cpu = cpu_s(procs[1].pid) - cpu1
    api_pg = cluster_cpu_s(datadir) - pg1
    api_own = time.process_time() - own1
    print(f"bulk tag over {matched:,} matches ({BULK_QUERY!r}), goal < 5 s:")
    print(f"  CLI via server 1 (process start included) {cli_s:6.2f} s wall,"
          f" CPU: server {cli_cpu:5.2f} s, PostgreSQL {cli_pg:5.2f} s, CLI {cli_own:5.2f} s")
    print(f"  one API call on server 2                  {api_s:6.2f} s wall,"
          f" CPU: server {api_cpu:5.2f} s, PostgreSQL {api_pg:5.2f} s, caller"
          f" {api_own:5.2f} s")
    if statements:
        print("  the server's statements during the API's bulk tag:")
        top_statements(cluster, statements)

    async def status_call() -> tuple[float, int]:
        api = await connect(socks[-1])
        try:
            started = time.perf_counter()
            done = await api.bulk_status(STATUS_QUERY, "pending")
            return time.perf_counter() - started, len(done.changed)
        finally:
            await api.aclose()

    reset_statements(cluster, statements)
    cpu2, pg2 = cpu_s(procs[-1].pid), cluster_cpu_s(datadir)
    status_s, changed = asyncio.run(status_call())
    print(f"bulk status of {changed:,} conversations ({STATUS_QUERY!r} -> pending),"
          f" one API call on server {len(procs)}: {status_s:6.2f} s wall, CPU: server"
          f" {cpu_s(procs[-1].pid) - cpu2:5.2f} s, PostgreSQL"
          f" {cluster_cpu_s(datadir) - pg2:5.2f} s")
    if statements:
        print("  the server's statements during the bulk status:")
        top_statements(cluster, statements)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", type=int, default=3)
    ap.add_argument("--clients", type=int, default=5, help="per server")
    ap.add_argument("--actions", type=int, default=100, help="per client")
    ap.add_argument("--conversations", type=int, default=600)
    ap.add_argument("--pings", type=int, default=100)
    ap.add_argument("--inbox", type=int, default=0,
                    help="generated conversations instead of --conversations, and the bulk"
                         " tag after the load (100000: ~50,000 matches)")
    ap.add_argument("--stale-facts", action="store_true",
                    help="with --inbox: leave the reports' facts stale, so the leader server"
                         " catches up during the measurement (as after an upgrade)")
    ap.add_argument("--statements", type=int, default=0, metavar="N",
                    help="with --inbox: the server's N costliest statements during each bulk"
                         " tag (pg_stat_statements)")
    args = ap.parse_args()
    if args.servers < 2:
        raise SystemExit("--servers: at least 2 (the feed crosses servers)")

    from tests.support.pgcluster import pg_cluster
    from tests.test_bulk_cli import fill

    from cxinbox.store.db import walk_event_chain
    from cxinbox.store.pg.store import PgStore

    settings = ({"shared_preload_libraries": "pg_stat_statements",
                 "pg_stat_statements.max": "1000", "pg_stat_statements.track": "all",
                 "track_functions": "pl"} if args.statements else {})
    settings["track_commit_timestamp"] = "on"  # the legs' commit time
    with pg_cluster(durable=True, settings=settings) as cluster, tempfile.TemporaryDirectory(
            prefix="cxpb-", dir="/tmp") as scratch:
        cluster.create_database("bench")
        if args.statements:
            cluster.psql("CREATE EXTENSION pg_stat_statements", "bench")
        url = cluster.url("bench")
        store = PgStore(url, max_size=2)
        started = time.perf_counter()
        if args.inbox:
            from bench.bench_pg_views import fill as generate

            generate(url, args.inbox, int(time.time()))
            # A desk's steady state: the reports' facts are up to date (the generated
            # rows marked every conversation stale), so the servers' background
            # catch-up does not run through the measurement; --stale-facts leaves it.
            if not args.stale_facts:
                facts = time.perf_counter()
                with store.writing() as tx:
                    tx.refresh_report_facts()
                print(f"report facts of {args.inbox:,} conversations computed in"
                      f" {time.perf_counter() - facts:.1f} s", flush=True)
            with store.read() as conn:
                convs = [int(r[0]) for r in conn.execute(
                    "SELECT id FROM conversations ORDER BY id")]
        else:
            convs = fill(store, args.conversations)  # type: ignore[arg-type]
        print(f"load average {os.getloadavg()[0]:.1f}; "
              f"{len(convs)} conversations stored in {time.perf_counter() - started:.1f} s;"
              f" {args.servers} servers x {args.clients} clients x {args.actions} actions")
        base = Path(scratch)
        socks, procs = [], []
        try:
            for i in range(args.servers):
                sock = base / f"s{i}.sock"
                cfg = config_for(base / f"s{i}", sock, url)
                procs.append(start_server(cfg, sock, base / f"s{i}.log"))
                socks.append(sock)
            with store.read() as conn:
                head_before = int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

            print("quiet (only the pinger):")
            quiet_legs = Legs()
            listener = Listener(url, quiet_legs)
            quiet, quiet_ack, pinged = asyncio.run(
                propagation(socks, args.pings, label="quiet", legs=quiet_legs))
            listener.close()
            print(line("propagation", quiet))
            print(line("  after the commit's answer", quiet_ack))
            quiet_legs.report(url)

            workers = args.servers * args.clients
            mine = [c for c in convs if c != PING_CONV]
            slices = [mine[i::workers] for i in range(workers)]
            ctx = get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                pool.submit(pct, [1.0], 0.5).result()  # the pool's processes are up
                load_legs = Legs()
                listener = Listener(url, load_legs)
                sampler = WaitSampler(url)
                cpu0 = sum(cpu_s(p.pid) for p in procs)
                t0 = time.perf_counter()
                futures = [pool.submit(client_run, str(socks[i % args.servers]), i,
                                       args.actions, slices[i]) for i in range(workers)]
                loaded, loaded_ack, more = asyncio.run(propagation(
                    socks, None, until=lambda: all(f.done() for f in futures), label="load",
                    legs=load_legs))
                took = [t for f in futures for t in f.result()]
                wall = time.perf_counter() - t0
                cpu = sum(cpu_s(p.pid) for p in procs) - cpu0
                sampler.close()
                listener.close()
            print(f"under load ({workers} clients):")
            print(f"  throughput                   {len(took) / wall:7.0f} actions/s"
                  f" ({len(took)} in {wall:.1f} s; the servers' CPU {cpu:.1f} s,"
                  f" {cpu * 1000 / len(took):.1f} ms an action)")
            print(line("action", took))
            print(line("propagation", loaded))
            print(line("  after the commit's answer", loaded_ack))
            load_legs.report(url)
            sampler.report()
            print(f"  load average {os.getloadavg()[0]:.1f}")

            with store.read() as conn:
                head = int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
                walk = walk_event_chain(conn)  # type: ignore[arg-type]
            appended, expected = head - head_before, len(took) + pinged + more
            print(f"afterwards: {appended} events appended, {expected} actions and pings"
                  f" sent{'' if appended >= expected else ' - SOME LOST'}; chain "
                  + ("intact" if walk.bad_seq is None else f"BROKEN: {walk.problem}"))
            print(f"cross-server propagation p95 (quiet / under load): "
                  f"{pct(quiet, 0.95) * 1000:.0f} / {pct(loaded, 0.95) * 1000:.0f} ms"
                  " (goal < 500 ms)")
            if args.inbox:
                bulk(base / "s0" / "config.toml", procs, socks, cluster.datadir, cluster,
                     args.statements)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            store.close()


if __name__ == "__main__":
    main()
