"""What `cxinbox rules test` costs on SQLite and on PostgreSQL, A against B interleaved.

    PYTHONPATH=src:. python bench/bench_rules_test_pg.py [--conversations 150]
        [--arrivals 150] [--rounds 3] [--against DIR]

  setup   the demo clinic (`build_demo`, `--conversations`) and `--arrivals` more patient
          messages, each its own ingest (its own moment to rehearse), with the demo's
          teams counting open conversations (least-open), so each moment also puts every
          conversation's holder back as it was (`rewind_holders`); the same database
          copied to a PostgreSQL cluster of its own (`store copy`)
  replay  `rules test "lab results" --since 30d` on each backend, `--rounds` times: with
          `--against DIR` (the `src` of another checkout, e.g. `git worktree add
          /tmp/before HEAD~3`), A is that code and B this one, in turn, each in a process
          of its own started by this one, on the same two databases; wall seconds of the
          replay alone (not the process's start), the statements sent to PostgreSQL (the
          store's, not the driver's BEGIN/ROLLBACK) and the times the driver waited to
          read an answer (round trips, about: on a busy machine each costs the server and
          this process a turn on a core), the load average beside them, and a check that
          A and B gave the same answer
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RULE = "lab results"


def build(path: Path, conversations: int, arrivals: int) -> None:
    from cxinbox.service.demo import build_demo
    from cxinbox.store.db import Database

    db = Database(path, synchronous="OFF")
    start = time.time() - 3 * 3600
    demo = build_demo(db, seed=7, me="frontdesk", now=start, conversations=conversations,
                      timezone="UTC")
    for i in range(arrivals):
        demo.arrive(now=start + 60 * (i + 1))
    db.close()


def replay_config() -> Any:
    """The demo's config as `build_demo` made it, its teams counting open conversations
    (least-open): made again in each process, from the code on its path."""
    from cxinbox.config import StaffMember
    from cxinbox.service.demo import demo_config, with_automation

    config = demo_config("UTC")
    if config.staff_member("frontdesk") is None:
        config = dataclasses.replace(config, staff=(
            *config.staff, StaffMember(os_user="frontdesk", name="Frontdesk",
                                       role="supervisor")))
    config = with_automation(config)
    teams = tuple(dataclasses.replace(t, strategy="least-open") for t in config.teams)
    return dataclasses.replace(config, teams=teams)


def child(backend: str, where: str) -> None:
    """One replay in this process (the code on its path), its figures as a JSON line."""
    from cxinbox.service.inbox import InboxService
    from cxinbox.service.rules_preview import preview
    from cxinbox.store.db import Database
    from cxinbox.wiring import rules_engine

    config = replay_config()
    sent, waits = [0], [0]
    if backend == "postgresql":
        from cxinbox.store.pg.conn import PgConnection
        from cxinbox.store.pg.store import PgStore

        one, many = PgConnection.execute, PgConnection.executemany

        def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            sent[0] += 1
            return one(self, *args, **kwargs)

        def executemany(self: Any, *args: Any, **kwargs: Any) -> Any:
            sent[0] += 1
            return many(self, *args, **kwargs)

        PgConnection.execute = execute  # type: ignore[method-assign]
        PgConnection.executemany = executemany  # type: ignore[method-assign]
        from psycopg import waiting

        wait = waiting.wait

        def reading(gen: Any) -> Any:  # each time the driver waits to read an answer
            try:
                state = next(gen)
                while True:
                    waits[0] += state == waiting.Wait.R
                    state = gen.send((yield state))
            except StopIteration as done:
                return done.value

        waiting.wait = lambda gen, *args, **kwargs: wait(reading(gen), *args, **kwargs)
        store: Any = PgStore(where, min_size=1, max_size=2)
    else:
        store = Database(Path(where), synchronous="OFF")
    service = InboxService(store, config, "frontdesk")
    engine = rules_engine(store, config, replaying=RULE)
    assert engine is not None
    with store.reading() as tx:  # connected and warm before the clock starts
        tx.last_event_seq()
    sent[0] = waits[0] = 0
    started = time.perf_counter()
    result = preview(service, engine, RULE, int(time.time()) - 30 * 86400)
    seconds = time.perf_counter() - started
    rows = [[r.conversation_id, r.at, list(r.would), r.live] for r in result.rows]
    print(json.dumps({"seconds": seconds, "triggered": result.triggered,
                      "statements": sent[0], "waits": waits[0], "rows": rows}))
    store.close()


def run(src: str, backend: str, where: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{src}:{Path(__file__).resolve().parent.parent}"}
    out = subprocess.run([sys.executable, __file__, "--child", backend, where], env=env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare(cluster: Any, tmp: Path, rounds: int,
            against: str | None) -> None:
    from cxinbox.store.pg.copy import connect, copy_to_postgres

    cluster.create_database("bench")
    url = cluster.url("bench")
    source = sqlite3.connect(tmp / "demo.db")
    target = connect(url)
    target.autocommit = True
    copy_to_postgres(source, target, url=url)
    source.close()
    target.close()
    here = str(Path(__file__).resolve().parent.parent / "src")
    variants = {"A before": against, "B now": here} if against else {"now": here}
    wheres = {"sqlite": str(tmp / "demo.db"), "postgresql": url}
    results: dict[tuple[str, str], list[float]] = {}
    answers: dict[str, Any] = {}
    for round_no in range(rounds):
        for backend, where in wheres.items():
            for name, src in variants.items():
                got = run(src, backend, where)
                if answers.setdefault(backend, got["rows"]) != got["rows"]:
                    raise SystemExit(f"{backend} {name}: the answer differs from the first")
                results.setdefault((backend, name), []).append(got["seconds"])
                sent = (f"{got['statements']:5d} statements, {got['waits']:5d} waits"
                        if backend == "postgresql" else "")
                print(f"round {round_no + 1} {backend:10} {name:8} {got['seconds']:6.2f} s"
                      f"  {got['triggered']} triggers {sent}"
                      f"  load {os.getloadavg()[0]:.1f}", flush=True)
    for (backend, name), times in results.items():
        print(f"{backend:10} {name:8} best {min(times):6.2f} s of {len(times)}")
    if answers["sqlite"] != answers["postgresql"]:
        print("note: the two backends' answers differ")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=150)
    parser.add_argument("--arrivals", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="the src directory of the code to compare with")
    args = parser.parse_args()
    if args.against and not (Path(args.against) / "cxinbox").is_dir():
        raise SystemExit(f"--against {args.against}: no cxinbox package there")
    from tests.support.pgcluster import pg_cluster

    tmp = Path(tempfile.mkdtemp(prefix="cxinbox-bench-rt-"))
    build(tmp / "demo.db", args.conversations, args.arrivals)
    print(f"setup: {args.conversations} conversations and {args.arrivals} arrivals")
    try:
        with pg_cluster() as cluster:
            compare(cluster, tmp, args.rounds, args.against)
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
