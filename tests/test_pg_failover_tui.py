"""The TUI told that the database is behind its change-feed cursor starts over from it.

After a PostgreSQL standby is promoted without the last commits (asynchronous
replication), the server answers a long poll whose cursor is beyond the database's newest
event at once, with that event's seq (`wait_events`, tests/test_pg_failover.py shows it on
a real failover). Here the answer is made up on the demo clinic (SQLite, with Pilot), so
the TUI's side is seen alone: its next poll asks from the database's head, not from its
own cursor (which would skip every new event until the sequence passed it again), and its
list reloads.

Once the promoted database has committed more events than were lost, its head is past
the TUI's cursor again: the answer then says so by another timeline (`Changes.epoch`),
and the TUI starts over all the same, reading again the conversation it has open.
"""

from __future__ import annotations

import dataclasses
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
                          presence_version: int | None = None, epoch: str | None = None):
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


async def test_a_tui_told_of_another_timeline_starts_over_though_ahead(
        tmp_path: Path) -> None:
    """Every answer says the database is on timeline 1; then one, after a colleague's
    change, says timeline 2 with a head past the cursor and no events (as after a
    promotion that has since committed more than it lost). The TUI asks next from that
    head with the new timeline, and reads again its list and the conversation it has open
    (which, from the feed alone, it would not: no event names it)."""
    inbox = make_inbox(tmp_path)
    original = inbox.api.inner.wait_events
    epochs: list[str | None] = []
    asked: list[int] = []
    timeline = "timeline 1"
    armed = False
    answered: list[int] = []  # the head of the answer from the new timeline

    async def on_timeline(seq: int, timeout_s: float = 25.0,  # type: ignore[no-untyped-def]
                          presence_version: int | None = None, epoch: str | None = None):
        nonlocal armed, timeline
        asked.append(seq)
        epochs.append(epoch)
        if armed:
            armed = False
            timeline = "timeline 2"
            head = InboxService(inbox.db, inbox.demo.config, "maria").last_event_seq()
            answered.append(head)
            return Changes((), head, presence_version or 0, epoch=timeline)
        changes = await original(seq, timeout_s, presence_version)
        return dataclasses.replace(changes, epoch=timeline)

    inbox.api.inner.wait_events = on_timeline  # type: ignore[method-assign]
    app = make_app(inbox, poll_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: "timeline 1" in epochs, what="a poll with the timeline")
        conv = next(s.id for s in app.conversation_list.loaded_summaries())
        app.conversation_list.move_to(app.conversation_list.row_of(conv) or 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conv_id == conv, what="open")
        loads: list[int] = []
        get_conversation = app.api.get_conversation

        async def counting(conv_id: int):  # type: ignore[no-untyped-def]
            loads.append(conv_id)
            return await get_conversation(conv_id)

        app.api.get_conversation = counting  # type: ignore[method-assign]
        mark_stale = app.conversation_list.mark_stale
        stale = 0

        def counting_stale() -> None:
            nonlocal stale
            stale += 1
            mark_stale()

        app.conversation_list.mark_stale = counting_stale  # type: ignore[method-assign]
        InboxService(inbox.db, inbox.demo.config, "maria").tag(conv, add=["gone"], remove=[])
        armed = True
        await wait_for(pilot, lambda: bool(answered), what="the answer from timeline 2")
        await wait_for(pilot, lambda: "timeline 2" in epochs, what="a poll on timeline 2")
        at = epochs.index("timeline 2")
        assert asked[at] == answered[0], (asked, answered)
        await wait_for(pilot, lambda: conv in loads, what="the open conversation read again")
        assert stale >= 1, "the list was not reloaded"
