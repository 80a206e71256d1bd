"""The outbox with several `cxinbox serve` processes on one PostgreSQL database.

    python bench/bench_pg_outbox.py [--servers 3] [--count 300]

A throwaway cluster (tests/support/pgcluster.py, `durable=True`: fsync on), a private
Dovecot (the mailbox, and the Sent folder the copies go to) and the aiosmtpd sink
(implicit TLS, AUTH). `--count` patient messages are synced by the servers (setup, not
timed). Then `--count` replies are queued through ReplyService (the path the socket
server runs for the TUI and CLI) with a long undo window, and their windows are moved to
end at one moment (the update announces it on the outbox's notification channel): every
server's outbox worker wakes to the whole queue at once, and they race for each reply.

Prints: replies sent per second (the moment they came due -> the last "sent" commit),
the share each server sent, the servers' CPU seconds beside the wall time (the machine
is shared: wall time is noisy), the items claimed more than once (retries; 0 here), and
the check that matters: the sink got every Message-ID exactly once (duplicates
must be 0), every Sent-folder copy was made once, and the event chain verifies.
Run with `--servers 1` for the single-server figure to compare against.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.dovecot import DovecotServer
from tests.support.pgcluster import pg_cluster
from tests.support.smtpsink import SmtpSink, patient_mail, write_reply_config

ME = pwd.getpwuid(os.getuid()).pw_name
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def site_config(directory: Path, server: DovecotServer, sink: SmtpSink, sock: Path,
                url: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = write_reply_config(directory, server, sink, undo_seconds=300,
                              extra=f'\n[server]\nsocket = "{sock}"\n\n[[staff]]\n'
                                    f'os_user = "{ME}"\nname = "Bench Desk"\nrole = "admin"\n')
    text = re.sub(r'(?m)^path = ".*cxinbox\.db"$', f'url = "{url}"', path.read_text())
    path.write_text(text)
    return path


def start_server(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("CXINBOX_LOCAL", "CXINBOX_CONFIG")}
    env["PYTHONPATH"] = str(ROOT / "src")
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cxinbox", "serve", "--config",
                                 str(config)], stdout=out, stderr=out, env=env)
    deadline = time.monotonic() + 60
    while "listening on" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server did not start: {log.read_text(errors='replace')}")
        time.sleep(0.05)
    return proc


def run(servers: int, count: int) -> int:
    from cxinbox.config import load_config
    from cxinbox.service.inbox import InboxService
    from cxinbox.service.replies import ReplyService
    from cxinbox.store.db import walk_event_chain
    from cxinbox.store.pg.store import PgStore

    with tempfile.TemporaryDirectory(prefix="cxinbox-bench-pgoutbox-") as tmp_name, \
            pg_cluster(durable=True) as cluster, DovecotServer() as mailbox:
        tmp = Path(tmp_name)
        for i in range(count):
            mailbox.deliver(patient_mail(f"Question {i} about my visit",
                                         message_id=f"p{i}@bench.example",
                                         sender=f"Patient {i} <patient{i}@bench.example>"))
        cluster.create_database("bench")
        url = cluster.url("bench")
        store = PgStore(url, max_size=2)
        sink = SmtpSink(tmp, user=mailbox.user, password=mailbox.password,
                        tls_dir=mailbox.root / "tls").start()
        procs: list[subprocess.Popen[bytes]] = []
        logs: list[Path] = []
        try:
            for n in range(servers):
                cfg = site_config(tmp / f"s{n}", mailbox, sink, tmp / f"s{n}.sock", url)
                logs.append(tmp / f"s{n}" / "serve.log")
                procs.append(start_server(cfg, logs[-1]))
            t0 = time.monotonic()
            while int(store.conn.execute("SELECT count(*) FROM conversations"
                                         ).fetchone()[0]) < count:
                if time.monotonic() - t0 > 600:
                    raise SystemExit("the first sync did not finish")
                time.sleep(0.2)
            print(f"setup: {count} conversations synced by the servers in"
                  f" {time.monotonic() - t0:.1f} s")
            config = load_config(tmp / "s0" / "config.toml")
            replies = ReplyService(InboxService(store, config, ME))
            convs = [int(r[0]) for r in store.conn.execute(
                "SELECT id FROM conversations ORDER BY id")]
            t0 = time.monotonic()
            for conv in convs:
                draft = replies.start_draft(conv)
                replies.save_draft(draft.id, f"Thanks for writing about #{conv}.")
                replies.send(draft.id)
            print(f"queued {count} replies in {time.monotonic() - t0:.1f} s")

            cpu_before = [cpu_s(p.pid) for p in procs]
            due_ms = int(time.time() * 1000) + 1000
            with store.write() as conn:
                conn.execute("UPDATE outbox SET send_after_ms = ?, next_attempt_ms = ?"
                             " WHERE state = 'queued'", (due_ms, due_ms))  # notifies
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                row = store.conn.execute(
                    "SELECT count(*) FILTER (WHERE state IN ('queued', 'sending')),"
                    " count(*) FILTER (WHERE sent_copy = 'pending') FROM outbox").fetchone()
                if row[0] == 0 and row[1] == 0:
                    break
                time.sleep(0.1)
            cpu = [cpu_s(p.pid) - before for p, before in zip(procs, cpu_before, strict=True)]
            sent_ms = [int(r[0]) for r in store.conn.execute(
                "SELECT sent_ms FROM outbox WHERE state = 'sent'")]
            states = Counter(str(r[0]) for r in store.conn.execute("SELECT state FROM outbox"))
            reclaimed = int(store.conn.execute(
                "SELECT count(*) FROM outbox WHERE attempts > 1").fetchone()[0])
            ours = {str(r[0]).strip("<>") for r in store.conn.execute(
                "SELECT message_id FROM outbox")}
            with store.read() as conn:
                walk = walk_event_chain(conn)  # type: ignore[arg-type]
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)
            sink.stop()
            store.close()

        wall = (max(sent_ms) - due_ms) / 1000 if sent_ms else float("nan")
        counted = Counter(m.strip("<>") for m in sink.message_ids())
        dupes = sum(v - 1 for v in counted.values() if v > 1)
        missing = len(ours - set(counted))
        shares = [len(re.findall(r'msg="reply sent"', log.read_text(errors="replace")))
                  for log in logs]
        client = mailbox.imap_client()
        client.select_folder("Sent", readonly=True)
        in_sent = len(client.search("ALL"))
        client.logout()
        print(f"{servers} server(s): {len(sent_ms)} replies sent in {wall:.2f} s wall:"
              f" {len(sent_ms) / wall:.1f} replies/s")
        print(f"  servers' CPU during the run: {sum(cpu):.2f} s"
              f" ({', '.join(f'{c:.2f}' for c in cpu)})")
        print(f"  sent per server: {shares}; items claimed more than once: {reclaimed}")
        print(f"  states: {dict(states)}")
        print(f"  SMTP sink: {sum(counted.values())} messages, duplicates {dupes},"
              f" missing {missing}; Sent folder: {in_sent} copies")
        print(f"  event chain: {'intact' if walk.bad_seq is None else walk.problem}"
              f" ({walk.count} events)")
        ok = (dupes == 0 and missing == 0 and len(sent_ms) == count and in_sent == count
              and walk.bad_seq is None)
        print("OK: every reply sent exactly once" if ok else "FAILED")
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    return run(args.servers, args.count)


if __name__ == "__main__":
    sys.exit(main())
