"""A storm of changes at a running TUI, counting the list reads it costs: one driver for
tests/test_tui_counts_storm.py and bench/bench_counts_storm.py.

The app runs headless at 80x24 on a real SQLite inbox (tests/test_tui_support.py) while a
colleague assigns conversations back and forth: `changes` assignments, each either waited
for on screen (`gap` None: the test's pace, the rows must follow every change) or followed
by a pause of `gap` seconds (the bench's pace: a colleague's hands). Once the storm is over
the header's `Mine` count must end as the rows say. Returned: the count reads (the `Mine`
count's query), all list reads, and the storm's seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.test_tui_support import ME, make_app, make_inbox, wait_for, wait_rows

from cxinbox.service.inbox import InboxService
from cxinbox.tui.countpace import CountPace
from cxinbox.tui.widgets.header_bar import COUNTS


@dataclass(frozen=True, slots=True)
class Storm:
    count_reads: int
    list_reads: int
    took_s: float


async def run_storm(tmp: Path, changes: int, *, gap: float | None = None,
                    pace: CountPace | None = None) -> Storm:
    inbox = make_inbox(tmp, conversations=40)
    app = make_app(inbox)
    if pace is not None:
        app._count_pace = pace
    mine_query = next(c.query for c in COUNTS if c.key == "mine")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app._last_seq is not None, what="change feed followed")
        await wait_for(pilot, lambda: app.header_bar._counts.get("mine") is not None,
                       what="the counts")
        reads: list[str] = []
        inner = app.api.list_conversations

        async def counting(query: str, *args: Any, **kwargs: Any) -> Any:
            reads.append(query)
            return await inner(query, *args, **kwargs)

        app.api.list_conversations = counting  # type: ignore[method-assign]
        colleague = InboxService(inbox.db, inbox.demo.config, "maria")
        rows = [s for s in app.conversation_list.loaded_summaries()
                if s.status == "open" and not s.red_flag_open][:6]

        def holder(conv: int) -> str | None:
            row = next((s for s in app.conversation_list.loaded_summaries()
                        if s.id == conv), None)
            return row.assignee if row is not None else "?"

        started = time.monotonic()
        for n in range(changes):
            conv, who = rows[n % len(rows)].id, ME if n % 2 else "maria"
            colleague.assign(conv, who)
            if gap is None:  # the rows follow each change: the next once this one shows
                await wait_for(pilot, lambda c=conv, w=who: holder(c) == w,
                               what=f"change {n} on screen")
            else:
                await pilot.pause(gap)
        took = time.monotonic() - started
        storm_reads = reads.count(mine_query)
        # ... and once the storm is over, the counts end as the rows say
        mine_rows = colleague.list_conversations(f"assignee:{ME}", 0, 1).total
        await wait_for(pilot, lambda: app.header_bar._counts.get("mine") == mine_rows,
                       what="the counts as the rows say, after the storm")
    return Storm(storm_reads, len(reads), took)
