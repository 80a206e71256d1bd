"""Bulk-action benchmark: `bulk_tag` over every conversation of a large store.

    python bench/bench_bulk.py [N ...]      (default 50000)

For each N: build N one-message conversations through the store (ingest, no IMAP) in a
temporary directory, then time (wall, and this process's CPU: SQLite works in it), with
the database's normal durability (synchronous=FULL):
  - a dry run of tagging all N (plan only, writes nothing)
  - the real bulk tag (state + one hash-chained event per conversation, one transaction)
  - a second identical bulk tag (everything already tagged: no writes)
  - verifying the whole event chain afterwards
The target is the real bulk tag of 50,000 conversations in under 5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.test_bulk_cli import fill

from cxinbox.config import load_config_text
from cxinbox.service.inbox import InboxService
from cxinbox.store.db import Database, verify_event_chain


def run(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cxinbox-bench-bulk-") as tmp:
        config = load_config_text(f'[clinic]\ntimezone = "UTC"\n\n[store]\npath = '
                                  f'"{Path(tmp) / "cxinbox.db"}"\n')
        db = Database(config.db_path)
        start = time.perf_counter()
        fill(db, count)
        built = time.perf_counter() - start
        service = InboxService(db, config, "bench")  # no roster: single-user admin

        def timed(label: str, dry_run: bool) -> float:
            t0, cpu0 = time.perf_counter(), time.process_time()
            result = service.bulk_tag("", add=["reviewed"], dry_run=dry_run)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            print(f"  {label:<28} {elapsed:7.3f} s   changed {len(result.changed):>7}"
                  f"  unchanged {len(result.unchanged):>7}   CPU {cpu:6.3f} s")
            return elapsed

        print(f"N = {count} conversations (built in {built:.1f} s)")
        timed("bulk_tag --dry-run", True)
        real = timed("bulk_tag", False)
        timed("bulk_tag again (no-op)", False)
        t0 = time.perf_counter()
        ok, bad = verify_event_chain(db.conn)
        print(f"  {'verify_event_chain':<28} {time.perf_counter() - t0:7.3f} s   ok={ok} {bad or ''}")
        verdict = "OK" if real < 5.0 else "SLOWER THAN TARGET"
        print(f"  bulk tag of {count}: {real:.2f} s (target < 5 s for 50,000): {verdict}")
        db.close()


def main() -> None:
    for arg in sys.argv[1:] or ["50000"]:
        run(int(arg))


if __name__ == "__main__":
    main()
