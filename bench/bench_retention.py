"""What retention costs at 100k: the one-time auto_vacuum conversion (migration 12), a dry
run, and a purge while another thread keeps writing as staff do.

    python bench/bench_retention.py [--db bench/out/tui-100000.db] [--closed-after 1y]

  conversion   opening a copy of the (schema 11) bench file: migration 12 and its VACUUM
  dry run      counting what the policy would purge
  purge        the run itself, with its phases (purge, audit, index merge, vacuum), while a
               writer thread commits one small transaction every 20 ms and records how
               long each waited: the wait staff would feel
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cxinbox.config import load_config_text
from cxinbox.service.retention import RetentionRunner
from cxinbox.store.db import Database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "bench" / "out" / "tui-100000.db"))
    parser.add_argument("--closed-after", default="1y")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "retention.db"
        shutil.copy(args.db, path)
        size = path.stat().st_size
        started = time.perf_counter()
        db = Database(path)
        print(f"open + migration 12 (VACUUM of {size / 2**20:.0f} MB):"
              f" {time.perf_counter() - started:.1f} s")
        config = load_config_text(f'[store]\npath = "{path}"\n[audit]\ncheckpoints = false\n'
                                  f'[retention]\nclosed_after = "{args.closed_after}"\n')
        dry = RetentionRunner(db, config, "bench").run(dry_run=True)
        print(f"dry run: {dry.counts['conversations']} conversations in {dry.seconds:.1f} s")
        waits: list[float] = []
        stop = threading.Event()

        def writer() -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                with db.write() as conn:
                    conn.execute("UPDATE durable_mark SET n = n + 1")
                waits.append(time.perf_counter() - t0)
                time.sleep(0.02)

        thread = threading.Thread(target=writer)
        thread.start()
        report = RetentionRunner(db, config, "bench").run()
        stop.set()
        thread.join()
        waits.sort()
        print(f"purge: {report.counts['conversations']} conversations,"
              f" {report.counts['messages']} messages in {report.seconds:.1f} s,"
              f" {report.batches} batches, longest step {report.longest_batch_ms:.0f} ms;"
              f" pages {report.pages_before} -> {report.pages_after}")
        print(f"writer waits: n={len(waits)} p50={waits[len(waits) // 2] * 1000:.1f} ms"
              f" p99={waits[int(len(waits) * 0.99)] * 1000:.1f} ms"
              f" max={waits[-1] * 1000:.1f} ms")
        db.close()
        print(f"file: {size / 2**20:.0f} MB -> {path.stat().st_size / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
