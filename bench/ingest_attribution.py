"""Which part of the schema a first sync's store pays for: the same 10k parsed messages
stored in-process, as the bulk sync stores them (batches of 500, the first sync's backlog
mark, bulk writes, text indexed afterwards), into a fresh database of one source tree
with one addition taken out at a time on that throwaway copy (indexes dropped, a trigger
dropped, a table the ingest writes replaced by a view that swallows its rows), the
variants interleaved in fresh processes.

    python bench/ingest_attribution.py SRC [N] [ROUNDS] [--only NAME,NAME]
    python bench/ingest_attribution.py src 10000 5

Each variant prints the store's CPU seconds and SQLite's virtual-machine steps (counted
by a progress handler, in thousands: the SQL's share without a busy machine's noise),
then the median and the difference from the full schema ("all"). Nothing here changes
what the product stores: the variants exist only in the bench's temporary databases.
"""

from __future__ import annotations

import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r'''
import hashlib, pickle, sqlite3, sys, time
from pathlib import Path
from cxinbox.store.db import Database
from cxinbox.store.records import FetchedMessage

corpus, db_path, now, backlog_before, sql = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                             int(sys.argv[4]), sys.argv[5])
with open(corpus, "rb") as f:
    items = pickle.load(f)
messages = [FetchedMessage(uid=i + 1, flags="", modseq=None, internal_date=at, raw=raw,
                           sha256=hashlib.sha256(raw).digest(), parsed=parsed)
            for i, (raw, parsed, at) in enumerate(items)]
own = frozenset({"appointments@riverside-clinic.example"})
Database(Path(db_path)).close()
if sql:
    conn = sqlite3.connect(db_path)
    conn.executescript(sql)
    conn.close()
db = Database(Path(db_path))
db.relax_durability_for_this_thread()
with db.writing() as tx:
    state = tx.folder_state("appointments", "INBOX")
steps = [0]

def _count() -> int:
    steps[0] += 1
    return 0

db.conn.set_progress_handler(_count, 1000)
started = time.process_time()
with db.bulk_writes():
    for k in range(0, len(messages), 500):
        chunk = messages[k:k + 500]
        with db.writing() as tx:
            tx.hold_intake()
            tx.ingest_batch(state, chunk, own_addresses=own, watermark=chunk[-1].uid,
                            now=now, index_text=False, backlog_before=backlog_before)
print(f"{time.process_time() - started:.3f} {steps[0]}")
db.close()
'''


def _swallow(table: str, columns: str) -> str:
    """SQL replacing `table` by a view of the same columns that takes inserts and keeps
    nothing (so the ingest's statements run, and write no row and no index entry)."""
    return (f"DROP TABLE {table};"
            f" CREATE VIEW {table} ({columns}) AS SELECT "
            + ", ".join("NULL" for _ in columns.split(",")) + " WHERE 0;"
            f" CREATE TRIGGER {table}_swallow INSTEAD OF INSERT ON {table} BEGIN SELECT 1; END;")


_CONV_WIDE_NEW = ("conversations_by_due", "conversations_by_id", "conversations_by_status_due",
                  "conversations_by_status_priority")
_CONV_PARTIAL_NEW = ("conversations_intent", "conversations_merged_into",
                     "conversations_red_flag", "conversations_red_flag_due",
                     "conversations_red_flag_last", "conversations_red_flag_priority")
_REPORT_ROWS = (
    "DROP TRIGGER report_span_born; DROP TRIGGER report_assignee_born;"
    " DROP TRIGGER report_message_added; DROP TRIGGER report_span_gone;"
    " DROP TRIGGER report_assignee_gone; DROP TRIGGER report_message_changed;"
    " DROP TRIGGER report_message_removed;"
    + _swallow("report_spans", "conversation_id, start_at, end_at, status, live")
    + _swallow("report_assignees", "conversation_id, start_at, end_at, assignee")
    + _swallow("report_dirty", "conversation_id"))
_SENDERS = (
    "DROP TRIGGER conversations_senders_insert; DROP TRIGGER conversations_senders_update;"
    " DROP TRIGGER conversations_senders_delete;"
    + _swallow("conversation_senders_fts", "rowid, from_addr, from_name"))

VARIANTS: dict[str, str] = {
    "all": "",
    "-conv wide 4": "".join(f"DROP INDEX {i};" for i in _CONV_WIDE_NEW),
    "-conv partial 6": "".join(f"DROP INDEX {i};" for i in _CONV_PARTIAL_NEW),
    "-msg report": "DROP INDEX messages_report;",
    "-msg backlog": "DROP INDEX messages_backlog;",
    "-msg unscreened": "DROP INDEX messages_unscreened;",
    "-report rows": _REPORT_ROWS,
    "-senders index": _SENDERS,
}
VARIANTS["-all of these"] = "".join(v for k, v in VARIANTS.items() if k != "all")


def main(argv: list[str]) -> None:
    usage = "usage: ingest_attribution.py SRC [N] [ROUNDS] [--only NAME,NAME]"
    only: list[str] | None = None
    if "--only" in argv:
        at = argv.index("--only")
        if at + 1 >= len(argv):
            sys.exit(usage)
        only = ["all", *argv[at + 1].split(",")]
        argv = argv[:at] + argv[at + 2:]
        unknown = [o for o in only if o not in VARIANTS]
        if unknown:
            sys.exit(f"ingest_attribution.py: no variant {unknown[0]!r}; "
                     f"one of {', '.join(VARIANTS)}")
    if not 1 <= len(argv) <= 3 or any(a.startswith("-") for a in argv):
        sys.exit(usage)
    src = str(Path(argv[0]).resolve())
    if not Path(src, "cxinbox").is_dir():
        sys.exit(f"ingest_attribution.py: SRC must hold cxinbox/\n{usage}")
    try:
        n = int(argv[1]) if len(argv) > 1 else 10_000
        rounds = int(argv[2]) if len(argv) > 2 else 5
    except ValueError:
        sys.exit(usage)
    variants = {k: v for k, v in VARIANTS.items() if only is None or k in only}
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, src)
    from cxinbox.domain.mime import parse_message
    from support.mailgen import generate_corpus

    now = int(time.time())
    backlog_before = now - 72 * 3600  # [triage] backlog_hours' default
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    steps: dict[str, list[int]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.pickle"
        items = []
        for raw in generate_corpus(n, seed=42):
            parsed = parse_message(raw)
            at = int(parsed.date.timestamp()) if parsed.date else now
            items.append((raw, parsed, at))
        corpus.write_bytes(pickle.dumps(items))
        for r in range(rounds):
            for name, sql in variants.items():
                db = Path(tmp) / f"v{r}.db"
                done = subprocess.run(
                    [sys.executable, "-c", _CHILD, str(corpus), str(db), str(now),
                     str(backlog_before), sql],
                    env=dict(os.environ, PYTHONPATH=src), capture_output=True, text=True,
                    check=False)
                if done.returncode != 0:
                    sys.exit(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
                seconds, count = done.stdout.split()
                cpu[name].append(float(seconds))
                steps[name].append(int(count))
                print(f"{name:16} run {r}: store cpu {cpu[name][-1]:.3f}s, SQLite"
                      f" {int(count) / 1000:.2f}M VM steps", flush=True)
                for leftover in Path(tmp).glob(f"v{r}.db*"):
                    leftover.unlink()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base_cpu, base_steps = statistics.median(cpu["all"]), statistics.median(steps["all"])
    for name in variants:
        c, s = statistics.median(cpu[name]), statistics.median(steps[name])
        print(f"{name:16} median store cpu {c:.3f}s ({c - base_cpu:+.3f}s)"
              f" VM steps {s / 1000:.2f}M ({(s - base_steps) / 1000:+.2f}M)")


if __name__ == "__main__":
    main(sys.argv[1:])
