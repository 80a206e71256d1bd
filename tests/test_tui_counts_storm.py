"""A storm of changes reads the header's counts a few times, not once per change
(review27 #2: 30 assignments read them 30 times, six audited list reads each, on every
terminal), while the rows follow each change and the counts end as the rows say
(tui/countpace.py). The first change after a quiet spell keeps rows and counts in one
frame: tests/test_tui_counts_frame.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.test_tui_support import ME, make_app, make_inbox, wait_for, wait_rows

from cxinbox.service.inbox import InboxService
from cxinbox.tui.countpace import BURST, EVERY_S, CountPace
from cxinbox.tui.widgets.header_bar import COUNTS

CHANGES = 30


def test_the_pace_allows_a_burst_then_one_per_period() -> None:
    pace = CountPace()
    assert [pace.take(100.0) for _ in range(BURST + 1)] == [True] * BURST + [False]
    assert pace.take(100.0 + EVERY_S * 0.9) is False
    assert pace.take(100.0 + EVERY_S * 1.01) is True
    assert pace.take(100.0 + EVERY_S * 1.02) is False
    assert pace.take(1000.0) is True  # a quiet spell refills the burst
    assert pace.take(1000.0) is True


async def test_a_storm_of_changes_reads_the_counts_a_few_times(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=40)
    app = make_app(inbox)
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
        for n in range(CHANGES):
            conv, who = rows[n % len(rows)].id, ME if n % 2 else "maria"
            colleague.assign(conv, who)
            # the rows follow each change: the next comes once this one is on screen
            await wait_for(pilot, lambda c=conv, w=who: holder(c) == w,
                           what=f"change {n} on screen")
        took = time.monotonic() - started
        storm_reads = reads.count(mine_query)
        # ... and once the storm is over, the counts end as the rows say
        mine_rows = colleague.list_conversations(f"assignee:{ME}", 0, 1).total
        await wait_for(pilot, lambda: app.header_bar._counts.get("mine") == mine_rows,
                       what="the counts as the rows say, after the storm")
    ceiling = BURST + int(took / EVERY_S) + 1
    print(f"\n{CHANGES} changes in {took:.1f} s: {storm_reads} count reads"
          f" (ceiling {ceiling}), {len(reads)} list reads in all")
    assert storm_reads <= ceiling, (storm_reads, took)
