"""Soak benchmark: one `cxinbox serve` on the 100k inbox for an hour of ordinary desk life.

    python bench/bench_soak.py [--minutes 60] [--conversations 100000] [--clients 10]
                               [--reconnecting 2] [--action-interval 1.0]

What runs, all on loopback, all started and stopped by this script:

  server       `cxinbox serve` on a scratch copy of bench_tui's cached inbox
  mail         a private Dovecot; one message delivered every second into the INBOX the
               server keeps in sync (IDLE)
  SMS          the local SMS provider (tests/support/smsprovider.py); one inbound text every
               5 s, polled by the server every 5 s
  clients      N client processes, each its own socket connection, each acting (tag,
               assign, status, note) on conversations of its own about once per
               `--action-interval` seconds and following the change feed as the TUI does
               (long-poll, first page reloaded at most every 2 s); the first
               `--reconnecting` of them drop their connection and reconnect every minute

Sampled: the server's RSS, open file descriptors and threads (from /proc) every 10 s, the
machine's load average next to them, and every action's latency.

Reported at the end, each against its target:
  RSS growth   from the end of the warm-up (the first 5 minutes) to the end: < 10 %
  fd growth    from the end of the warm-up to the end: none
  latency      p95 per 5-minute window (1-minute windows for runs under 20 minutes): flat
               (the last window within 1.5x of the first after warm-up, or within 20 ms)
  nothing lost every delivered mail and SMS is in the cache exactly once; every action's
               event is in the log exactly as often as it was acknowledged; every touched
               conversation ends in the state its client last set; the hash chain verifies
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.bench_serve import BENCH_TAGS, p, random_action, start_server
from bench.bench_serve import write_config as serve_config

CLINIC = "+15550100100"
SAMPLE_S = 10.0
RELOAD_EVERY_S = 2.0
CATCH_UP_S = 180.0


# ------------------------------------------------------------------------- the clients


def client_run(sock: str, index: int, conv_ids: list[int], t_start: float, t_end: float,
               interval: float, reconnect_s: float | None) -> dict[str, Any]:
    """One client process, acting until the wall clock reaches `t_end`."""
    return asyncio.run(_client(Path(sock), index, conv_ids, t_start, t_end, interval,
                               reconnect_s))


async def _watch(api: Any, stop: asyncio.Event) -> int:
    """The TUI's loop: long-poll for changes, reload the first page (at most every 2 s)."""
    head = await api.last_event_seq()
    reloads = 0
    last = 0.0
    while not stop.is_set():
        changes = await api.wait_events(head, 1.0)
        head = changes.head
        if changes.events and time.monotonic() - last >= RELOAD_EVERY_S:
            await api.list_conversations("", 0, 50)
            last = time.monotonic()
            reloads += 1
    return reloads


async def _client(sock: Path, index: int, conv_ids: list[int], t_start: float, t_end: float,
                  interval: float, reconnect_s: float | None) -> dict[str, Any]:
    from cxinbox.api.socket_client import SocketAPI, probe

    rng = random.Random(2000 + index)
    samples: list[tuple[float, float]] = []  # (seconds since start, latency)
    reconnects: list[float] = []
    errors: list[str] = []
    expected: dict[int, dict[str, Any]] = {c: {"tags": set(), "notes": 0} for c in conv_ids}
    counts: dict[str, int] = {}
    reloads = 0
    i = 0
    while time.time() < t_end:
        session_end = t_end if reconnect_s is None else min(t_end, time.time() + reconnect_s)
        t0 = time.perf_counter()
        found = probe(sock)
        if found is None:
            errors.append("probe found no server")
            await asyncio.sleep(1.0)
            continue
        api = SocketAPI(sock, *found)
        try:
            await api.list_conversations("", 0, 50)  # what the TUI shows first
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"first page: {type(exc).__name__}")
        reconnects.append(time.perf_counter() - t0)
        stop = asyncio.Event()
        watcher = asyncio.create_task(_watch(api, stop))
        while time.time() < session_end:
            conv = rng.choice(conv_ids)
            kind = rng.choice(("tag", "assign", "status", "note"))
            state = expected[conv]
            t1 = time.perf_counter()
            try:
                action = await random_action(api, rng, kind, conv, state,
                                             f"soak client {index} note {i}")
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{kind} #{conv}: {type(exc).__name__}: {exc}")
            else:
                samples.append((time.time() - t_start, time.perf_counter() - t1))
                key = f"conversation:{conv}|{action}"
                counts[key] = counts.get(key, 0) + 1
            i += 1
            pause = interval * rng.uniform(0.5, 1.5)
            await asyncio.sleep(max(0.0, min(pause, session_end - time.time())))
        stop.set()
        try:
            reloads += await asyncio.wait_for(watcher, 5.0)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"watcher: {type(exc).__name__}")
        await api.aclose()
    return {"samples": samples, "reconnects": reconnects, "errors": errors,
            "counts": counts, "reloads": reloads,
            "expected": {c: {**s, "tags": sorted(s["tags"])} for c, s in expected.items()}}


# ------------------------------------------------------------------------- the feeders


def deliver_mail(dovecot: Any, stop: threading.Event, sent: list[str]) -> None:
    """One message a second; `sent` collects the Message-IDs (without brackets)."""
    i = 0
    while not stop.is_set():
        mid = f"soak-{i}-{time.time_ns()}@bench.example"
        raw = (f"From: Patient {i} <soak{i % 500}@patient.example>\r\n"
               "To: live@clinic.example\r\n"
               f"Subject: Soak question {i}\r\nMessage-ID: <{mid}>\r\n"
               f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
               f"\r\nHello, question {i}.\r\n").encode()
        dovecot.deliver(raw)
        sent.append(mid)
        i += 1
        stop.wait(1.0)


def deliver_sms(provider: Any, stop: threading.Event, sent: list[str]) -> None:
    """One inbound text every 5 s from a pool of 50 patients; `sent` collects the sids."""
    i = 0
    while not stop.is_set():
        patient = f"+1555777{i % 50:04d}"
        sent.append(provider.inject_inbound(patient, CLINIC, f"Soak text {i}",
                                            at=datetime.now(UTC)))
        i += 1
        stop.wait(5.0)


class Sampler(threading.Thread):
    """The server's RSS, fds and threads from /proc, and the load average, every 10 s."""

    def __init__(self, pid: int, t_start: float, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.t_start = t_start
        self.halt = stop
        self.rows: list[dict[str, float]] = []

    def sample(self) -> dict[str, float] | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return None
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {"t": time.time() - self.t_start,
                "rss_kb": float(fields["VmRSS"].split()[0]),
                "fds": float(fds), "threads": float(fields["Threads"].strip()),
                "load1": float(Path("/proc/loadavg").read_text().split()[0])}

    def run(self) -> None:
        while not self.halt.is_set():
            row = self.sample()
            if row is not None:
                self.rows.append(row)
            self.halt.wait(SAMPLE_S)


# ------------------------------------------------------------------------- the setup


def write_config(work: Path, db_path: Path, sock: Path, dovecot: Any, provider: Any) -> Path:
    """bench_serve's config (roster, the live account) plus the SMS provider."""
    path = serve_config(work, db_path, sock, dovecot)
    token = work / "sms.token"
    token.write_text(provider.token + "\n")
    os.chmod(token, 0o600)
    path.write_text(path.read_text() + "\n".join([
        "", "[sms]", f'base_url = "{provider.base_url}"',
        f'account_sid = "{provider.account_sid}"', "verify_tls = false",
        f'password_file = "{token}"', "poll_seconds = 5", "",
        "[[sms.numbers]]", f'number = "{CLINIC}"', 'name = "Desk"', ""]))
    return path


def start_server_with_cache(config: Path, log: Path, kib: int) -> subprocess.Popen[bytes]:
    """`cxinbox serve` with another SQLite page cache per connection (a diagnostic: RSS
    that still grows with a small cache is not the caches filling up)."""
    launcher = ("import sys; import cxinbox.store.db as db; db.DEFAULT_CACHE_KIB ="
                " int(sys.argv[1]); from cxinbox.cli import main; main(sys.argv[2:])")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", launcher, str(kib), "serve",
                                 "--config", str(config)], stdout=out, stderr=out, env=env)
    deadline = time.monotonic() + 60
    while "listening on" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return proc


def wait_synced(db_path: Path, mail: list[str], sms: list[str], deadline_s: float) -> None:
    """Until the server has stored every delivered mail and text (or the deadline)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        got_mail, got_sms = stored_counts(db_path, mail, sms)
        if set(got_mail) >= set(mail) and set(got_sms) >= set(sms):
            return
        time.sleep(1.0)


def stored_counts(db_path: Path, mail: list[str], sms: list[str]) -> tuple[Counter[str],
                                                                           Counter[str]]:
    """How often each delivered Message-ID and SMS sid is in the cache (read-only)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        mail_ids = Counter(str(m).strip("<>") for (m,) in conn.execute(
            "SELECT message_id FROM messages WHERE channel = 'email' AND message_id LIKE"
            " '%soak-%@bench.example%'"))
        wanted = set(sms)
        sms_ids = Counter(str(m) for (m,) in conn.execute(
            "SELECT message_id FROM messages WHERE channel = 'sms' AND message_id LIKE 'SM%'")
            if m in wanted)
    finally:
        conn.close()
    return mail_ids, sms_ids


def conv_pool(db_path: Path, clients: int, per_client: int) -> tuple[list[list[int]], int]:
    conn = sqlite3.connect(db_path)
    try:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM conversations WHERE merged_into IS NULL ORDER BY id")]
        start_seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM events")
                        .fetchone()[0])
    finally:
        conn.close()
    pool = random.Random(7).sample(ids, clients * per_client)
    return [pool[k::clients] for k in range(clients)], start_seq


# ------------------------------------------------------------------------- the report


def window_table(samples: list[tuple[float, float]], window_s: float,
                 total_s: float) -> list[tuple[int, int, float, float, float]]:
    """(window start minute, count, p50, p95, max) per window, latencies in ms."""
    rows = []
    start = 0.0
    while start < total_s - 1:
        lat = [x for t, x in samples if start <= t < start + window_s]
        if lat:
            rows.append((int(start // 60), len(lat), p(lat, .5) * 1000, p(lat, .95) * 1000,
                         max(lat) * 1000))
        start += window_s
    return rows


def verify(db_path: Path, start_seq: int, results: list[dict[str, Any]]) -> tuple[int, int,
                                                                                   bool]:
    """(missing or extra (conversation, kind) pairs, wrong final states, chain ok)."""
    from cxinbox.store.db import Database, verify_event_chain

    db = Database(db_path)
    try:
        counts: dict[str, int] = {}
        for target, action, n in db.conn.execute(
                "SELECT target, action, count(*) FROM events WHERE seq > ? AND action IN"
                " ('conversation.tag', 'conversation.assign', 'conversation.status',"
                " 'conversation.note') AND actor NOT LIKE 'rule:%' GROUP BY target, action",
                (start_seq,)):
            counts[f"{target}|{action}"] = n
        expected: Counter[str] = Counter()
        for r in results:
            expected.update(r["counts"])
        touched = {k.split("|")[0] for k in expected}
        mismatched = [k for k in set(expected) | {k for k in counts
                                                  if k.split("|")[0] in touched}
                      if counts.get(k, 0) != expected.get(k, 0)]
        wrong = 0
        for r in results:
            for conv_s, want in r["expected"].items():
                conv = int(conv_s)
                row = db.conn.execute("SELECT status, assignee FROM conversations WHERE id = ?",
                                      (conv,)).fetchone()
                tags = {t for (t,) in db.conn.execute(
                    "SELECT tag FROM conversation_tags WHERE conversation_id = ?", (conv,))}
                notes = db.conn.execute(
                    "SELECT count(*) FROM notes WHERE conversation_id = ? AND body LIKE"
                    " 'soak client %'", (conv,)).fetchone()[0]
                if ("status" in want and row["status"] != want["status"]) \
                        or ("assignee" in want and row["assignee"] != want["assignee"]) \
                        or sorted(tags & set(BENCH_TAGS)) != want["tags"] \
                        or notes != want["notes"]:
                    wrong += 1
        chain_ok, _bad = verify_event_chain(db.conn)
    finally:
        db.close()
    return len(mismatched), wrong, chain_ok


def report(args: argparse.Namespace, rows: list[dict[str, float]],
           results: list[dict[str, Any]], total_s: float) -> bool:
    warm_s = min(300.0, total_s / 3)
    # Up to the end of the load: afterwards the clients hang up and their sockets close.
    after = [r for r in rows if warm_s <= r["t"] <= total_s]
    ok = True
    print(f"\nsamples: {len(rows)} (every {SAMPLE_S:.0f} s); warm-up {warm_s / 60:.1f} min")
    if after:
        base, last = after[0], after[-1]
        peak_rss = max(r["rss_kb"] for r in after)
        growth = (last["rss_kb"] - base["rss_kb"]) / base["rss_kb"] * 100
        fd_growth = int(last["fds"] - base["fds"])
        print(f"RSS   at {base['t'] / 60:4.1f} min {base['rss_kb'] / 1024:7.1f} MB -> at end"
              f" {last['rss_kb'] / 1024:7.1f} MB (peak after warm-up {peak_rss / 1024:.1f} MB):"
              f" growth {growth:+.1f} %  (target < 10 %)")
        print(f"fds   at {base['t'] / 60:4.1f} min {base['fds']:.0f} -> at end {last['fds']:.0f}"
              f" (max after warm-up {max(r['fds'] for r in after):.0f}): growth {fd_growth:+d}"
              "  (target none)")
        print(f"threads {base['threads']:.0f} -> {last['threads']:.0f}")
        step = 300.0 if total_s >= 1200 else 60.0
        marks, mark = [], 0.0
        for r in rows:
            if r["t"] >= mark:
                marks.append(f"{r['t'] / 60:.0f}m {r['rss_kb'] / 1024:.1f}")
                mark += step
        print("RSS (MB) through the run: " + ", ".join(marks))
        ok &= growth < 10.0 and fd_growth <= 0
    else:
        print("RSS/fds: no samples after the warm-up")
        ok = False
    loads = [r["load1"] for r in rows]
    if loads:
        print(f"machine load (1-min average, {os.cpu_count()} cores): min {min(loads):.2f}"
              f" median {p(loads, .5):.2f} max {max(loads):.2f}")

    samples = [s for r in results for s in r["samples"]]
    window_s = 300.0 if total_s >= 1200 else 60.0
    table = window_table(samples, window_s, total_s)
    print(f"\naction latency per {window_s / 60:.0f}-minute window (ms):")
    print("  from min   actions     p50     p95      max")
    for start, n, p50, p95, mx in table:
        print(f"  {start:8d}  {n:8d}  {p50:6.1f}  {p95:6.1f}  {mx:7.1f}")
    steady = [row for row in table if row[0] * 60 >= warm_s - 1]
    if len(steady) >= 2:
        first, last_w = steady[0][3], steady[-1][3]
        flat = last_w <= 1.5 * first or last_w - first < 20.0
        print(f"  p95 first window after warm-up {first:.1f} ms, last {last_w:.1f} ms:"
              f" {'flat' if flat else 'NOT flat'}  (target: last <= 1.5x first or < +20 ms)")
        ok &= flat
    reconnects = [x for r in results for x in r["reconnects"]]
    print(f"connects (probe + first page): {len(reconnects)}, p95"
          f" {p(reconnects, .95) * 1000:.1f} ms; feed reloads"
          f" {sum(r['reloads'] for r in results)}")
    errors = [e for r in results for e in r["errors"]]
    print(f"actions: {len(samples):,} acknowledged; errors {len(errors)}"
          + (f" (first: {errors[0]})" if errors else ""))
    ok &= not errors and bool(samples)
    return ok


# ------------------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> int:
    from bench.bench_tui import ensure_inbox
    from tests.support.dovecot import DovecotServer
    from tests.support.smsprovider import SmsProvider

    source, _meta = ensure_inbox(args.conversations, False)
    work = Path(tempfile.mkdtemp(prefix="cxinbox-bench-soak-"))
    sockdir = Path(tempfile.mkdtemp(prefix="cxs-", dir="/tmp"))
    dovecot: Any = None
    provider: Any = None
    proc: subprocess.Popen[bytes] | None = None
    stop_feed = threading.Event()
    feeders: list[threading.Thread] = []
    try:
        db_path = work / "cxinbox.db"
        subprocess.run(["cp", str(source), str(db_path)], check=True)
        dovecot = DovecotServer()
        dovecot.start()
        provider = SmsProvider(numbers=[CLINIC]).start()
        sock = sockdir / "serve.sock"
        config = write_config(work, db_path, sock, dovecot, provider)
        shares, start_seq = conv_pool(db_path, args.clients, args.per_client)
        t_boot = time.perf_counter()
        proc = start_server(config, work / "serve.log") if args.cache_kib is None \
            else start_server_with_cache(config, work / "serve.log", args.cache_kib)
        print(f"server pid {proc.pid} up on {args.conversations:,} conversations in"
              f" {time.perf_counter() - t_boot:.1f} s; {args.minutes} min, {args.clients}"
              f" clients (one action per ~{args.action_interval:g} s each),"
              f" {args.reconnecting} reconnecting every minute, mail every 1 s, SMS every"
              " 5 s" + ("" if args.cache_kib is None else
                        f"; SQLite cache {args.cache_kib} KiB per connection"), flush=True)

        mail_sent: list[str] = []
        sms_sent: list[str] = []
        feeders = [threading.Thread(target=deliver_mail, args=(dovecot, stop_feed, mail_sent)),
                   threading.Thread(target=deliver_sms, args=(provider, stop_feed, sms_sent))]
        for feeder in feeders:
            feeder.start()
        total_s = args.minutes * 60.0
        t_start = time.time()
        t_end = t_start + total_s
        stop_sampling = threading.Event()
        sampler = Sampler(proc.pid, t_start, stop_sampling)
        sampler.start()

        with ProcessPoolExecutor(args.clients, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(client_run, str(sock), k, shares[k], t_start, t_end,
                                   args.action_interval,
                                   60.0 if k < args.reconnecting else None)
                       for k in range(args.clients)]
            next_line = 60.0
            while time.time() < t_end:  # one progress line a minute
                time.sleep(min(5.0, max(0.0, t_end - time.time())))
                if time.time() - t_start >= next_line and sampler.rows:
                    row = sampler.rows[-1]
                    print(f"  {next_line / 60:4.0f} min  rss {row['rss_kb'] / 1024:7.1f} MB"
                          f"  fds {row['fds']:4.0f}  threads {row['threads']:3.0f}"
                          f"  load {row['load1']:5.2f}  mail {len(mail_sent)}"
                          f"  sms {len(sms_sent)}", flush=True)
                    next_line += 60.0
                if proc.poll() is not None:
                    print("the server exited during the run", flush=True)
                    break
            try:
                results = [f.result(timeout=120) for f in futures]
            except FutureTimeout:
                print("clients did not finish within 2 minutes of the end")
                for child in list(getattr(pool, "_processes", {}).values()):
                    child.kill()
                return 1
        stop_feed.set()
        for feeder in feeders:
            feeder.join(30)
        wait_synced(db_path, mail_sent, sms_sent, CATCH_UP_S)
        stop_sampling.set()
        sampler.join(30)
        ok = report(args, sampler.rows, results, total_s)

        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        proc = None
        mail_ids, sms_ids = stored_counts(db_path, mail_sent, sms_sent)
        mail_lost = sum(1 for m in mail_sent if mail_ids[m] == 0)
        mail_dup = sum(1 for m in mail_sent if mail_ids[m] > 1)
        sms_lost = sum(1 for s in sms_sent if sms_ids[s] == 0)
        sms_dup = sum(1 for s in sms_sent if sms_ids[s] > 1)
        print(f"\nmail: {len(mail_sent)} delivered; {mail_lost} lost, {mail_dup} duplicated")
        print(f"SMS:  {len(sms_sent)} sent; {sms_lost} lost, {sms_dup} duplicated")
        mismatched, wrong, chain_ok = verify(db_path, start_seq, results)
        print(f"events: {mismatched} (conversation, kind) pairs with a count other than"
              f" acknowledged; {wrong} conversations in a wrong final state; hash chain"
              f" {'ok' if chain_ok else 'BROKEN'}")
        ok &= not (mail_lost or mail_dup or sms_lost or sms_dup or mismatched or wrong) \
            and chain_ok and bool(mail_sent) and bool(sms_sent)
        print("RESULT:", "OK" if ok else "FAILED", flush=True)
        return 0 if ok else 1
    finally:
        stop_feed.set()
        for feeder in feeders:
            feeder.join(30)
        if proc is not None:
            proc.kill()
            proc.wait()
        if provider is not None:
            provider.stop()
        if dovecot is not None:
            dovecot.stop()
        with contextlib.suppress(OSError):
            subprocess.run(["rm", "-rf", str(work), str(sockdir)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--reconnecting", type=int, default=2,
                        help="clients that drop and reopen their connection every minute")
    parser.add_argument("--action-interval", type=float, default=1.0,
                        help="seconds between one client's actions (on average)")
    parser.add_argument("--per-client", type=int, default=200,
                        help="conversations each client works on")
    parser.add_argument("--cache-kib", type=int, default=None,
                        help="diagnostic: the server's SQLite page cache per connection"
                             " (default: the product's)")
    args = parser.parse_args()
    if not 1 <= args.minutes <= 24 * 60 or not 1 <= args.clients <= 100 \
            or not 0 <= args.reconnecting <= args.clients or args.action_interval <= 0:
        parser.error("--minutes 1..1440, --clients 1..100, --reconnecting 0..clients,"
                     " --action-interval > 0")
    sys.exit(run(args))


if __name__ == "__main__":
    main()
