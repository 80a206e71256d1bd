"""Ingest cost of a change: `cxinbox sync --once` of one 10k Dovecot mailbox with two source
trees, runs interleaved so both see the same machine load.

    python bench/bench_sync_ab.py BEFORE_SRC AFTER_SRC [N] [ROUNDS]
    python bench/bench_sync_ab.py /work/main/src src 10000 5

Prints wall and CPU seconds of the sync process per run (the parse-pool workers are
children of the forkserver, so their CPU is not in the figure), how many messages the
red-flag and intent detectors assessed, and the median ratios after/before.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.dovecot import DovecotServer
from support.mailgen import generate_corpus
from synchelp import write_config


def _assessed(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT count(*) FROM messages WHERE intent IS NOT NULL"
                                ).fetchone()[0])
    except sqlite3.OperationalError:  # a tree without the triage fields
        return "-"
    finally:
        conn.close()


def main(argv: list[str]) -> None:
    before, after = (str(Path(p).resolve()) for p in argv[:2])
    n = int(argv[2]) if len(argv) > 2 else 10_000
    rounds = int(argv[3]) if len(argv) > 3 else 5
    trees = {"before": before, "after": after}
    wall: dict[str, list[float]] = {k: [] for k in trees}
    cpu: dict[str, list[float]] = {k: [] for k in trees}
    with DovecotServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        client = server.imap_client()
        client.select_folder("INBOX", readonly=True)
        client.logout()
        for r in range(rounds):
            for name, src in trees.items():
                work = Path(tmp) / f"{name}{r}"
                work.mkdir()
                cfg = write_config(work, server, batch_size=500)
                started = time.perf_counter()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config",
                     str(cfg)], env=dict(os.environ, PYTHONPATH=src), stdout=subprocess.DEVNULL)
                _pid, status, usage = os.wait4(proc.pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise SystemExit(f"sync with {src} failed")
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(usage.ru_utime + usage.ru_stime)
                print(f"{name:6} run {r}: wall {wall[name][-1]:.2f}s cpu {cpu[name][-1]:.2f}s"
                      f" assessed {_assessed(work / 'data' / 'cxinbox.db')}", flush=True)
                shutil.rmtree(work)
    for label, values in (("wall", wall), ("cpu", cpu)):
        b, a = statistics.median(values["before"]), statistics.median(values["after"])
        print(f"median {label}: before {b:.2f}s after {a:.2f}s ratio {a / b:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
