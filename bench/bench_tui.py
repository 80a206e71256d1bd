"""TUI benchmark: 100,000 conversations, measured on a real pseudo-terminal.

    python bench/bench_tui.py [--conversations 100000] [--idle-seconds 40] [--rebuild]
    python bench/bench_tui.py --sql-only [--baseline-src DIR --baseline-db FILE]
    python bench/bench_tui.py --flags-ab
    python bench/bench_tui.py --sql-only --storm 20   # 5,000 open red flags (one in 20)
    python bench/bench_tui.py --pages-ab --baseline-src DIR --baseline-db FILE [--storm 20]
    python bench/bench_tui.py --sql-ab --baseline-src DIR --baseline-db FILE [--storm 20]

The inbox is generated once through the store (ParsedMessage objects handed straight to
`ingest_batch`, SMS through `insert_sms`, staff state through the store's conversation
functions, in big transactions) and cached under bench/out/. The app then runs in a child
process on a pty at 80x24, exactly as a person's terminal would host it, and we measure
what that person feels:

  cold start        process spawn -> the newest conversation's row is on the wire
  j / k             key written -> the repaint that moves the cursor
  G                 key written -> the last row of 100,000 drawn (a deep page fetch)
  open              Enter -> the thread and its notes drawn
  query             Enter on a typed query -> its results and title drawn
  idle output       bytes per second written while only countdowns run
  RSS               the child's peak resident set

`--sql-only` skips the terminal and times the list queries the TUI sends (its views, the
searches above, deep pages) straight on the service, p50 and p95 per query. With
`--baseline-src` (another checkout's `src/`) and `--baseline-db` (a copy of the same inbox
that checkout can open) it runs the same list on both, one after the other in fresh
processes on the same machine, and prints the ratios.

The inbox has one SLA policy (first reply within an hour, around the clock) computed by
the service; the app's clock starts at the moment the inbox was generated, so a cached
inbox shows the same mix of minute and second countdowns on every run.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import pty
import random
import select
import statistics
import struct
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))

COLS, ROWS = 80, 24
NEWEST_SUBJECT = "Bench newest conversation"
OLDEST_SUBJECT = "Bench oldest conversation"
QUERIES = ("status:open tag:lab-results", '"fasting"', "priority:urgent", "channel:sms",
           "status:pending assignee:maria", "tag:billing -assignee:none", "from:garcia",
           "status:open has:attachment", "mailbox:results", "refill")
# Typed after the mix above and reported per kind, outside its p95 (so that figure compares
# with earlier runs): the at-risk view's urgency order and a phone number as people type it
# (the inbox's SMS patients are +1555 followed by seven digits of their index).
EXTRA_QUERIES = ("status:open (sla:at-risk OR sla:breached) sort:due", "555-004-2423",
                 "status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due",
                 "from:(555) 004-2423", "status:open sort:priority")
QUERY_ROUNDS = 4

# -------------------------------------------------------------------------- the inbox


def bench_config(db_path: Path):  # type: ignore[no-untyped-def]
    """The inbox's config: one front-desk policy, first reply within an hour, 24x7 (so the
    countdowns on screen do not depend on the hour the benchmark runs)."""
    from cxinbox.config import Config, SlaConfig, SlaPolicyConfig, StoreConfig

    return Config(store=StoreConfig(path=db_path), sla=SlaConfig(policies=(
        SlaPolicyConfig(name="front desk", first_response_s=3600, next_response_s=3600),)))


def build_inbox(path: Path, n: int) -> dict[str, float]:
    from cxinbox.domain.models import Address, Attachment, ParsedMessage
    from cxinbox.store import conversations as convs
    from cxinbox.store import triage
    from cxinbox.store.db import Database, append_event
    from cxinbox.store.ingest import FetchedMessage, folder_state, ingest_batch
    from cxinbox.store.sms import SmsRecord, insert_sms

    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = random.Random(2025)
    now = int(time.time())
    db = Database(path, synchronous="OFF")
    mailboxes = ("appointments", "billing", "results", "referrals")
    own = frozenset(f"{m}@clinic.example" for m in mailboxes)
    topics = (("Appointment request", "appointment"), ("Prescription refill", "refill"),
              ("Question about my lab results", "lab-results"), ("Invoice question", "billing"),
              ("Insurance card update", "insurance"), ("Referral status", "referral"),
              ("Need to reschedule", "appointment"), ("Do I need to be fasting?", "lab-results"))
    first = ("Jane", "Omar", "Mei", "Carlos", "Aisha", "Tom", "Rosa", "Ivan", "Nora", "Kwame")
    last = ("Smith", "Garcia", "Nguyen", "Khan", "Okafor", "Rossi", "Chen", "Novak", "Silva")
    staff = ("maria", "dev", "sam", "priya", None, None)
    started = time.perf_counter()
    uids: dict[str, int] = {}
    batch = 5000
    for start in range(0, n, batch):
        with db.write() as conn:
            states = {m: folder_state(conn, m, "INBOX") for m in mailboxes}
            for i in range(start, min(n, start + batch)):
                newest = i == n - 1
                if i >= n - 40:  # the screenful people see first: fresh, SLA running
                    at = now - (n - 1 - i) * 90 - rng.randint(0, 60)
                else:
                    at = now - int((n - i) * (2 * 365 * 86400 / n)) - 3600
                name = f"{rng.choice(first)} {rng.choice(last)}"
                subject, tag = topics[rng.randrange(len(topics))]
                if newest:
                    subject = NEWEST_SUBJECT
                elif i == 0:
                    subject = OLDEST_SUBJECT
                if rng.random() < 0.25 and not newest and i != 0:
                    _msg, conv = insert_sms(conn, SmsRecord(
                        provider_id=f"SMbench{i}", clinic_number="+15550100100",
                        patient_number=f"+1555{i:07d}", direction="in", at=at,
                        body=f"{subject}? This is {name}.", patient_name=name))
                    conv_id = int(conv or 0)
                else:
                    mailbox = mailboxes[i % 4]
                    uids[mailbox] = uids.get(mailbox, states[mailbox].last_uid) + 1
                    address = f"{name.replace(' ', '.').lower()}{i}@example.com"
                    body = (f"Hello,\n\n{subject}: message {i}. Could you help?\n\n"
                            f"Thanks,\n{name}\n")
                    raw = (f"From: {name} <{address}>\r\nTo: {mailbox}@clinic.example\r\n"
                           f"Subject: {subject} {i}\r\nMessage-ID: <bench-{i}@example.com>\r\n"
                           f"\r\n{body}").encode()
                    parsed = ParsedMessage(
                        message_id=f"bench-{i}@example.com", in_reply_to=None, references=[],
                        subject=subject if newest or i == 0 else f"{subject} {i}",
                        from_addr=Address(name, address),
                        to=[Address("", f"{mailbox}@clinic.example")], cc=[], reply_to=[],
                        date=datetime.fromtimestamp(at, UTC), body_text=body,
                        attachments=[Attachment("results.pdf", "application/pdf", 52_000, "2")]
                        if tag == "lab-results" and i % 3 == 0 else [])
                    fetched = FetchedMessage(uid=uids[mailbox], flags="\\Seen" if i < n - 500
                                             else "", modseq=None, internal_date=at, raw=raw,
                                             sha256=hashlib.sha256(raw).digest(), parsed=parsed)
                    touched = ingest_batch(conn, states[mailbox], [fetched], own_addresses=own,
                                           watermark=uids[mailbox], now=now + 60)
                    conv_id = next(iter(touched))
                fresh = i >= n - 40
                status = "open" if fresh or i == 0 else rng.choices(
                    ("open", "pending", "snoozed", "closed"), (20, 10, 3, 67))[0]
                assignee = None if fresh and rng.random() < 0.5 else rng.choice(staff)
                convs.update_state(conn, conv_id, status=status, assignee=assignee,
                                   priority=rng.choices(("urgent", "high", "normal", "low"),
                                                        (2, 10, 80, 8))[0],
                                   snoozed_until=now + 86400 if status == "snoozed" else None)
                convs.add_tags(conn, [conv_id], [tag] if rng.random() < 0.6 else [])
                if i % (n // 20 or 1) == n // 40 or i in (n - 7, n - 23):
                    # A few open red flags (two among the fresh screenful), as a desk has:
                    # the lists put them first (store/conversations.py). No rng draw, so
                    # the rest of the inbox is the one earlier runs measured.
                    triage.open_flag(conn, conv_id, "chest_pain", "chest pain", 0, now)
                    convs.add_tags(conn, [conv_id], ["red-flag", "red-flag:chest-pain"])
            append_event(conn, "bench", "mail.received", "bench/INBOX",
                         {"count": batch, "conversations": []})
        print(f"\r  generated {min(n, start + batch):>7,} / {n:,} conversations "
              f"({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    from cxinbox.service.inbox import InboxService

    sla_started = time.perf_counter()
    InboxService(db, bench_config(path), "bench").refresh_sla()
    sla_s = time.perf_counter() - sla_started
    db.conn.execute("PRAGMA optimize")
    db.close()
    return {"generated_at": float(now), "conversations": float(n),
            "build_s": time.perf_counter() - started, "sla_s": sla_s}


def ensure_inbox(n: int, rebuild: bool) -> tuple[Path, dict[str, float]]:
    path = OUT / f"tui-{n}.db"
    meta_path = OUT / f"tui-{n}.json"
    if not rebuild and path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    print(f"building a {n:,}-conversation inbox in {path} (cached for later runs)")
    meta = build_inbox(path, n)
    meta_path.write_text(json.dumps(meta))
    return path, meta


# -------------------------------------------------------------------------- the child


def run_child(db_path: str, generated_at: float) -> None:
    """The app exactly as `cxinbox` runs it, with its clock started where the inbox was
    generated, so a cached inbox shows the same mix of countdowns on every run."""
    from cxinbox.api.interface import InProcessAPI
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database
    from cxinbox.tui.app import CxInboxApp

    offset = time.time() - generated_at

    def clock() -> datetime:
        return datetime.fromtimestamp(time.time() - offset, UTC)

    config = bench_config(Path(db_path))
    db = Database(config.db_path)
    api = InProcessAPI(InboxService(db, config, "maria"))
    CxInboxApp(api, config, clock=clock, idle_lock_s=0).run(mouse=False)


# -------------------------------------------------------------------------- the terminal


class Pty:
    def __init__(self, argv: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("SSH_CONNECTION", "SSH_TTY")}
        env.update(TERM="xterm-256color", LANG="C.UTF-8", COLORTERM="")
        self.spawned = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.out = bytearray()

    def read(self, timeout: float) -> int:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return 0
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return -1
        self.out.extend(chunk)
        return len(chunk)

    def until(self, marker: bytes, since: int, timeout: float = 30) -> float:
        """Seconds (perf_counter) when `marker` first appeared in output after `since`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if marker in self.out[since:]:
                return time.perf_counter()
            self.read(0.002)
        raise SystemExit(f"timed out waiting for {marker!r}")

    def quiet(self, seconds: float = 0.05) -> None:
        """Drain output until nothing arrives for `seconds`."""
        while self.read(seconds) > 0:
            pass

    def key(self, data: bytes, marker: bytes | None = None) -> float:
        """Seconds from writing `data` to the repaint: `marker` drawn, or any output at all.

        "Any output" can rarely be a countdown tick landing in the same few milliseconds,
        which can only make a sample look faster; p95 over 120 samples is robust to that.
        """
        self.quiet()
        mark = len(self.out)
        sent = time.perf_counter()
        os.write(self.fd, data)
        if marker is not None:
            return self.until(marker, mark) - sent
        deadline = sent + 30
        while len(self.out) == mark:
            if time.perf_counter() > deadline:
                raise SystemExit(f"no repaint after {data!r}")
            self.read(0.002)
        return time.perf_counter() - sent

    def rss_kib(self) -> tuple[int, int]:
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    def close(self) -> None:
        os.write(self.fd, b"\x11")  # ctrl+q
        deadline = time.time() + 5
        while time.time() < deadline:
            self.read(0.05)
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(db_path: Path, meta: dict[str, float], idle_seconds: float,  # type: ignore[type-arg]
            no_extras: bool = False) -> tuple[list[tuple], dict[str, list[float]]]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", str(db_path),
            str(meta["generated_at"])]
    starts = []
    for _ in range(4):  # the first may also pay for reading the database file from disk
        probe = Pty(argv)
        starts.append(probe.until(NEWEST_SUBJECT.encode()[:20], 0) - probe.spawned)
        probe.close()
    term = Pty(argv)
    starts.append(term.until(NEWEST_SUBJECT.encode()[:20], 0) - term.spawned)
    term.until(b"online:", 0)
    term.quiet(0.5)

    moves: list[float] = []
    for i in range(120):
        moves.append(term.key(b"j" if (i // 20) % 2 == 0 else b"k"))
    bottoms: list[float] = []
    tops: list[float] = []
    for _ in range(5):
        bottoms.append(term.key(b"G", OLDEST_SUBJECT.encode()[:20]))
        term.quiet(0.3)
        tops.append(term.key(b"g", NEWEST_SUBJECT.encode()[:20]))
        term.quiet(0.3)

    opens: list[float] = []
    for _ in range(20):
        term.key(b"j")
        opens.append(term.key(b"\r", b" priority "))  # the thread header, redrawn per open
        term.quiet(0.1)
        term.key(b"\x1b")
    by_query: dict[str, list[float]] = {}
    for query in [*QUERIES * QUERY_ROUNDS, *(() if no_extras else EXTRA_QUERIES * QUERY_ROUNDS)]:
        term.key(b"/", b"Enter search")
        term.quiet(0.1)
        os.write(term.fd, query.encode())
        term.quiet(0.1)
        by_query.setdefault(query, []).append(
            # At 100k the header keeps its (wide) counts and cuts the title to 12 cells,
            # so only the query's first characters are sure to show; consecutive queries
            # differ in them, and Textual resends the header's line whole.
            term.key(b"\r", b"Search: " + query.encode()[:3]))
    queries = [t for query in QUERIES for t in by_query[query]]
    term.key(b"4", b"All open")
    term.quiet(2.0)

    start_bytes = len(term.out)
    start = time.perf_counter()
    while time.perf_counter() - start < idle_seconds:
        term.read(0.2)
    idle_rate = (len(term.out) - start_bytes) / (time.perf_counter() - start)
    (OUT / "idle-output.bin").write_bytes(bytes(term.out[start_bytes:]))
    rss, hwm = term.rss_kib()
    term.close()
    ms = 1000.0
    return [
        ("cold start to first rows, median", statistics.median(starts) * ms, "ms", 1000,
         f"n={len(starts)}; first {starts[0] * ms:.0f} ms, max {max(starts) * ms:.0f} ms"),
        ("j/k keypress to repaint p95", p95(moves) * ms, "ms", 50,
         f"median {statistics.median(moves) * ms:.1f} ms, n={len(moves)}"),
        ("G (last row) first time", bottoms[0] * ms, "ms", 50, "deep OFFSET page fetched"),
        ("G (last row) again, median", statistics.median(bottoms[1:]) * ms, "ms", 50,
         "rows already held"),
        ("g (back to top) to repaint, median", statistics.median(tops) * ms, "ms", 50,
         f"max {max(tops) * ms:.1f} ms"),
        ("open conversation p95", p95(opens) * ms, "ms", 50,
         f"median {statistics.median(opens) * ms:.1f} ms, n={len(opens)}"),
        ("run a query p95", p95(queries) * ms, "ms", 50,
         f"median {statistics.median(queries) * ms:.1f} ms, n={len(queries)}"),
        ("idle output, countdowns running", idle_rate, "B/s", 200,
         f"over {idle_seconds:.0f} s at {COLS}x{ROWS}"),
        ("RSS now / peak", hwm / 1024, "MB", 150, f"now {rss / 1024:.0f} MB"),
    ], by_query


def service_query_times(db_path: Path) -> list[float]:
    """The same queries straight on the service (warm, best of 3): the SQLite share."""
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database

    config = bench_config(db_path)
    db = Database(config.db_path)
    service = InboxService(db, config, "maria")
    times = []
    for query in QUERIES:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            service.list_conversations(query, 0, 144)
            best = min(best, time.perf_counter() - started)
        times.append(best)
    db.close()
    return times


# What a receptionist does all day: switch views (the TUI's own view queries), search, page.
SQL_CASES: tuple[tuple[str, int], ...] = (
    ("status:open", 0),                                   # All open, the default view
    ("status:open assignee:me", 0),                       # My open
    ("status:open assignee:none", 0),                     # Unassigned
    ("status:open (sla:at-risk OR sla:breached) sort:due", 0),  # At risk / breached, before
    ("status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due", 0),  # and now
    ("status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due", 2_000),
    # view 3 since open red flags stay in it whatever their status
    ("(is:red-flag OR status:open (sla:at-risk OR sla:breached)) sort:due", 0),
    ("(is:red-flag OR status:open (sla:at-risk OR sla:breached)) sort:due", 2_000),
    ("is:red-flag", 0),                                   # the RedF count's query
    ("is:unscreened", 0),                                 # Not screened (7), the Unscr count
    ("mentions:me", 0),                                   # Mentions of me
    ("status:open sla:breached", 0), ("status:open sla:at-risk", 0),  # header counts
    ("", 0),                                              # Everything
    ("status:open mailbox:results", 0),                   # a mailbox view
    ("status:open tag:lab-results", 0),                   # a tag view
    ("is:unassigned", 0), ("is:mine", 0), ("sla:at-risk", 0),
    *((query, 0) for query in QUERIES),
    ("status:open", 5_000), ("", 50_000), ("", 99_900),   # paging down, G
    ('"fasting"', 5_000), ("from:garcia", 5_000),
    ("status:open (sla:at-risk OR sla:breached)", 0),     # the same view, newest first
    ("sort:due", 0), ("sort:due", 50_000), ("status:open sort:priority", 5_000),
    ("sort:oldest", 0), ("555-004-2423", 0), ("from:(555) 004-2423", 0), ("from:ga", 0),
)
SQL_PAGE = 100
SQL_REPEAT = 25


def sql_case_times(db_path: Path) -> list[dict[str, object]]:
    """Each SQL case through the service, warm: p50 and p95 over SQL_REPEAT runs."""
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database

    config = bench_config(db_path)
    db = Database(config.db_path)
    service = InboxService(db, config, "maria")
    out: list[dict[str, object]] = []
    for query, offset in SQL_CASES:
        try:
            page = service.list_conversations(query, offset, SQL_PAGE)  # warm the page cache
        except Exception:  # noqa: BLE001 - a baseline that does not know this query yet
            out.append({"query": query, "offset": offset, "total": -1, "p50": 0.0, "p95": 0.0})
            continue
        times, cpu = [], []
        for _ in range(SQL_REPEAT):
            started, cpu_started = time.perf_counter(), time.process_time()
            service.list_conversations(query, offset, SQL_PAGE)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        out.append({"query": query, "offset": offset, "total": page.total,
                    "p50": statistics.median(times) * 1000, "p95": p95(times) * 1000,
                    "cpu": statistics.median(cpu) * 1000})
    db.close()
    return out


def sql_run(src: Path, db_path: Path) -> list[dict[str, object]]:
    """`sql_case_times` in a fresh process importing cxinbox from `src`."""
    import subprocess

    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--sql-child",
                           str(src), str(db_path)], check=True, capture_output=True, text=True)
    result: list[dict[str, object]] = json.loads(done.stdout.splitlines()[-1])
    return result


def sql_report(db_path: Path, baseline: tuple[Path, Path] | None) -> None:
    before = sql_run(*baseline) if baseline else None
    after = sql_run(ROOT / "src", db_path)
    print(f"\nlist queries through the service, page of {SQL_PAGE}, n={SQL_REPEAT}, ms"
          f" (target p95 < 50); cpu = median CPU time of the process per call")
    head = f"{'query':<44} {'offset':>6} {'matches':>7}"
    if before:
        print(f"{head} {'p50 before':>10} {'p95 before':>10} {'cpu before':>10}"
              f" {'p50 after':>9} {'p95 after':>9} {'cpu after':>9} {'cpu x':>6}")
    else:
        print(f"{head} {'p50':>7} {'p95':>7} {'cpu':>7}")
    for i, row in enumerate(after):
        line = f"{str(row['query']) or '(everything)':<44} {row['offset']:>6} {row['total']:>7}"
        if before:
            old = before[i]
            if old["total"] != row["total"]:
                line += f"  MATCHES DIFFER: before {old['total']}"
            ratio = float(old.get("cpu", 0.0)) / max(float(row["cpu"]), 1e-6)  # type: ignore[arg-type]
            print(f"{line} {old['p50']:>10.1f} {old['p95']:>10.1f} {old.get('cpu', 0.0):>10.1f}"
                  f" {row['p50']:>9.1f} {row['p95']:>9.1f} {row['cpu']:>9.1f} {ratio:>5.1f}x")
        else:
            print(f"{line} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['cpu']:>7.1f}")
    worst = max(after, key=lambda r: float(r["p95"]))  # type: ignore[arg-type]
    print(f"worst p95 after: {worst['p95']:.1f} ms ({worst['query'] or '(everything)'})")


def sql_serve(db_path: Path) -> None:
    """A child of `sql_ab`: times the SQL case it is asked for (one JSON line on stdin:
    the case's index and how many runs), warm, and answers with the wall and CPU times."""
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database

    config = bench_config(db_path)
    db = Database(config.db_path)
    service = InboxService(db, config, "maria")
    for line in sys.stdin:
        ask = json.loads(line)
        query, offset = SQL_CASES[int(ask["case"])]
        total = service.list_conversations(query, offset, SQL_PAGE).total  # warm
        wall, cpu = [], []
        for _ in range(int(ask["runs"])):
            started, cpu_started = time.perf_counter(), time.process_time()
            service.list_conversations(query, offset, SQL_PAGE)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        print(json.dumps({"total": total, "wall": wall, "cpu": cpu}), flush=True)
    db.close()


def sql_ab(db_path: Path, baseline_src: Path, baseline_db: Path, rounds: int = 5,
           runs: int = 5) -> None:
    """Every SQL case, a baseline checkout against this tree, interleaved: two children
    (one per tree, each on its own copy of the inbox) asked in turn, A B B A A B ...,
    `runs` calls at a time, `rounds` times per case, so a busy machine's bursts fall on
    both alike. p50 and p95 of the wall time and the median CPU time per side."""
    import os
    import subprocess

    def child(src: Path, db: Path) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--sql-serve",
                                 str(src), str(db)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)

    sides = (child(baseline_src, baseline_db), child(ROOT / "src", db_path))
    print(f"\nlist queries, baseline vs this tree interleaved (A B B A ..., {runs} calls a turn,"
          f" {rounds} turns), page of {SQL_PAGE}, ms; load average at start"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'query':<66} {'offset':>6} {'p50 A':>6} {'p95 A':>6} {'cpu A':>6}"
          f" {'p50 B':>6} {'p95 B':>6} {'cpu B':>6}")
    worst = [0.0, 0.0]
    try:
        for case, (query, offset) in enumerate(SQL_CASES):
            wall: list[list[float]] = [[], []]
            cpu: list[list[float]] = [[], []]
            totals = [0, 0]
            for turn in range(rounds):
                for k in ((0, 1) if turn % 2 == 0 else (1, 0)):  # neither always second
                    proc = sides[k]
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write(json.dumps({"case": case, "runs": runs}) + "\n")
                    proc.stdin.flush()
                    got = json.loads(proc.stdout.readline())
                    wall[k] += got["wall"]
                    cpu[k] += got["cpu"]
                    totals[k] = got["total"]
            cells = []
            for k in (0, 1):
                worst[k] = max(worst[k], p95(wall[k]) * 1000)
                cells.append(f"{statistics.median(wall[k]) * 1000:>6.1f}"
                             f" {p95(wall[k]) * 1000:>6.1f} {statistics.median(cpu[k]) * 1000:>6.1f}")
            differ = "" if abs(totals[0] - totals[1]) <= 5 else f"  MATCHES {totals[0]} vs {totals[1]}"
            print(f"{query or '(everything)':<66} {offset:>6} {cells[0]} {cells[1]}{differ}")
    finally:
        for proc in sides:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(60)
    print(f"worst p95: A {worst[0]:.1f} ms, B {worst[1]:.1f} ms; load average at end"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


FLAG_CASES: tuple[tuple[str, int], ...] = (
    ("status:open", 0), ("status:open", 5_000), ("status:open assignee:none", 0),
    ("status:open (sla:at-risk OR sla:breached) sort:due", 0),
    ("status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due", 0),
    ("status:open (is:red-flag OR sla:at-risk OR sla:breached) sort:due", 2_000),
    # view 3 since open red flags stay in it whatever their status
    ("(is:red-flag OR status:open (sla:at-risk OR sla:breached)) sort:due", 0),
    ("(is:red-flag OR status:open (sla:at-risk OR sla:breached)) sort:due", 2_000),
    ("is:red-flag", 0),                                   # the RedF count's query
    ("is:unscreened", 0),                                 # Not screened (7), the Unscr count
    ("mentions:me", 0),                                   # Mentions of me
    ("status:open sla:breached", 0), ("status:open sla:at-risk", 0),  # header counts
    ("", 0), ("", 50_000), ("", 99_900), ('"fasting"', 0), ("from:garcia", 5_000),
    ("status:open sort:priority", 0), ("status:open sort:priority", 5_000),
    ("sort:due", 0), ("sort:due", 50_000),
)


def flags_first_ab(db_path: Path, rounds: int = 15) -> None:
    """Open red flags first against the plain order, same process and store, interleaved:
    the store's page with and without `red_flags_first`, CPU time per page (the wall
    clock of a shared machine says more about its neighbours than about the query)."""
    from cxinbox.domain.query import QueryContext, parse
    from cxinbox.store.db import Database

    config = bench_config(db_path)
    db = Database(config.db_path)
    print(f"\nopen red flags first vs plain order, page of {SQL_PAGE}, CPU ms, median of"
          f" {rounds} interleaved runs")
    print(f"{'query':<66} {'offset':>6} {'plain':>7} {'flags':>7} {'x':>5}")
    for query, offset in FLAG_CASES:
        parsed = parse(query)
        ctx = QueryContext(me="maria", now=datetime.now(UTC), tz=UTC)
        selection = db.select(parsed.where, ctx, sla=True)
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(rounds):
            for first in (False, True):
                with db.reading() as tx:
                    started = time.process_time()
                    tx.list_page(selection, offset, SQL_PAGE, parsed.sort, red_flags_first=first)
                    times[first].append(time.process_time() - started)
        plain, flags = (statistics.median(times[k]) * 1000 for k in (False, True))
        print(f"{query or '(everything)':<66} {offset:>6} {plain:>7.1f} {flags:>7.1f}"
              f" {flags / max(plain, 1e-6):>4.2f}x")
    db.close()


def pages_ab(db_path: Path, baseline_src: Path, baseline_db: Path, rounds: int = 11) -> None:
    """This tree's `list_page` against another checkout's, interleaved in one process (the
    wall clock and the CPU time of two processes run minutes apart on a shared machine
    differ more than the code does): the other checkout's store/conversations.py is loaded
    beside ours (it must import against this tree's other store modules), each reads its
    own copy of the inbox through a plain read-only connection, same queries, same clock."""
    import importlib.util
    import sqlite3

    from cxinbox.domain.query import QueryContext, parse
    from cxinbox.store import conversations as ours
    from cxinbox.store.query_sql import compile_query, sla_condition

    spec = importlib.util.spec_from_file_location(
        "baseline_conversations", baseline_src / "cxinbox" / "store" / "conversations.py")
    assert spec is not None and spec.loader is not None
    theirs = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = theirs
    spec.loader.exec_module(theirs)

    def connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    sides = ((theirs, connect(baseline_db)), (ours, connect(db_path)))
    now = datetime.now(UTC)
    ctx = QueryContext(me="maria", now=now, tz=UTC)
    print(f"\nlist_page, baseline vs this tree, page of {SQL_PAGE}, CPU ms, median of"
          f" {rounds} interleaved runs")
    print(f"{'query':<66} {'offset':>6} {'before':>7} {'after':>7} {'x':>6}")
    for query, offset in FLAG_CASES:
        parsed = parse(query)
        where, params = compile_query(parsed.where, ctx, sla_condition(now))
        times: list[list[float]] = [[], []]
        pages: list[object] = [None, None]
        for _ in range(rounds):
            for k, (module, conn) in enumerate(sides):
                started = time.process_time()
                rows, total = module.list_page(conn, where, params, offset, SQL_PAGE,
                                               parsed.sort,
                                               red_flags_first=parsed.red_flags_first)
                times[k].append(time.process_time() - started)
                pages[k] = ([r.id for r in rows], total)
        before, after = (statistics.median(t) * 1000 for t in times)
        differ = "" if pages[0] == pages[1] else "  PAGES DIFFER"
        print(f"{query or '(everything)':<66} {offset:>6} {before:>7.2f} {after:>7.2f}"
              f" {before / max(after, 1e-6):>5.2f}x{differ}")
    for _, conn in sides:
        conn.close()


def storm_copy(src: Path, every: int) -> Path:
    """A copy of an inbox with an open red flag on one live conversation in `every` (of
    every status), beside it: a desk that let flags pile up, for the lists' flagged part.
    Written with plain SQL on the file, so the copy keeps the schema version of `src` and a
    baseline checkout can open it."""
    import shutil
    import sqlite3

    dst = src.with_name(f"{src.stem}-storm{every}.db")
    if dst.exists():
        return dst
    part = dst.with_suffix(".part")
    shutil.copyfile(src, part)
    conn = sqlite3.connect(part)
    with conn:
        conn.execute("UPDATE conversations SET red_flag = 'chest_pain',"
                     " red_flag_matched = 'chest pain' WHERE id % ? = 0"
                     " AND merged_into IS NULL AND red_flag IS NULL", (every,))
    conn.close()
    part.rename(dst)
    return dst


def demo_first_rows() -> float:
    """`cxinbox demo` from spawn to its first rows (and their count) on the wire."""
    term = Pty([sys.executable, "-m", "cxinbox", "demo"])
    seen = term.until(b"All open (", 0)
    term.close()
    return seen - term.spawned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--idle-seconds", type=float, default=40.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--sql-only", action="store_true",
                        help="time the list queries on the service only, no terminal")
    parser.add_argument("--baseline-src", type=Path, metavar="DIR",
                        help="with --sql-only: another checkout's src/ to compare against")
    parser.add_argument("--baseline-db", type=Path, metavar="FILE",
                        help="with --baseline-src: a copy of the inbox that code can open")
    parser.add_argument("--pages-ab", action="store_true",
                        help="with --baseline-src/--baseline-db: list pages, baseline vs this"
                             " tree, interleaved in one process (CPU time)")
    parser.add_argument("--flags-ab", action="store_true",
                        help="time open red flags first against the plain order, no terminal")
    parser.add_argument("--storm", type=int, metavar="EVERY",
                        help="with --sql-only or --flags-ab: on a copy with an open red flag"
                             " on one conversation in EVERY (the baseline's copy too)")
    parser.add_argument("--no-extras", action="store_true",
                        help="type only the original query mix (for code that lacks sort:)")
    parser.add_argument("--child", nargs=2, metavar=("DB", "GENERATED_AT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--sql-child", nargs=2, metavar=("SRC", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--sql-serve", nargs=2, metavar=("SRC", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--sql-ab", action="store_true",
                        help="with --baseline-src/--baseline-db: the --sql-only cases,"
                             " baseline (A) and this tree (B) interleaved")
    args = parser.parse_args()
    if args.child:
        run_child(args.child[0], float(args.child[1]))
        return
    if args.sql_child:
        sys.path.insert(0, args.sql_child[0])
        print(json.dumps(sql_case_times(Path(args.sql_child[1]))))
        return
    if args.sql_serve:
        sys.path.insert(0, args.sql_serve[0])
        sql_serve(Path(args.sql_serve[1]))
        return
    if (args.baseline_src is None) != (args.baseline_db is None):
        parser.error("--baseline-src and --baseline-db go together")
    db_path, meta = ensure_inbox(args.conversations, args.rebuild)
    if args.storm:
        db_path = storm_copy(db_path, args.storm)
        if args.baseline_db is not None:
            args.baseline_db = storm_copy(args.baseline_db, args.storm)
    if args.flags_ab:
        flags_first_ab(db_path)
        return
    if args.sql_ab:
        if args.baseline_src is None:
            parser.error("--sql-ab needs --baseline-src and --baseline-db")
        sql_ab(db_path, args.baseline_src, args.baseline_db)
        return
    if args.pages_ab:
        if args.baseline_src is None:
            parser.error("--pages-ab needs --baseline-src and --baseline-db")
        pages_ab(db_path, args.baseline_src, args.baseline_db)
        return
    if args.sql_only:
        print(f"inbox: {int(meta['conversations']):,} conversations ({db_path})")
        baseline = (args.baseline_src, args.baseline_db) if args.baseline_src else None
        sql_report(db_path, baseline)
        return
    print(f"inbox: {int(meta['conversations']):,} conversations ({db_path}, "
          f"{db_path.stat().st_size / 1e6:.0f} MB; generated in {meta['build_s']:.0f} s)")
    rows, by_query = measure(db_path, meta, args.idle_seconds, args.no_extras)
    sql = service_query_times(db_path)
    rows.insert(-2, ("  of which SQL in the service, p95", p95(sql) * 1000, "ms", 50,
                     "same queries, warm, no UI: " + ", ".join(
                         f"{q} {t * 1000:.0f}" for q, t in zip(QUERIES, sql, strict=True)
                         if t * 1000 > 50)))
    rows.insert(0, ("cxinbox demo: first rows", demo_first_rows() * 1000, "ms", 2000,
                    "builds ~300 conversations first"))
    print(f"\n{'measure':<34} {'value':>10}   {'target':>10}   ok    notes")
    for name, value, unit, target, note in rows:
        ok = "yes" if value < target else "NO"
        print(f"{name:<34} {value:>7.1f} {unit:<3} {'< ' + str(target) + ' ' + unit:>12}  "
              f"{ok:<4}  {note}")
    print(f"\nrun a query, per kind: Enter -> results drawn, ms (n={QUERY_ROUNDS} each;"
          " * = not in the p95 above)")
    for query, times in by_query.items():
        mark = " " if query in QUERIES else "*"
        print(f"{mark} {query:<52} median {statistics.median(times) * 1000:6.1f}"
              f"   max {max(times) * 1000:6.1f}")


if __name__ == "__main__":
    main()
