"""A storm of changes at a TUI: how many header count reads and list reads it costs.

    python bench/bench_counts_storm.py [--rounds 2] [--changes 30] [--gap 0.3]

A colleague assigns conversations back and forth (`--changes`, one every `--gap` s) while
the app runs headless at 80x24 on a real SQLite inbox (tests/test_tui_support.py). Each
round runs A (the counts read with every page after a change: the pace's burst unbounded)
and B (tui/countpace.py) one after the other in this process, interleaved, and prints the
count reads (the `Mine` count's query) and all list reads of each, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_tui_support import ME, make_app, make_inbox, wait_for, wait_rows

from cxinbox.service.inbox import InboxService
from cxinbox.tui.countpace import CountPace
from cxinbox.tui.widgets.header_bar import COUNTS


async def storm(pace: CountPace, changes: int, gap: float) -> tuple[int, int, float]:
    """(count reads, list reads, seconds) of one storm."""
    with tempfile.TemporaryDirectory() as tmp:
        inbox = make_inbox(Path(tmp), conversations=40)
        app = make_app(inbox)
        app._count_pace = pace
        mine_query = next(c.query for c in COUNTS if c.key == "mine")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_rows(pilot, app)
            await wait_for(pilot, lambda: app._last_seq is not None, what="feed")
            await wait_for(pilot, lambda: app.header_bar._counts.get("mine") is not None,
                           what="counts")
            reads: list[str] = []
            inner = app.api.list_conversations

            async def counting(query: str, *args: Any, **kwargs: Any) -> Any:
                reads.append(query)
                return await inner(query, *args, **kwargs)

            app.api.list_conversations = counting  # type: ignore[method-assign]
            colleague = InboxService(inbox.db, inbox.demo.config, "maria")
            rows = [s for s in app.conversation_list.loaded_summaries()
                    if s.status == "open" and not s.red_flag_open][:6]
            started = time.monotonic()
            for n in range(changes):
                colleague.assign(rows[n % len(rows)].id, ME if n % 2 else "maria")
                await pilot.pause(gap)  # the storm's pace: a colleague's hands
            took = time.monotonic() - started
            mine = colleague.list_conversations(f"assignee:{ME}", 0, 1).total
            await wait_for(pilot, lambda: app.header_bar._counts.get("mine") == mine,
                           what="counts settled")
        return reads.count(mine_query), len(reads), took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.3)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r in range(args.rounds):
        for name, pace in (("A every page", CountPace(burst=10**9)), ("B paced", CountPace())):
            counts, lists, took = asyncio.run(storm(pace, args.changes, args.gap))
            print(f"round {r + 1} {name}: {args.changes} changes in {took:.1f} s:"
                  f" {counts} count reads, {lists} list reads")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
