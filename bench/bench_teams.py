"""What team assignment costs on a busy inbox: one pick, and a bulk of every conversation.

    PYTHONPATH=src:. python bench/bench_teams.py [--conversations 20000] [--picks 200]

  setup    `--conversations` one-message conversations, all open, spread over a three-person
           least-open team first (so each holds a third: the open counts are large)
  one      `assign ID team:desk` `--picks` times: median and p95 (each pick counts the
           members' open conversations, then writes the assignment and its event)
  bulk     every conversation to the team again, as a dry run and for real (the counts are
           read once and kept current through the run)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tests.teamhelp import Clock, write_config
from tests.test_bulk_cli import fill

from cxinbox.config import Config, load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.teams import TeamService
from cxinbox.store.db import Database

TEAM = """
[[teams]]
name = "desk"
members = ["maria", "jsmith", "lead"]
strategy = "least-open"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--picks", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-teams-"))
    path = write_config(tmp, sla=False)
    path.write_text(path.read_text() + TEAM)
    config = load_config(path)
    db = Database(config.db_path, synchronous="OFF")
    try:
        run(db, config, args.conversations, args.picks)
    finally:
        db.close()
        shutil.rmtree(tmp, ignore_errors=True)


def run(db: Database, config: Config, conversations: int, picks: int) -> None:
    ids = fill(db, conversations)
    teams = TeamService(InboxService(db, config, "lead", clock=Clock()))
    teams.bulk_assign("", "desk")
    times = []
    for conv in ids[:picks]:
        start = time.perf_counter()
        teams.assign(conv, "desk")
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"one pick ({conversations:,} open over 3 members): median"
          f" {statistics.median(times) * 1000:.1f} ms, p95"
          f" {times[int(len(times) * 0.95)] * 1000:.1f} ms")
    for dry in (True, False):
        start = time.perf_counter()
        teams.bulk_assign("", "desk", dry_run=dry)
        print(f"bulk of {conversations:,}{' (dry run)' if dry else ''}:"
              f" {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
