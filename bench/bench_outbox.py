"""Outbox benchmark: N replies through the outbox to a local SMTP server over TLS.

    python bench/bench_outbox.py [--count 1000] [--tls implicit|starttls] [--attach-kb 0]

Starts a private Dovecot (the mailbox, and the Sent folder the copies go to) and an
aiosmtpd server (implicit TLS by default, AUTH, certificate verified against a private CA).
Syncs N patient messages (setup, not timed), then, with undo_seconds = 0 and the worker
running on its own thread, queues one reply per conversation through ReplyService.send
(the same path as the TUI and CLI) and waits until every one is sent and copied to Sent.

With --attach-kb K every reply carries a K KB PDF attached through ReplyService.attach_file
(the bytes go through the store, as from the composer), and the SMTP server's copy of each
attachment is checked byte for byte.

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


def run(count: int, tls: str, attach_kb: int = 0) -> int:
    attachment = (b"%PDF-1.4\n" + bytes(range(256)) * (attach_kb * 4))[:attach_kb * 1024] \
        if attach_kb else b""
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
            if attachment:
                desk.replies.attach_file(draft.id, f"form-{conv}.pdf", attachment)
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
        if attachment:
            from email import message_from_bytes
            from email.policy import default

            exact = 0
            for captured in desk.sink.messages:
                msg = message_from_bytes(captured.data, policy=default)
                parts = [p.get_payload(decode=True) for p in msg.iter_attachments()]
                exact += parts == [attachment]
            left = int(desk.db.conn.execute("SELECT count(*) FROM reply_files").fetchone()[0])
            print(f"attachments: {exact} of {count} arrived byte for byte ({attach_kb} KB each);"
                  f" {left} file copies left in the store")
            ok = ok and exact == count
        print("OK: no loss, no duplicate" if ok else "FAILED")
        desk.sink.stop()
        desk.db.close()
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--tls", choices=("implicit", "starttls"), default="implicit")
    parser.add_argument("--attach-kb", type=int, default=0,
                        help="attach a file of this many KB to every reply")
    args = parser.parse_args()
    return run(args.count, args.tls, args.attach_kb)


if __name__ == "__main__":
    sys.exit(main())
