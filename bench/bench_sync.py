"""Sync benchmark: cxinbox vs mbsync on the same Dovecot mailbox, in one process tree.

    python bench/bench_sync.py 10000 [100000 ...]
    python bench/bench_sync.py --rules 10000     ingest with 10 rules vs none


For each N: start a private Dovecot, fill INBOX with N realistic clinic messages (threads,
HTML, attachments, odd charsets), then time
  - cxinbox initial sync   (`cxinbox sync --once`: fetch, MIME parsing, threading, FTS)
  - cxinbox no-change resync
  - mbsync full sync to a Maildir, and mbsync no-change resync
and print the ratios (cxinbox / mbsync; <= 1.0 means cxinbox is at least as fast) and the
peak RSS of the cxinbox process and of its parse workers.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from mbsync_peer import run_mbsync

from support.dovecot import DovecotServer
from support.mailgen import generate_corpus
from synchelp import write_config


def timed_child(argv: list[str]) -> tuple[float, int, str]:
    """Run a command; (wall seconds, its own peak RSS in KiB, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed: {err.strip()}")
    return elapsed, int(usage.ru_maxrss), err


def bench(n: int, workdir: Path) -> dict[str, float]:
    with DovecotServer() as server:
        t0 = time.perf_counter()
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        size = sum(f.stat().st_size for f in (server.maildir_root).rglob("*") if f.is_file())
        print(f"  filled {n} messages ({size / 1e6:.0f} MB on disk) in "
              f"{time.perf_counter() - t0:.1f}s", flush=True)
        # Warm the server's index and the page cache so neither side pays for it.
        client = server.imap_client()
        client.select_folder("INBOX", readonly=True)
        client.logout()
        run_mbsync(server, workdir / "warm-maildir")
        shutil.rmtree(workdir / "warm-maildir", ignore_errors=True)

        cfg = write_config(workdir, server, batch_size=500)  # the shipped default
        cmd = [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config", str(cfg)]
        cx_full, cx_rss, _ = timed_child(cmd)
        workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cx_resync, _, _ = timed_child(cmd)
        mb_full = run_mbsync(server, workdir / "maildir")
        mb_resync = run_mbsync(server, workdir / "maildir")
        db_mb = (workdir / "data" / "cxinbox.db").stat().st_size / 1e6
    return {"cx_full": cx_full, "cx_resync": cx_resync, "mb_full": mb_full,
            "mb_resync": mb_resync, "cx_rss_mb": cx_rss / 1024,
            "max_child_rss_mb": workers_rss / 1024, "db_mb": db_mb}


TEN_RULES = """
[sla.calendars.clinic]
timezone = "America/New_York"
[sla.calendars.clinic.hours]
{hours}

[acknowledge]
calendar = "clinic"
email = "We received your message; we will answer by {{next_open}}. Emergency? Call 911."

[[rules]]
name = "results"
on = "arrival"
match = "results"
actions = {{ tag = ["lab"], priority = "normal" }}
[[rules]]
name = "billing"
on = "arrival"
match = "invoice OR bill OR insurance"
actions = {{ tag = ["billing"], priority = "low" }}
stop = true
[[rules]]
name = "refills"
on = "arrival"
match = "refill OR prescription"
actions = {{ tag = ["rx"], note = "check the chart before refilling" }}
[[rules]]
name = "attachments"
on = "arrival"
match = "has:attachment"
actions = {{ tag = ["files"] }}
[[rules]]
name = "urgent words"
on = "arrival"
match = '"as soon as possible" OR urgent'
actions = {{ priority = "high" }}
[[rules]]
name = "after hours"
on = "arrival"
actions = {{ acknowledge = true, tag = ["after-hours"] }}
[[rules]]
name = "replies reopen"
on = "patient-reply"
actions = {{ tag = ["replied"] }}
[[rules]]
name = "replies to results"
on = "patient-reply"
match = "tag:lab"
actions = {{ priority = "high" }}
[[rules]]
name = "no red flags untouched"
on = "arrival"
match = "tag:red-flag"
actions = {{ priority = "urgent" }}
[[rules]]
name = "closed"
on = "closed"
actions = {{ untag = ["after-hours"] }}
"""


def cpu_child(argv: list[str]) -> tuple[float, float]:
    """Run a command; (wall seconds, CPU seconds of it and the workers it waited for). CPU
    time is the fairer figure on a machine busy with other work."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[0]} failed: {err.strip()}")
    return elapsed, usage.ru_utime + usage.ru_stime


def bench_rules(n: int, workdir: Path) -> tuple[float, float, float, float, int]:
    """(wall without rules, wall with TEN_RULES, CPU without, CPU with, rule events): the
    fastest of two fresh `cxinbox sync --once` runs each of the same N messages into an
    empty cache, in the order none, ten, ten, none so a busy machine biases neither."""
    from cxinbox.config import load_config

    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    closed_day = days[(time.localtime().tm_wday + 3) % 7]
    configs = {"none": "", "ten": TEN_RULES.format(hours=f'{closed_day} = ["09:00-17:00"]')}
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with DovecotServer() as server:
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        client = server.imap_client()
        client.select_folder("INBOX", readonly=True)
        client.logout()
        for run, label in enumerate(("none", "ten", "ten", "none")):
            run_dir = workdir / f"{label}-{run}"
            run_dir.mkdir()
            cfg = write_config(run_dir, server, batch_size=500)
            cfg.write_text(cfg.read_text() + configs[label])
            assert len(load_config(cfg).rules) == (10 if label == "ten" else 0)
            cmd = [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config",
                   str(cfg)]
            elapsed, used = cpu_child(cmd)
            best[label] = min(elapsed, best.get(label, elapsed))
            cpu[label] = min(used, cpu.get(label, used))
            print(f"  {label:>4} rules: {elapsed:.2f}s wall, {used:.2f}s CPU", flush=True)
        import sqlite3

        conn = sqlite3.connect(workdir / "ten-1" / "data" / "cxinbox.db")
        events = conn.execute("SELECT count(*) FROM events WHERE actor LIKE 'rule:%'"
                              ).fetchone()[0]
        conn.close()
    return best["none"], best["ten"], cpu["none"], cpu["ten"], int(events)


def main_rules(sizes: list[int]) -> None:
    for n in sizes:
        print(f"N = {n}", flush=True)
        with tempfile.TemporaryDirectory(prefix="cxinbox-bench-") as tmp:
            plain, ruled, plain_cpu, ruled_cpu, events = bench_rules(n, Path(tmp))
        print(f"  ingest {n}: none {plain:.2f}s ({n / plain:.0f} msg/s), 10 rules {ruled:.2f}s"
              f" ({n / ruled:.0f} msg/s); wall ratio {ruled / plain:.2f}, CPU ratio"
              f" {ruled_cpu / plain_cpu:.2f} ({plain_cpu:.1f}s vs {ruled_cpu:.1f}s);"
              f" {events} rule events")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--rules"]:
        main_rules([int(a) for a in argv[1:]] or [10_000])
        return
    sizes = [int(a) for a in argv] or [10_000]
    rows = []
    for n in sizes:
        print(f"N = {n}", flush=True)
        with tempfile.TemporaryDirectory(prefix="cxinbox-bench-") as tmp:
            r = bench(n, Path(tmp))
        rows.append((n, r))
        print(f"  cxinbox initial {r['cx_full']:.2f}s  no-change {r['cx_resync']:.3f}s  "
              f"peak RSS {r['cx_rss_mb']:.0f} MB (largest process in tree "
              f"{r['max_child_rss_mb']:.0f} MB)  db {r['db_mb']:.0f} MB", flush=True)
        print(f"  mbsync  initial {r['mb_full']:.2f}s  no-change {r['mb_resync']:.3f}s", flush=True)
    print()
    print(f"{'N':>8} {'initial cx/mbsync':>18} {'resync cx (s)':>14} {'resync cx/mbsync':>17}"
          f" {'peak RSS MB':>12}")
    for n, r in rows:
        print(f"{n:>8} {r['cx_full'] / r['mb_full']:>18.2f} {r['cx_resync']:>14.3f}"
              f" {r['cx_resync'] / r['mb_resync']:>17.2f} {r['cx_rss_mb']:>12.0f}")
    print("targets: initial ratio <= 1.0; no-change resync of 100,000 < 0.5 s;"
          " peak RSS < 300 MB at 100,000")


if __name__ == "__main__":
    main(sys.argv[1:])
