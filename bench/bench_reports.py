"""Reports on the 100,000-conversation bench inbox with a year of events, through the CLI.

    python bench/bench_reports.py [--events 1000000] [--rebuild] [--rounds 3]

The inbox is bench_tui's (bench/out/tui-100000.db, built by `python bench/bench_tui.py` if
missing), copied to bench/out/reports-100000.db and given a year of history: for every
conversation that arrived in the last year, staff assign it, write notes, reply (the reply
is a stored outbound message with the outbox's `outbox.sent` and `send` events), the patient
sometimes writes again, and its status moves through pending, snoozed and closed to the
status it has in the inbox, plus the audit reads (views, lists) a real trail is full of.
Each report is then timed as `cxinbox report NAME --since 30d` and `--since 365d` in a fresh
process (start included, from compiled bytecode as installed; targets 1 s and 3 s), and
`report backlog --by staff` too (the assignee at each day's end); the 30-day figures are
printed.
With --tui the reports screen is timed instead, on a pseudo-terminal at 80x24 the way
bench_tui.py times the list: `D` pressed -> the screen drawn (target 500 ms), and -> the
figures of the last 7 days drawn, as a supervisor (every person's rows).
With --against SRC, each report's CPU time is compared with another checkout's code (the
two run alternately, so both see the same load).
The generated events carry no hash chain (`cxinbox audit verify` is not run on this file).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
SOURCE = Path(os.environ.get("CXINBOX_BENCH_INBOX", OUT / "tui-100000.db"))
FALLBACK = Path("/work/main/bench/out/tui-100000.db")
DB = OUT / "reports-100000.db"
META = OUT / "reports-100000.json"
REPORTS = ("volume", "response", "sla", "backlog", "workload", "red-flags")
JOBS: tuple[tuple[str, str | None], ...] = (*((r, None) for r in REPORTS), ("backlog", "staff"))
"""Each report as it is run most, and the breakdowns timed besides (`--by staff`)."""
STAFF = ("maria", "dev", "sam", "priya", "lead")
TARGETS = {"30d": 1.0, "365d": 3.0}

CONFIG = """
[clinic]
timezone = "America/New_York"

[store]
path = "{db}"

{staff}
[sla.calendars.clinic]
timezone = "America/New_York"

[sla.calendars.clinic.hours]
mon = ["08:00-18:00"]
tue = ["08:00-18:00"]
wed = ["08:00-18:00"]
thu = ["08:00-18:00"]
fri = ["08:00-18:00"]
sat = ["09:00-13:00"]

[[sla.policies]]
name = "red desk"
match = "tag:red-flag"
first_response = "15m"

[[sla.policies]]
name = "front desk"
calendar = "clinic"
first_response = "4h"
next_response = "8h"
resolution = "3d"
"""


def _config_path() -> Path:
    staff = "".join(f'[[staff]]\nos_user = "{s}"\nname = "{s.title()}"\n'
                    f'role = "{"supervisor" if s == "lead" else "agent"}"\n\n' for s in STAFF)
    me = os.environ.get("USER") or "root"
    if me not in STAFF:
        staff += f'[[staff]]\nos_user = "{me}"\nname = "Bench"\nrole = "admin"\n\n'
    path = OUT / "reports-config.toml"
    path.write_text(CONFIG.format(db=DB, staff=staff))
    return path


def _source() -> Path:
    for candidate in (SOURCE, FALLBACK):
        if candidate.exists():
            return candidate
    print("building the 100k bench inbox first (bench_tui)")
    subprocess.run([sys.executable, str(HERE / "bench_tui.py"), "--idle-seconds", "0"],
                   check=True, cwd=ROOT)
    return SOURCE


def build(target_events: int) -> dict[str, float]:
    """Copy the inbox and write a year of history into it (plain SQL: a bench fixture)."""
    import sqlite3

    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    shutil.copyfile(_source(), DB)
    os.chmod(DB, 0o600)
    conn = sqlite3.connect(DB)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = int(conn.execute("SELECT max(last_message_at) FROM conversations").fetchone()[0])
    year_ago = now - 365 * 86400
    convs = conn.execute("SELECT id, created_at, status, channel, mailbox FROM conversations"
                         " WHERE created_at >= ? AND merged_into IS NULL ORDER BY created_at",
                         (year_ago,)).fetchall()
    per_conv = max(4, target_events // max(1, len(convs)))
    rng = random.Random(2026)
    events: list[tuple[int, str, str, str, str]] = []
    messages: list[tuple[int, str, int]] = []  # conversation, direction, date
    red = []
    holders: list[tuple[str, int]] = []  # who holds each conversation after its history
    for conv_id, created, final, _channel, _mailbox in convs:
        target = f"conversation:{conv_id}"
        horizon = max(created + 600, min(now - 60, created + rng.choice(
            (3600, 6 * 3600, 86400, 3 * 86400, 10 * 86400))))
        t = created
        status = "open"
        holder: str | None = None
        budget = per_conv
        if rng.random() < 0.02:
            red.append(conv_id)
        while budget > 0:
            t = min(horizon, t + rng.randint(60, max(120, (horizon - created) // per_conv)))
            who = rng.choice(STAFF)
            roll = rng.random()
            if roll < 0.30:
                events.append((t * 1000, who, "conversation.view", target, "{}"))
                budget -= 1
            elif roll < 0.38:
                new_holder = rng.choice((*STAFF, None))
                events.append((t * 1000, who, "conversation.assign", target,
                               json.dumps({"from": holder, "to": new_holder})))
                holder = new_holder
                budget -= 1
            elif roll < 0.48:
                events.append((t * 1000, who, "conversation.note", target,
                               json.dumps({"note": 0, "mentions": []})))
                budget -= 1
            elif roll < 0.66:
                messages.append((conv_id, "out", t))
                events.append((t * 1000, "outbox", "outbox.sent", target,
                               json.dumps({"author": who, "message": -len(messages)})))
                events.append((t * 1000, who, "send", target,
                               json.dumps({"channel": "email", "outbox": 0})))
                budget -= 2
            elif roll < 0.74:
                messages.append((conv_id, "in", t))
                if status != "open":
                    events.append((t * 1000, "system", "conversation.status", target,
                                   json.dumps({"from": status, "to": "open",
                                               "reason": "patient replied"})))
                    status = "open"
                budget -= 1
            elif roll < 0.80:
                events.append((t * 1000, who, "conversation.list", "",
                               json.dumps({"count": 50})))
                budget -= 1
            else:
                new = rng.choice(("pending", "closed", "open", "snoozed"))
                until = t + 86400 if new == "snoozed" else None
                events.append((t * 1000, who, "conversation.status", target,
                               json.dumps({"from": status, "to": new, "until": until})))
                status = new
                budget -= 1
        if holder is not None:
            holders.append((holder, conv_id))
        if status != final:
            t = min(now - 30, t + 600)
            events.append((t * 1000, rng.choice(STAFF), "conversation.status", target,
                           json.dumps({"from": status, "to": final, "until": None})))
    print(f"  {len(events):,} events and {len(messages):,} messages generated"
          f" ({time.perf_counter() - started:.0f} s)", flush=True)
    with conn:
        base = int(conn.execute("SELECT coalesce(max(id), 0) FROM raw_messages").fetchone()[0])
        conn.executemany("INSERT INTO raw_messages (id, sha256, size, data) VALUES (?, ?, 1, x'00')",
                         [(base + i + 1, (b"bench-report-%d" % i).ljust(32, b"-"))
                          for i in range(len(messages))])
        first_msg = int(conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]) + 1
        conn.executemany(
            "INSERT INTO messages (id, raw_id, conversation_id, channel, direction, date,"
            " seen) VALUES (?, ?, ?, 'email', ?, ?, 1)",
            [(first_msg + i, base + i + 1, c, d, at) for i, (c, d, at) in enumerate(messages)])
        fixed = []
        for at, actor, action, target, details in events:
            if action == "outbox.sent":
                data = json.loads(details)
                data["message"] = first_msg + (-data["message"] - 1)
                details = json.dumps(data)
            fixed.append((at, actor, action, target, details))
        fixed.sort(key=lambda e: e[0])
        conn.executemany("INSERT INTO events (at, actor, action, target, details)"
                         " VALUES (?, ?, ?, ?, ?)", fixed)
        conn.execute(
            "UPDATE conversations SET last_message_at = (SELECT max(date) FROM messages m"
            " WHERE m.conversation_id = conversations.id),"
            " first_response_at = (SELECT min(date) FROM messages m WHERE m.conversation_id"
            " = conversations.id AND direction = 'out'), sla_dirty = 1 WHERE created_at >= ?",
            (year_ago,))
        conn.executemany("INSERT OR IGNORE INTO conversation_tags (conversation_id, tag)"
                         " VALUES (?, 'red-flag')", [(c,) for c in red])
        conn.execute("UPDATE conversations SET assignee = NULL WHERE created_at >= ?",
                     (year_ago,))
        conn.executemany("UPDATE conversations SET assignee = ? WHERE id = ?", holders)
        # The kept status and assignee spans (migrations 22, 24) as an upgrade writes them
        # from this trail: the triggers saw each conversation born with its final state.
        sys.path.insert(0, str(ROOT / "src"))
        from cxinbox.store.schema_report_assignees import MIGRATION_REPORT_ASSIGNEES
        from cxinbox.store.schema_report_spans import MIGRATION_REPORT_SPANS

        for table, migration in (("report_spans", MIGRATION_REPORT_SPANS),
                                 ("report_assignees", MIGRATION_REPORT_ASSIGNEES)):
            conn.execute(f"DELETE FROM {table}")
            conn.execute(migration[migration.rindex(f"INSERT INTO {table} ("):])  # backfill
    total = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    conn.close()
    sys.path.insert(0, str(ROOT / "src"))
    from cxinbox.config import load_config
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database

    config = load_config(_config_path())
    db = Database(DB)
    sla_started = time.perf_counter()
    InboxService(db, config, "bench").refresh_sla()
    db.conn.execute("PRAGMA optimize")
    db.close()
    meta = {"now": float(now), "events": float(total), "messages_added": float(len(messages)),
            "build_s": time.perf_counter() - started,
            "sla_s": time.perf_counter() - sla_started}
    META.write_text(json.dumps(meta))
    return meta


def warm(config_path: Path) -> tuple[int, float]:
    """Bring the kept report facts (migration 19) up to date: after the upgrade that added
    them, or after the build wrote history behind their triggers' back, every conversation
    is recomputed once. Timed apart from the reports: a desk pays it once."""
    sys.path.insert(0, str(ROOT / "src"))
    from cxinbox.config import load_config
    from cxinbox.service.inbox import InboxService
    from cxinbox.service.reports import ReportService
    from cxinbox.store.db import Database

    config = load_config(config_path)
    db = Database(config.db_path)
    try:
        started = time.perf_counter()
        done = ReportService(InboxService(db, config, "bench")).refresh_facts()
        return done, time.perf_counter() - started
    finally:
        db.close()


def run_cli(report: str, since: str, config: Path, fmt: str = "--json") -> tuple[float, str]:
    wall, _cpu, out = run_cli_cpu(report, since, config, fmt)
    return wall, out


def run_cli_cpu(report: str, since: str, config: Path, fmt: str = "--json",
                src: Path = ROOT / "src", by: str | None = None) -> tuple[float, float, str]:
    """(wall s, CPU s of the child: user + system, process start included, stdout). The CPU
    figure stays meaningful on a machine other jobs keep busy; the wall one is the target's."""
    args = (["list", "id:1", "--json"] if report == "baseline"
            else ["report", report, "--since", since, fmt, *(["--by", by] if by else [])])
    env = {**os.environ, "PYTHONPATH": str(src), "CXINBOX_CONFIG": str(config)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cxinbox", *args], env=env, check=False,
                          capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"report {report} failed: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stdout


def _name(report: str, by: str | None) -> str:
    return f"{report}/{by}" if by else report


def against(config: Path, other: Path, rounds: int) -> None:
    """Every report's CPU time with this checkout's code and with `other` (another
    checkout's src/, e.g. the commit before a change), run alternately so both see the
    same load: minimum and median of `rounds` runs each."""
    compileall.compile_dir(str(other), quiet=1)
    print(f"load average {os.getloadavg()[0]:.1f}; CPU s (user + system, process start"
          f" included), min / median of {rounds} runs, {other} vs this checkout")
    print("report          period   other min  median   this min  median  this/other")
    jobs = [("baseline", "", None)] + [(r, s, by) for r, by in JOBS for s in TARGETS]
    for report, since, by in jobs:
        theirs: list[float] = []
        ours: list[float] = []
        for _ in range(rounds):
            theirs.append(run_cli_cpu(report, since, config, src=other, by=by)[1])
            ours.append(run_cli_cpu(report, since, config, by=by)[1])
        print(f"{_name(report, by):<14}  {since:>6}  {min(theirs):9.2f}"
              f"  {statistics.median(theirs):6.2f}"
              f"  {min(ours):9.2f}  {statistics.median(ours):6.2f}"
              f"  {statistics.median(ours) / statistics.median(theirs):10.2f}", flush=True)


def tui_child(config_path: str) -> None:
    """The app as `cxinbox` runs it, in-process, as the supervisor of the bench roster."""
    sys.path.insert(0, str(ROOT / "src"))
    from cxinbox.api.interface import InProcessAPI
    from cxinbox.config import load_config
    from cxinbox.service.inbox import InboxService
    from cxinbox.store.db import Database
    from cxinbox.tui.app import CxInboxApp

    config = load_config(Path(config_path))
    db = Database(config.db_path)
    api = InProcessAPI(InboxService(db, config, "lead"))
    CxInboxApp(api, config, idle_lock_s=0).run(mouse=False)


def bench_tui(config: Path, rounds: int) -> None:
    sys.path.insert(0, str(HERE))
    from bench_tui import Pty

    opened, first, filled = [], [], []
    for _ in range(rounds):
        term = Pty([sys.executable, str(Path(__file__).resolve()), "--tui-child", str(config)])
        try:
            term.until(b"online:", 0, timeout=120)
            term.quiet(1.0)
            opened.append(term.key(b"D", b"Reports: last 7 days"))
            mark = len(term.out)
            start = time.perf_counter() - opened[-1]
            first.append(term.until(b"Received", mark, timeout=120) - start)
            filled.append(term.until(b"to first action", mark, timeout=120) - start)
        finally:
            term.close()
    print(f"reports screen, 80x24, {rounds} runs: D -> screen drawn median"
          f" {statistics.median(opened) * 1000:.0f} ms (worst {max(opened) * 1000:.0f} ms,"
          f" target 500 ms); D -> the first figures (volume) median"
          f" {statistics.median(first):.2f} s; D -> every figure of the last 7 days median"
          f" {statistics.median(filled):.2f} s (worst {max(filled):.2f} s)")


def main() -> None:
    if sys.argv[1:2] == ["--tui-child"]:
        tui_child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tui", action="store_true", help="time the reports screen only")
    parser.add_argument("--against", type=Path, metavar="SRC",
                        help="compare CPU times with another checkout's src/ directory")
    args = parser.parse_args()
    if args.rebuild or not DB.exists() or not META.exists():
        print(f"building {DB} (a year of events, ~{args.events:,})")
        meta = build(args.events)
    else:
        meta = json.loads(META.read_text())
    config = _config_path()
    # An installed cxinbox runs from compiled bytecode (pip writes it); with
    # PYTHONDONTWRITEBYTECODE set (as on the bench machine) a checkout would compile every
    # module from source in every process (~0.3 s of CPU), which no desk pays.
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    done, took = warm(config)
    if done:
        print(f"kept report facts computed for {done:,} conversations in {took:.1f} s"
              " (once after the upgrade; later reports recompute only what changed)")
    if args.tui:
        bench_tui(config, args.rounds)
        return
    if args.against is not None:
        against(config, args.against.resolve(), args.rounds)
        return
    print(f"inbox: 100,000 conversations, {int(meta['events']):,} events"
          f" (+{int(meta['messages_added']):,} messages); built in {meta['build_s']:.0f} s")
    load = os.getloadavg()[0]
    base = [run_cli_cpu("baseline", "", config) for _ in range(args.rounds)]
    print(f"load average {load:.1f} on {os.cpu_count()} cores; `cxinbox list id:1` (process"
          f" start, config, database open) takes {statistics.median(b[0] for b in base):.2f} s"
          f" here ({statistics.median(b[1] for b in base):.2f} s CPU)")
    print("\nreport          period  median s  worst s  CPU s  target  ok")
    failures = 0
    for report, by in JOBS:
        for since, target in TARGETS.items():
            runs = [run_cli_cpu(report, since, config, by=by) for _ in range(args.rounds)]
            times = [r[0] for r in runs]
            median, worst = statistics.median(times), max(times)
            cpu = statistics.median(r[1] for r in runs)
            ok = median < target
            failures += not ok
            print(f"{_name(report, by):<14}  {since:>6}  {median:8.2f}  {worst:7.2f}  {cpu:5.2f}"
                  f"  {target:5.1f}s  {'yes' if ok else 'NO'}", flush=True)
    print("\nthe 30-day figures:")
    for report in REPORTS:
        _, text = run_cli(report, "30d", config, "--ascii")
        lines = text.splitlines()
        print("\n".join(lines[:16] + (["  ..."] if len(lines) > 16 else [])))
    print(f"\n{failures} target(s) missed")


if __name__ == "__main__":
    main()
