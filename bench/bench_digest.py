"""The weekly digest on a synthetic desk: how long `cxinbox report digest` takes, against
the peer a script would be without it (the same reports run one by one).

    python bench/bench_digest.py [--conversations 20000] [--rounds 3] [--rebuild]

The desk (bench/out/digest-N.db) has N one-patient conversations over the last 28 days,
most answered (an outbound message 5 min to 2 days later), a tenth assigned, a third
closed, 2% red-flagged, all through the store's own ingest and the service's actions.
Printed: the digest over the last 7 days (a dry run, in a fresh process, start included)
and the peer, the seven reports it is made of over both periods as `cxinbox report NAME
--json` calls (14 processes), and in one process the digest against those 14 report runs
(the digest adds building and rendering the mail; the reports are the same work).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT / "src"))

REPORTS = ("volume", "response", "sla", "backlog", "red-flags", "csat", "workload")
STAFF = ("maria", "dev", "sam", "priya")
OWN = "desk@clinic.example"


def _config(db: Path) -> Path:
    me = os.environ.get("USER") or "root"
    staff = "".join(f'[[staff]]\nos_user = "{s}"\nname = "{s.title()}"\nrole = "supervisor"\n\n'
                    for s in STAFF)
    staff += f'[[staff]]\nos_user = "{me}"\nname = "Bench"\nrole = "supervisor"\n\n'
    path = OUT / "digest-config.toml"
    path.write_text(f'''[clinic]
timezone = "America/New_York"

[store]
path = "{db}"

[server]
socket = "{OUT / 'digest-none.sock'}"

{staff}
[[accounts]]
name = "desk"
host = "127.0.0.1"
username = "desk"
address = "{OWN}"
password_env = "BENCH_UNUSED"
smtp_host = "127.0.0.1"

[[sla.policies]]
name = "front desk"
first_response = "4h"
resolution = "3d"
''')
    return path


def build(db: Path, cfg: Path, count: int) -> None:
    from cxinbox.config import load_config
    from cxinbox.domain.models import Address, ParsedMessage
    from cxinbox.service.inbox import InboxService
    from cxinbox.store import ingest
    from cxinbox.store.db import Database

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    config = load_config(cfg)
    store = Database(config.db_path)
    rng = random.Random(14)
    now = datetime.now(UTC)
    uid = 0
    for first in range(0, count, 1000):
        batch = []
        for i in range(first, min(count, first + 1000)):
            at = now - timedelta(seconds=rng.randint(3600, 28 * 86400))
            uid += 1
            msg = ParsedMessage(
                message_id=f"p{i}@patients.example", in_reply_to=None, references=[],
                subject=f"Question {i}", from_addr=Address("", f"p{i}@patients.example"),
                to=[Address("", OWN)], cc=[], reply_to=[], date=at, body_text="hello")
            raw = f"in {i}".encode()
            batch.append(ingest.FetchedMessage(uid, "", None, None, raw,
                                               hashlib.sha256(raw).digest(), msg))
            if rng.random() < 0.8:
                uid += 1
                back = min(now - timedelta(seconds=60),
                           at + timedelta(seconds=rng.randint(300, 2 * 86400)))
                out = ParsedMessage(
                    message_id=f"r{i}@clinic.example", in_reply_to=f"p{i}@patients.example",
                    references=[f"p{i}@patients.example"], subject=f"Re: Question {i}",
                    from_addr=Address("", OWN), to=[Address("", f"p{i}@patients.example")],
                    cc=[], reply_to=[], date=back, body_text="answer")
                raw = f"out {i}".encode()
                batch.append(ingest.FetchedMessage(uid, "", None, None, raw,
                                                   hashlib.sha256(raw).digest(), out))
        with store.write() as conn:
            state = ingest.folder_state(conn, "desk", "INBOX")
            ingest.ingest_batch(conn, state, batch, own_addresses=frozenset({OWN}),
                                watermark=batch[-1].uid, now=int(time.time()),
                                index_text=False)
    ids = [int(r[0]) for r in store.conn.execute("SELECT id FROM conversations")]
    people = {s: InboxService(store, config, s) for s in STAFF}
    for conv in rng.sample(ids, len(ids) // 10):
        who = rng.choice(STAFF)
        people[who].assign(conv, who)
    for conv in rng.sample(ids, len(ids) // 3):
        people[rng.choice(STAFF)].set_status(conv, "closed")
    for conv in rng.sample(ids, max(1, len(ids) // 50)):
        people[rng.choice(STAFF)].tag(conv, ["red-flag"], [])
    store.close()


def _cx(cfg: Path, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cxinbox", *args, "--config", str(cfg)],
                          env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{args}: {proc.stderr.strip()}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"digest-{args.conversations}.db"
    cfg = _config(db)
    if args.rebuild or not db.exists():
        started = time.perf_counter()
        build(db, cfg, args.conversations)
        print(f"built {db.name} in {time.perf_counter() - started:.1f} s")

    from zoneinfo import ZoneInfo

    from cxinbox.domain.digest import default_period, previous_period

    since, until = default_period(int(time.time()), ZoneInfo("America/New_York"))
    before, _ = previous_period(since, until)
    digest_cli, peer_cli = [], []
    for _ in range(args.rounds):
        digest_cli.append(_cx(cfg, "report", "digest", "--mail-to", "lead@staff.example",
                              "--dry-run"))
        total = 0.0
        for name in REPORTS:
            for a, b in ((since, until), (before, since)):
                total += _cx(cfg, "report", name, "--json", "--since",
                             datetime.fromtimestamp(a, UTC).isoformat(), "--until",
                             datetime.fromtimestamp(b, UTC).isoformat())
        peer_cli.append(total)

    from cxinbox.config import load_config
    from cxinbox.service.digest import DigestService
    from cxinbox.service.inbox import InboxService
    from cxinbox.service.reports import ReportService
    from cxinbox.store.db import Database

    config = load_config(cfg)
    store = Database(config.db_path)
    me = os.environ.get("USER") or "root"
    inbox = InboxService(store, config, me)
    digest_in, peer_in = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        result = DigestService(inbox).run(["lead@staff.example"], dry_run=True)
        digest_in.append(time.perf_counter() - started)
        started = time.perf_counter()
        for name in REPORTS:
            ReportService(inbox).run(name, "", since, until)
            ReportService(inbox).run(name, "", before, since)
        peer_in.append(time.perf_counter() - started)
    store.close()
    msgs = result.figures[0]
    print(f"desk: {args.conversations} conversations; week {msgs.label} = {msgs.value},"
          f" previous {msgs.previous}; mail {len(result.text)} chars text,"
          f" {len(result.html)} chars html")
    dc, pc = statistics.median(digest_cli), statistics.median(peer_cli)
    di, pi = statistics.median(digest_in), statistics.median(peer_in)
    print(f"cli  digest --dry-run        median {dc:6.2f} s   (rounds {args.rounds})")
    print(f"cli  14 x report --json      median {pc:6.2f} s   ratio digest/peer {dc / pc:.2f}")
    print(f"in-process digest            median {di:6.2f} s")
    print(f"in-process 14 report runs    median {pi:6.2f} s   ratio digest/peer {di / pi:.2f}")


if __name__ == "__main__":
    main()
