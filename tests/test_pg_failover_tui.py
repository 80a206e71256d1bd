"""The TUI told that the database is behind its change-feed cursor starts over from it.

After a PostgreSQL standby is promoted without the last commits (asynchronous
replication), the server answers a long poll whose cursor is beyond the database's newest
event at once, with that event's seq (`wait_events`, tests/test_pg_failover.py shows it on
a real failover). Here the answer is made up on the demo clinic (SQLite, with Pilot), so
the TUI's side is seen alone: its next poll asks from the database's head, not from its
own cursor (which would skip every new event until the sequence passed it again), and its
list reloads.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_tui_support import make_app, make_inbox, wait_for, wait_rows

from cxinbox.contract.types import Changes
from cxinbox.service.inbox import InboxService

BEHIND = 2


async def test_a_tui_whose_cursor_is_beyond_the_database_starts_over(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    original = inbox.api.inner.wait_events
    asked: list[int] = []
    armed = False
    answered_at: list[int] = []  # the index in `asked` of the call answered from behind
    stale_then: list[int] = []  # the list's reloads asked for until that answer
    stale = 0

    async def behind_once(seq: int, timeout_s: float = 25.0,  # type: ignore[no-untyped-def]
                          presence_version: int | None = None):
        nonlocal armed
        asked.append(seq)
        if armed:
            armed = False
            answered_at.append(len(asked) - 1)
            stale_then.append(stale)
            return Changes((), seq - BEHIND, presence_version or 0)
        return await original(seq, timeout_s, presence_version)

    inbox.api.inner.wait_events = behind_once  # type: ignore[method-assign]
    app = make_app(inbox, poll_interval=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: bool(asked), what="the first long poll")
        mark_stale = app.conversation_list.mark_stale

        def counting() -> None:
            nonlocal stale
            stale += 1
            mark_stale()

        app.conversation_list.mark_stale = counting  # type: ignore[method-assign]
        armed = True
        other = next(s.id for s in app.conversation_list.loaded_summaries())
        seq = InboxService(inbox.db, inbox.demo.config, "maria").tag(other, add=["x"],
                                                                      remove=[])
        await wait_for(pilot, lambda: bool(answered_at), what="the poll answered from behind")
        await wait_for(pilot, lambda: len(asked) > answered_at[0] + 1, what="the next poll")
        cursor, after = asked[answered_at[0]], asked[answered_at[0] + 1]
        assert after == cursor - BEHIND, (cursor, asked)
        assert stale > stale_then[0], "the list was not reloaded"
        await wait_for(pilot, lambda: (app._last_seq or 0) >= seq,
                       what="the colleague's change taken in again")
