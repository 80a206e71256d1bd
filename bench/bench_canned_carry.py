"""What retention's carry of canned-text hand-outs costs inside its one write transaction
(store/retention.py `carry_handed_out`, run where the audit trail's new start is
recorded, with the write lock held), on a large history.

A SQLite store with N conversations (default 10,000), each handed two canned texts of the
labelled set (bench/data/canned_match.jsonl: their keyed hashes, as `canned.render`
writes them) among other audit events; one in ten with a draft waiting, one in fifty
red-flagged, one in twenty merged into its neighbour (where the carry matters). Then the
release transaction for all of it, rehearsed (rolled back) a few times: the carry, and
beside it the same transaction without the carry (the truncate event alone); the hold is
set against the 30 ms a retention purge batch aims to hold the write lock.

    PYTHONPATH=src python bench/bench_canned_carry.py [--conversations 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cxinbox.service.redflags import CARRIED, HANDED_OUT, handed_hashes
from cxinbox.service.retention import BATCH_TARGET_MS
from cxinbox.store.db import Database, append_event
from cxinbox.store.retention import TRAIL_TARGET, TRUNCATE_ACTION, carry_handed_out

DATA = ROOT / "bench" / "data" / "canned_match.jsonl"
OTHER_EVENTS = ("conversation.view", "conversation.tag", "conversation.status",
                "conversation.note")


def build(db: Database, conversations: int) -> tuple[int, int]:
    """The history; returns (events, bytes of hand-out details)."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    texts = [row["canned"] for row in rows if "canned" in row]
    key = db.text_key()
    packed = [handed_hashes(key, text) for text in texts]
    now = db.now_ms() // 1000
    events = handed = 0
    with db.write() as conn:
        conn.executemany(
            "INSERT INTO conversations (id, subject, created_at, last_message_at)"
            " VALUES (?, 'bench', ?, ?)", [(i, now, now) for i in range(1, conversations + 1)])
        for conv in range(1, conversations + 1):
            target = f"conversation:{conv}"
            for n in range(2):
                details = {"name": f"canned-{(conv + n) % len(texts)}", "filled": [],
                           "shingles": packed[(conv + n) % len(texts)]}
                handed += len(json.dumps(details))
                append_event(conn, "ann", "canned.render", target, details)
                events += 1
            for action in OTHER_EVENTS:
                append_event(conn, "ann", action, target, {"n": conv})
                events += 1
        conn.executemany(
            "INSERT INTO drafts (conversation_id, author, mode, created_ms, updated_ms)"
            " VALUES (?, 'ann', 'reply', 0, 0)",
            [(i,) for i in range(1, conversations + 1, 10)])
        conn.execute("UPDATE conversations SET red_flag = 'chest_pain', red_flag_at = ?"
                     " WHERE id % 50 = 0", (now,))
        conn.execute("UPDATE conversations SET merged_into = id + 1 WHERE id % 20 = 0"
                     " AND id < ?", (conversations,))
    return events, handed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "carry.db")
        try:
            t0 = time.perf_counter()
            events, handed = build(db, args.conversations)
            print(f"history: {args.conversations} conversations, {events} events"
                  f" ({handed / 2**20:.1f} MB of hand-out details), built in"
                  f" {time.perf_counter() - t0:.0f} s")
            with db.read() as conn:
                last = int(conn.execute("SELECT max(seq) FROM events").fetchone()[0])
            figures: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
            carried = 0
            for _ in range(args.rounds):
                for name in ("without", "with"):
                    wall, cpu = time.perf_counter(), time.process_time()
                    with db.rehearsal() as conn:
                        append_event(conn, "bench", TRUNCATE_ACTION, TRAIL_TARGET,
                                     {"first_seq": last + 1})
                        if name == "with":
                            carried = carry_handed_out(conn, "bench", 1, last + 1,
                                                       (*HANDED_OUT, CARRIED), CARRIED)
                    figures[name].append((time.perf_counter() - wall,
                                          time.process_time() - cpu))
            for name, runs in figures.items():
                wall = statistics.median(r[0] for r in runs) * 1000
                cpu = statistics.median(r[1] for r in runs) * 1000
                print(f"release transaction {name} the carry: {wall:8.0f} ms wall,"
                      f" {cpu:8.0f} ms CPU (median of {len(runs)})")
            held = statistics.median(r[0] for r in figures["with"]) * 1000
            print(f"carried onto {carried} conversations; the write lock held {held:.0f} ms,"
                  f" {held / BATCH_TARGET_MS:.0f}x the {BATCH_TARGET_MS:.0f} ms a purge batch"
                  f" aims at; load average {os.getloadavg()[0]:.1f}")
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
