"""Outbox benchmark: N replies through the outbox to a local SMTP server over TLS.

    python bench/bench_outbox.py [--count 1000] [--tls implicit|starttls]

Starts a private Dovecot (the mailbox, and the Sent folder the copies go to) and an
aiosmtpd server (implicit TLS by default, AUTH, certificate verified against a private CA).
Syncs N patient messages (setup, not timed), then, with undo_seconds = 0 and the worker
running on its own thread, queues one reply per conversation through ReplyService.send
(the same path as the TUI and CLI) and waits until every one is sent and copied to Sent.

Prints replies/s (first queue to last "sent" commit), p50/p95/max queue-to-sent latency,
and checks: the SMTP server got every Message-ID exactly once (no loss, no duplicate),
and the Sent folder holds exactly N messages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.dovecot import DovecotServer
from tests.support.smtpsink import make_desk, patient_mail


def run(count: int, tls: str) -> int:
    with tempfile.TemporaryDirectory(prefix="cxinbox-bench-outbox-") as tmp, \
            DovecotServer() as server:
        for i in range(count):
            server.deliver(patient_mail(f"Question {i} about my visit", message_id=f"p{i}@bench.example",
                                        sender=f"Patient {i} <patient{i}@bench.example>"))
        desk = make_desk(Path(tmp), server, tls=tls, undo_seconds=0)
        t0 = time.perf_counter()
        desk.sync()
        print(f"setup: {count} conversations synced in {time.perf_counter() - t0:.1f} s")
        conv_ids = [int(r[0]) for r in desk.db.conn.execute(
            "SELECT id FROM conversations ORDER BY id")]
        assert len(conv_ids) == count, len(conv_ids)

        stop = threading.Event()
        worker = threading.Thread(target=desk.worker.run, args=(stop,), name="outbox")
        worker.start()
        start = time.time()
        item_ids = []
        for conv in conv_ids:
            draft = desk.replies.start_draft(conv)
            desk.replies.save_draft(draft.id, f"Thanks for writing about conversation #{conv}.")
            item_ids.append(desk.replies.send(draft.id).id)
        queued_s = time.time() - start
        deadline = time.time() + 600
        while time.time() < deadline:
            pending = desk.replies.outbox(["queued", "sending"], 1)
            copies = [i for i in desk.replies.outbox(["sent"], 1000) if i.sent_copy != "done"]
            if not pending and not copies:
                break
            time.sleep(0.1)
        stop.set()
        worker.join()

        items = [desk.replies.outbox_item(i) for i in item_ids]
        states = Counter(i.state for i in items)
        sent = [i for i in items if i.state == "sent" and i.sent_at is not None]
        latencies = sorted((i.sent_at or 0) - i.created_at for i in sent)
        last_sent = max(i.sent_at or 0 for i in sent) if sent else start
        rate = len(sent) / (last_sent - start) if sent else 0.0
        ids = Counter(desk.sink.message_ids())
        ours = {f"<{i.message_id}>" for i in items}
        dupes = sum(1 for v in ids.values() if v > 1)
        lost = len(ours - set(ids))
        client = server.imap_client()
        client.select_folder("Sent", readonly=True)
        in_sent = len(client.search("ALL"))
        client.logout()

        p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
        print(f"queued {count} replies in {queued_s:.2f} s ({count / queued_s:.0f}/s through"
              f" ReplyService.send)")
        print(f"sent {len(sent)} over SMTP ({tls} TLS): {rate:.1f} replies/s")
        if latencies:
            print(f"queue-to-sent latency: p50 {statistics.median(latencies) * 1000:.0f} ms,"
                  f" p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
        print(f"states: {dict(states)}")
        print(f"SMTP server: {sum(ids.values())} messages, {len(ids)} distinct Message-IDs,"
              f" {dupes} duplicated, {lost} of ours missing")
        print(f"Sent folder: {in_sent} messages")
        ok = (len(sent) == count and dupes == 0 and lost == 0 and sum(ids.values()) == count
              and in_sent == count)
        print("OK: no loss, no duplicate" if ok else "FAILED")
        desk.sink.stop()
        desk.db.close()
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--tls", choices=("implicit", "starttls"), default="implicit")
    args = parser.parse_args()
    return run(args.count, args.tls)


if __name__ == "__main__":
    sys.exit(main())
