"""Inbound SMS benchmark: N texts polled and threaded, next to the same count by e-mail.

    python bench/bench_sms.py [N] [--pg]       (default 10000)

`--pg` polls the same texts into PostgreSQL too (a throwaway durable cluster,
tests/support/pgcluster.py) and prints its ratio to SQLite.

SMS: the local provider (tests/support/smsprovider.py) holds N inbound texts from N/4
patients spread over the last 36 hours; one `SmsPoller.poll_once()` lists them the way the
real API pages (PageSize 1000, the documented maximum), de-duplicates by sid, threads them
into one conversation per (clinic number, patient number), indexes them and commits. A
second poll shows what the overlapping window costs when nothing is new.

E-mail: a private Dovecot with N realistic clinic messages (tests/support/mailgen.py),
synced once by MailSync in this process. Both sides run in-process, on a fresh database.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.smsprovider import SmsProvider, write_sms_config

from cxinbox.channels.sms import SmsClient
from cxinbox.config import load_config
from cxinbox.service.sms_sync import SmsPoller
from cxinbox.store.db import Database
from cxinbox.store.pg.store import PgStore

CLINIC = "+15550100100"
_PHRASES = ["Can I move my appointment to Thursday?", "Running 10 min late, sorry!",
            "Is the lab open on Saturday?", "Thanks, see you then", "What time do you open?",
            "Do I need to fast before the blood test?", "Yes", "Please call me back",
            "I got the reminder, I'll be there at 9:30", "Can you send the invoice again?"]


def bench_sms(n: int, workdir: Path, url: str | None = None) -> dict[str, float]:
    rng = random.Random(7)
    patients = [f"+1555{rng.randrange(2_000_000, 9_999_999):07d}" for _ in range(max(1, n // 4))]
    start = datetime.now(UTC) - timedelta(hours=36)
    rows = [(rng.choice(patients), CLINIC, rng.choice(_PHRASES),
             start + timedelta(seconds=i * 36 * 3600 / n)) for i in range(n)]
    with SmsProvider(numbers=[CLINIC]) as provider:
        provider.inject_many(rows)
        config = load_config(write_sms_config(workdir, provider, [CLINIC]))
        db: Any = Database(config.db_path) if url is None else PgStore(url)
        held = _time_write_lock(db)
        poller = SmsPoller(db, config, client_factory=lambda c, t: SmsClient(c, t))
        t0 = time.perf_counter()
        first = poller.poll_once()
        full = time.perf_counter() - t0
        locked = held[0]
        requests = len(provider.requests)
        t1 = time.perf_counter()
        again = poller.poll_once()
        resync = time.perf_counter() - t1
        stored = db.conn.execute("SELECT count(*), count(DISTINCT message_id) FROM messages"
                                 " WHERE channel = 'sms'").fetchone()
        convs = db.conn.execute("SELECT count(*) FROM conversations WHERE channel = 'sms'"
                                ).fetchone()[0]
        poller.close()
        db.close()
    if first.new != n or tuple(stored) != (n, n) or again.new != 0:
        raise SystemExit(f"SMS bench lost or duplicated texts: first poll {first.new} new, "
                         f"second {again.new} new, stored {tuple(stored)}")
    return {"full": full, "resync": resync, "requests": requests, "conversations": convs,
            "relisted": again.duplicates, "locked": locked}


def _time_write_lock(db: Any) -> list[float]:
    """Seconds spent inside `db.writing()` (the write lock staff actions wait on), summed."""
    from contextlib import contextmanager

    total = [0.0]
    depth = [0]
    inner = db.writing

    @contextmanager
    def timed():  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        depth[0] += 1
        try:
            with inner() as conn:
                yield conn
        finally:
            depth[0] -= 1
            if depth[0] == 0:  # a nested write joins the outer transaction: count it once
                total[0] += time.perf_counter() - start

    db.writing = timed
    return total


def bench_mail(n: int, workdir: Path) -> dict[str, float]:
    from tests.support.dovecot import DovecotServer, find_dovecot
    from tests.support.mailgen import generate_corpus
    from tests.synchelp import make_sync, write_config

    if find_dovecot() is None:
        return {}
    with DovecotServer() as server:
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        client = server.imap_client()  # warm the server's index, as bench_sync does
        client.select_folder("INBOX", readonly=True)
        client.logout()
        cfg = write_config(workdir, server, batch_size=500)
        _config, db, engine = make_sync(cfg)
        t0 = time.perf_counter()
        results = engine.sync_once()
        engine.close()
        elapsed = time.perf_counter() - t0
        db.close()
    new = sum(r.new for r in results)
    if new != n:
        raise SystemExit(f"mail bench stored {new} of {n}")
    return {"full": elapsed}


def main(argv: list[str]) -> None:
    pg = "--pg" in argv
    argv = [a for a in argv if a != "--pg"]
    n = int(argv[0]) if argv else 10_000
    cpu0 = time.process_time()
    with tempfile.TemporaryDirectory(prefix="cxinbox-sms-bench-") as tmp:
        (Path(tmp) / "sms").mkdir()
        sms = bench_sms(n, Path(tmp) / "sms")
    cpu = time.process_time() - cpu0
    print(f"SMS   {n} inbound texts: poll+thread {sms['full']:.2f}s "
          f"({n / sms['full']:,.0f} msgs/s), {sms['requests']:.0f} HTTP requests, "
          f"{sms['conversations']:.0f} conversations")
    print(f"      write lock held {sms['locked']:.2f}s of it ({sms['locked'] / sms['full']:.0%};"
          " red-flag and intent detection runs before the write transaction)")
    print(f"      no-change poll {sms['resync']:.2f}s (re-listed {sms['relisted']:.0f} texts of "
          "the day-granular overlap window, stored none)")
    print(f"      CPU time of this process (both polls, the provider's threads too) {cpu:.2f}s")
    if pg:
        from tests.support.pgcluster import pg_cluster

        with pg_cluster(durable=True) as cluster, \
                tempfile.TemporaryDirectory(prefix="cxinbox-sms-bench-") as tmp:
            cluster.create_database("bench_sms")
            cpu0 = time.process_time()
            on_pg = bench_sms(n, Path(tmp), cluster.url("bench_sms"))
            cpu = time.process_time() - cpu0
        print(f"SMS on PostgreSQL: poll+thread {on_pg['full']:.2f}s "
              f"({n / on_pg['full']:,.0f} msgs/s; {on_pg['full'] / sms['full']:.2f}x SQLite),"
              f" write transactions {on_pg['locked']:.2f}s, no-change poll"
              f" {on_pg['resync']:.2f}s, CPU here {cpu:.2f}s (the server's not counted)")
    with tempfile.TemporaryDirectory(prefix="cxinbox-sms-bench-") as tmp:
        (Path(tmp) / "mail").mkdir()
        mail = bench_mail(n, Path(tmp) / "mail")
    if not mail:
        print("email: dovecot is not installed; no comparison")
        return
    print(f"email {n} messages:      sync        {mail['full']:.2f}s "
          f"({n / mail['full']:,.0f} msgs/s)")
    print(f"ratio sms/email time: {sms['full'] / mail['full']:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
