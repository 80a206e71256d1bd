"""Server benchmark: one `cxinbox serve`, many clients, mail arriving.

    python bench/bench_serve.py [--conversations 100000] [--clients 10] [--actions 1000]
                                [--no-mail] [--rebuild]

The inbox is bench_tui's cached one (built once under bench/out/), copied to a scratch
directory so every run starts from the same state. A private Dovecot delivers a message
every 0.25 s into a mailbox the server syncs (IDLE) the whole time.

  mixed load     N client processes, each its own socket connection, each doing M actions
                 (tag, assign, status, note) on conversations of its own; reported:
                 throughput and per-action latency (p50/p95/max)
  no lost work   afterwards, every action's event is in the log (per conversation and
                 kind) and every touched conversation's final state is what its client
                 last set; the event hash chain verifies; all delivered mail was synced
  change feed    meanwhile a pinger adds a note every 100 ms on a conversation nobody
                 else touches and a watcher (another connection) long-polls and reloads
                 its first page, as the TUI does: sent -> the watcher's list reloaded
  bulk           `cxinbox tag QUERY --add ... --yes --json` (the real CLI through the
                 socket, process start included) over ~50,000 matches, and the same
                 through the API in one call
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

ME = pwd.getpwuid(os.getuid()).pw_name
STAFF = ("maria", "dev", "sam", "priya")
BENCH_TAGS = ("q-a", "q-b", "q-c")
STATUSES = ("open", "pending", "closed", "snoozed")
BULK_QUERY = "status:closed -channel:sms"


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ------------------------------------------------------------------------- the clients


def client_run(sock: str, index: int, actions: int, conv_ids: list[int]) -> dict[str, Any]:
    """One client process: `actions` random actions on its own conversations."""
    return asyncio.run(_client(Path(sock), index, actions, conv_ids))


async def random_action(api: Any, rng: random.Random, kind: str, conv: int,
                        state: dict[str, Any], note: str) -> str:
    """One staff action of `kind` on `conv` through the API, with `state` (the expected
    final state of that conversation) updated to match; the event action it writes."""
    if kind == "tag":
        add, remove = rng.sample(BENCH_TAGS, 2)
        await api.tag(conv, [add], [remove])
        state["tags"] = (state["tags"] | {add}) - {remove}
        return "conversation.tag"
    if kind == "assign":
        user = rng.choice((None, *STAFF))
        await api.assign(conv, user)
        state["assignee"] = user
        return "conversation.assign"
    if kind == "status":
        status = rng.choice(STATUSES)
        until = int(time.time()) + 86400 if status == "snoozed" else None
        await api.set_status(conv, status, until)
        state["status"] = status
        return "conversation.status"
    await api.add_note(conv, note)
    state["notes"] += 1
    return "conversation.note"


async def _client(sock: Path, index: int, actions: int, conv_ids: list[int]) -> dict[str, Any]:
    from cxinbox.api.socket_client import SocketAPI, probe

    found = probe(sock)
    assert found is not None
    api = SocketAPI(sock, *found)
    rng = random.Random(1000 + index)
    latencies: list[float] = []
    errors: list[str] = []
    expected: dict[int, dict[str, Any]] = {c: {"tags": set(), "notes": 0} for c in conv_ids}
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for i in range(actions):
        conv = rng.choice(conv_ids)
        kind = rng.choice(("tag", "assign", "status", "note"))
        state = expected[conv]
        t0 = time.perf_counter()
        try:
            action = await random_action(api, rng, kind, conv, state,
                                         f"bench client {index} note {i}")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{kind} #{conv}: {exc}")
            continue
        latencies.append(time.perf_counter() - t0)
        key = f"conversation:{conv}|{action}"
        counts[key] = counts.get(key, 0) + 1
    wall = time.perf_counter() - started
    await api.aclose()
    return {"latencies": latencies, "errors": errors, "wall": wall, "counts": counts,
            "expected": {c: {**s, "tags": sorted(s["tags"])} for c, s in expected.items()}}


async def ping_and_watch(sock: Path, conv: int, stop: threading.Event) -> list[float]:
    """Latency from a change sent by one client to another client's list reloaded."""
    from cxinbox.api.socket_client import SocketAPI, probe

    found_a, found_b = probe(sock), probe(sock)
    assert found_a is not None and found_b is not None
    pinger, watcher = SocketAPI(sock, *found_a), SocketAPI(sock, *found_b)
    sent: list[float] = []
    seen: list[float] = []
    target = f"conversation:{conv}"

    head = await watcher.last_event_seq()  # before the first ping

    async def watch() -> None:
        nonlocal head
        notes = 0
        while not stop.is_set() or notes < len(sent):
            changes = await watcher.wait_events(head, 1.0)
            head = changes.head
            fresh = [e for e in changes.events if e.target == target
                     and e.action == "conversation.note"]
            if changes.events:
                await watcher.list_conversations("", 0, 50)  # what the TUI does next
            done = time.perf_counter()
            for _ in fresh:
                seen.append(done - sent[notes])
                notes += 1

    async def ping() -> None:
        i = 0
        while not stop.is_set():
            sent.append(time.perf_counter())
            await pinger.add_note(conv, f"ping {i}")
            i += 1
            await asyncio.sleep(0.1)

    watching = asyncio.create_task(watch())
    await ping()
    await asyncio.wait_for(watching, 30)
    await pinger.aclose()
    await watcher.aclose()
    return seen


# ------------------------------------------------------------------------- the setup


def write_config(work: Path, db_path: Path, sock: Path, dovecot: Any | None) -> Path:
    lines = ["[clinic]", 'timezone = "UTC"', "", "[store]", f'path = "{db_path}"', "",
             "[server]", f'socket = "{sock}"', "", "[[staff]]", f'os_user = "{ME}"',
             'name = "Bench Admin"', 'role = "admin"', ""]
    for user in STAFF:
        lines += ["[[staff]]", f'os_user = "{user}"', f'name = "{user.title()}"', ""]
    if dovecot is not None:
        secret = work / "live.pass"
        secret.write_text(dovecot.password + "\n")
        os.chmod(secret, 0o600)
        lines += ["[sync]", "socket_timeout_s = 10", "connect_timeout_s = 5", "",
                  "[[accounts]]", 'name = "live"', 'host = "127.0.0.1"',
                  f"port = {dovecot.imaps_port}", 'tls = "implicit"',
                  f'ca_file = "{dovecot.ca_file}"', f'username = "{dovecot.user}"',
                  'address = "live@clinic.example"', 'folders = ["INBOX"]',
                  f'password_file = "{secret}"', ""]
    path = work / "config.toml"
    path.write_text("\n".join(lines))
    return path


def deliver_mail(dovecot: Any, stop: threading.Event, delivered: list[int]) -> None:
    i = 0
    while not stop.is_set():
        raw = (f"From: Patient {i} <live{i}@patient.example>\r\nTo: live@clinic.example\r\n"
               f"Subject: Live question {i}\r\nMessage-ID: <live-{i}-{time.time_ns()}@x>\r\n"
               f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
               f"\r\nHello, question {i}.\r\n").encode()
        dovecot.deliver(raw)
        i += 1
        delivered[0] = i
        stop.wait(0.25)


def start_server(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "serve", "--config",
                                 str(config)], stdout=out, stderr=out, env=env)
    deadline = time.monotonic() + 60
    while "listening on" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return proc


# ------------------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> int:
    from bench.bench_tui import ensure_inbox

    from cxinbox.store.db import Database, verify_event_chain

    source, _meta = ensure_inbox(args.conversations, args.rebuild)
    work = Path(tempfile.mkdtemp(prefix="cxinbox-bench-serve-"))
    sockdir = Path(tempfile.mkdtemp(prefix="cxb-", dir="/tmp"))
    dovecot: Any = None
    proc: subprocess.Popen[bytes] | None = None
    ok = True
    try:
        db_path = work / "cxinbox.db"
        shutil.copy(source, db_path)
        if not args.no_mail:
            from tests.support.dovecot import DovecotServer

            dovecot = DovecotServer()
            dovecot.start()
        sock = sockdir / "serve.sock"
        config = write_config(work, db_path, sock, dovecot)
        db = Database(db_path)
        conv_ids = [r[0] for r in db.conn.execute(
            "SELECT id FROM conversations WHERE merged_into IS NULL ORDER BY id")]
        start_seq = int(db.conn.execute("SELECT coalesce(max(seq), 0) FROM events")
                        .fetchone()[0])
        db.close()
        ping_conv = conv_ids[-1]
        rng = random.Random(7)
        pool_ids = rng.sample(conv_ids[:-1], args.clients * args.per_client)
        shares = [pool_ids[k::args.clients] for k in range(args.clients)]
        started = time.perf_counter()
        proc = start_server(config, work / "serve.log")
        print(f"server up on {args.conversations:,} conversations in"
              f" {time.perf_counter() - started:.2f} s; mail arriving:"
              f" {'no' if dovecot is None else 'yes, every 0.25 s'}")

        stop_mail = threading.Event()
        delivered = [0]
        mail_thread = None
        if dovecot is not None:
            mail_thread = threading.Thread(target=deliver_mail,
                                           args=(dovecot, stop_mail, delivered))
            mail_thread.start()

        stop_ping = threading.Event()
        ping_result: list[list[float]] = []
        pinger = threading.Thread(target=lambda: ping_result.append(
            asyncio.run(ping_and_watch(sock, ping_conv, stop_ping))))
        pinger.start()
        time.sleep(0.5)

        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.clients, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(client_run, str(sock), k, args.actions, shares[k])
                       for k in range(args.clients)]
            results = [f.result() for f in futures]
        wall = time.perf_counter() - t0
        stop_ping.set()
        pinger.join()
        latencies = [x for r in results for x in r["latencies"]]
        errors = [e for r in results for e in r["errors"]]
        total = args.clients * args.actions
        print(f"mixed load: {args.clients} clients x {args.actions} actions = {total:,}"
              f" in {wall:.2f} s -> {len(latencies) / wall:,.0f} actions/s")
        print(f"  action latency  p50 {p(latencies, .5) * 1000:6.1f} ms   p95"
              f" {p(latencies, .95) * 1000:6.1f} ms   max {max(latencies) * 1000:6.1f} ms")
        print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        feed = ping_result[0] if ping_result else []
        print(f"  change -> other client's list: {len(feed)} pings, p50"
              f" {p(feed, .5) * 1000:6.1f} ms   p95 {p(feed, .95) * 1000:6.1f} ms   max"
              f" {max(feed or [0]) * 1000:6.1f} ms  (target p95 < 500 ms)")
        ok &= not errors and len(latencies) == total and bool(feed) and p(feed, .95) < 0.5

        # bulk tag through the socket: the real CLI, then one API call
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        t1 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "cxinbox", "tag", BULK_QUERY, "--add",
                              "bulk-cli", "--yes", "--json", "--config", str(config)],
                             capture_output=True, text=True, env=env, check=False)
        cli_s = time.perf_counter() - t1
        if cli.returncode != 0:
            print(f"  bulk CLI failed: {cli.stderr.strip()}")
            ok = False
            matched = 0
        else:
            matched = json.loads(cli.stdout)["matched"]
        api_s = asyncio.run(_bulk_api(sock))
        print(f"bulk tag over {matched:,} matches ({BULK_QUERY!r}): CLI (--yes: the change alone,"
              f" process start included) {cli_s:.2f} s; one API call {api_s:.2f} s"
              f"  (target < 5 s)")
        ok &= cli.returncode == 0 and matched >= 0.45 * args.conversations and cli_s < 5.0

        if mail_thread is not None:
            stop_mail.set()
            mail_thread.join()
            time.sleep(3.0)  # IDLE notices the last delivery
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        proc = None

        # verify: every event present, every final state as last set, chain intact, mail in
        db = Database(db_path)
        counts: dict[str, int] = {}
        for target, action, n in db.conn.execute(
                "SELECT target, action, count(*) FROM events WHERE seq > ? AND action IN"
                " ('conversation.tag', 'conversation.assign', 'conversation.status',"
                " 'conversation.note') GROUP BY target, action", (start_seq,)):
            counts[f"{target}|{action}"] = n
        expected_counts: dict[str, int] = {}
        for r in results:
            for key, n in r["counts"].items():
                expected_counts[key] = expected_counts.get(key, 0) + n
        bulk_targets = {k for k in counts if k.endswith("conversation.tag")}
        missing = [k for k, n in expected_counts.items()
                   if counts.get(k, 0) < n or (k not in bulk_targets and counts[k] != n)]
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
                    " 'bench client %'", (conv,)).fetchone()[0]
                if ("status" in want and row["status"] != want["status"]) \
                        or ("assignee" in want and row["assignee"] != want["assignee"]) \
                        or sorted(tags & set(BENCH_TAGS)) != want["tags"] \
                        or notes != want["notes"]:
                    wrong += 1
        chain_ok, bad = verify_event_chain(db.conn)
        synced = 0
        if dovecot is not None:
            synced = db.conn.execute(
                "SELECT count(*) FROM locations l JOIN folders f ON f.id = l.folder_id"
                " WHERE f.account = 'live'").fetchone()[0]
        db.close()
        print(f"check: events missing for {len(missing)} (conversation, kind) pairs;"
              f" {wrong} conversations in a wrong final state; hash chain"
              f" {'ok' if chain_ok else f'BROKEN at {bad}'}")
        if dovecot is not None:
            print(f"mail: {delivered[0]} delivered during the run, {synced} synced by the"
                  " server")
            ok &= synced == delivered[0]
        ok &= not missing and wrong == 0 and chain_ok
        print("RESULT:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        if dovecot is not None:
            dovecot.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sockdir, ignore_errors=True)


async def _bulk_api(sock: Path) -> float:
    from cxinbox.api.socket_client import SocketAPI, probe

    found = probe(sock)
    assert found is not None
    api = SocketAPI(sock, *found)
    t0 = time.perf_counter()
    await api.bulk_tag(BULK_QUERY, ["bulk-api"], [])
    elapsed = time.perf_counter() - t0
    await api.aclose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--per-client", type=int, default=200,
                        help="conversations each client works on")
    parser.add_argument("--no-mail", action="store_true", help="no Dovecot, no sync")
    parser.add_argument("--rebuild", action="store_true")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
