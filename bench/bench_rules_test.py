"""What `cxinbox rules test` costs: a month of arrivals replayed as they were.

    PYTHONPATH=src:. python bench/bench_rules_test.py [--conversations 3000] [--batch 20]

  setup    `--conversations` patient mails stored through the sync's ingest in batches of
           `--batch` (each with its `mail.received` event, as the sync writes it), then a
           person's later changes on a third of them (a tag, a priority, an assignment)
  replay   `rules test` of an arrival rule (behind an earlier `stop` rule) over the window:
           every ingest is rehearsed in its own rolled-back write transaction; wall time,
           time per trigger, and the longest write-lock hold (what a running server's
           writes wait for at most)
  intent   `rules test` of an `intent:billing_insurance` rule over the same mail, which the
           detectors never assessed (a first sync's backlog: the setup's mail reached the
           server five days before it was stored, and is marked so):
           with the replay assessing each trigger's message itself, against without (the
           rule then never matches); wall and CPU time, ratio
  ingest   for scale: the same number of mails stored without rules, then with the two
           rules running (ratio with/without)
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cxinbox.config import Config, load_config
from cxinbox.domain.models import Address, ParsedMessage
from cxinbox.service.inbox import InboxService
from cxinbox.service.rules_preview import preview
from cxinbox.store import ingest
from cxinbox.store.db import Database, append_event
from cxinbox.store.sqlite_tx import SqliteTx
from cxinbox.wiring import rules_engine

RULES = '''
[[rules]]
name = "billing"
on = "arrival"
match = "tag:billing"
actions = { priority = "low" }
stop = true

[[rules]]
name = "triage new mail"
on = "arrival"
match = "-tag:vip -assignee:mgarcia"
actions = { tag = ["triage"], priority = "high" }
enabled = false

[[rules]]
name = "billing by intent"
on = "arrival"
match = "intent:billing_insurance"
actions = { tag = ["billing-desk"] }
enabled = false
'''

BODIES = (
    ("Hello, I got a bill for my visit last month and my insurance says the claim was"
     " denied. Can someone check the billing code and resend it? My member number is on"
     " the card I gave at the front desk. Thank you, Pat"),
    ("Hi, could I move my appointment on Thursday to next week? Any morning works for me."
     " I can also come in the afternoon if that is easier for the doctor. Thanks a lot"),
    ("Good morning, I need a refill of my blood pressure medication, the pharmacy on Main"
     " Street has my prescription. I have two days of pills left. Best regards"),
)


def write_config(tmp: Path) -> Config:
    path = tmp / "config.toml"
    path.write_text(f'''[clinic]
timezone = "America/New_York"

[store]
path = "{tmp / 'data' / 'cxinbox.db'}"

[[staff]]
os_user = "mgarcia"
name = "Maria Garcia"
role = "admin"
{RULES}''')
    return load_config(path)


def ingest_mail(db: Database, count: int, batch: int, *, config: Config | None = None,
                first_uid: int = 1, backlog: bool = False) -> tuple[list[int], float]:
    """`count` one-message conversations stored like a sync stores them; with `config`, the
    engine fires on each batch in its transaction. `backlog`: stored as a first sync's
    backlog (received five days before, marked when stored). Returns (ids, seconds)."""
    own = "desk@clinic.example"
    base = datetime.now(UTC) - timedelta(days=2)
    engine = rules_engine(db, config) if config is not None else None
    ids: list[int] = []
    started = time.perf_counter()
    for first in range(first_uid, first_uid + count, batch):
        msgs = []
        for uid in range(first, min(first_uid + count, first + batch)):
            parsed = ParsedMessage(
                message_id=f"m{uid}@patient.example", in_reply_to=None, references=[],
                subject=f"Question {uid}", from_addr=Address("", f"p{uid}@patient.example"),
                to=[Address("", own)], cc=[], reply_to=[], date=base,
                body_text=BODIES[uid % len(BODIES)])
            raw = (f"From: <p{uid}@patient.example>\r\nTo: <{own}>\r\nSubject: Question"
                   f" {uid}\r\nMessage-ID: <m{uid}@patient.example>\r\n\r\n"
                   f"{parsed.body_text}\r\n").encode()  # what the triage reads the head of
            received = int(time.time()) - 5 * 86400 if backlog else None
            msgs.append(ingest.FetchedMessage(uid, "", None, received, raw,
                                              hashlib.sha256(raw).digest(), parsed))
        with db.write() as conn:
            tx = SqliteTx(conn)
            before = tx.max_message_pk()
            state = ingest.folder_state(conn, "desk", "INBOX")
            now = int(time.time())
            touched = ingest.ingest_batch(conn, state, msgs, own_addresses=frozenset({own}),
                                          watermark=msgs[-1].uid, now=now, index_text=False,
                                          backlog_before=now - 72 * 3600 if backlog
                                          else None)
            append_event(conn, "sync", "mail.received", "desk/INBOX",
                         {"count": len(msgs), "conversations": sorted(touched)[:500],
                          "after": before, "upto": tx.max_message_pk()})
            if engine is not None:
                engine.fire_arrivals(tx, before, now=now)
        ids += sorted(touched)
    return ids, time.perf_counter() - started


class LockWatch:
    """How many rehearsals ran and the longest any held the write lock."""

    def __init__(self, db: Database) -> None:
        self.longest = 0.0
        self.count = 0
        self.original = db.rehearsal
        db.rehearsal = self.rehearsal  # type: ignore[method-assign]

    @contextmanager
    def rehearsal(self) -> Iterator[sqlite3.Connection]:
        started = time.perf_counter()
        with self.original() as conn:
            yield conn
        self.longest = max(self.longest, time.perf_counter() - started)
        self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cxinbox-bench-rules-"))
    try:
        config = write_config(tmp)
        db = Database(config.db_path)
        ids, _ = ingest_mail(db, args.conversations, args.batch, backlog=True)
        desk = InboxService(db, config, "mgarcia")
        for n, conv in enumerate(ids):
            if n % 9 == 0:
                desk.tag(conv, add=["vip"])
            elif n % 9 == 3:
                desk.set_priority(conv, "urgent")
            elif n % 9 == 6:
                desk.assign(conv, "mgarcia")
        engine = rules_engine(db, config, replaying="triage new mail")
        assert engine is not None
        watch = LockWatch(db)
        since = int(time.time()) - 30 * 86400
        started = time.perf_counter()
        result = preview(desk, engine, "triage new mail", since)
        wall = time.perf_counter() - started
        print(f"rules test over {result.triggered} arrivals in {watch.count} ingests"
              f" (batches of {args.batch}): {wall:.2f} s,"
              f" {wall / max(1, result.triggered) * 1000:.2f} ms per trigger,"
              f" longest write-lock hold {watch.longest * 1000:.1f} ms;"
              f" would fire {result.matched} times")
        for assess in (False, True):
            engine = rules_engine(db, config, replaying="billing by intent")
            assert engine is not None
            if not assess:  # as before: the unassessed mail has no intent to match
                engine.__class__ = type("NoAssess", (engine.__class__,), {
                    "reads_triage_before": lambda _self, _rule: False})
            cpu, started = time.process_time(), time.perf_counter()
            result = preview(desk, engine, "billing by intent", since)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"intent rule, {'assessing' if assess else 'not assessing'} the"
                  f" {result.triggered} unassessed messages: {wall:.2f} s wall,"
                  f" {cpu:.2f} s CPU ({cpu / max(1, result.triggered) * 1000:.2f} ms CPU per"
                  f" trigger); assessed {result.assessed}, would fire {result.matched} times")
        db.close()

        plain = Database(tmp / "plain.db")
        _, without = ingest_mail(plain, args.conversations, args.batch)
        plain.close()
        ruled_cfg = dataclasses.replace(config, rules=tuple(
            dataclasses.replace(r, enabled=True) for r in config.rules))
        ruled = Database(tmp / "ruled.db")
        _, with_rules = ingest_mail(ruled, args.conversations, args.batch, config=ruled_cfg)
        ruled.close()
        print(f"ingest of {args.conversations}: {without:.2f} s without rules,"
              f" {with_rules:.2f} s with both rules running (ratio"
              f" {with_rules / without:.2f})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
