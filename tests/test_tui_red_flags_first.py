"""Open red flags first in the TUI's lists, read off the screen at 80x24 (issue #13's safety
point: in "At risk / breached" a flag due in minutes sat under every breached row).

The demo clinic on real SQLite through the in-process API; every check waits for the
repaint it reads. The store's paging against a reference is in test_query_plan.py, the
service and `cxinbox list` on both backends in test_red_flags_first.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.test_tui_redflag import BODY, arrive
from tests.test_tui_support import (
    NOW,
    Inbox,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.store import triage
from cxinbox.tui.app import CxInboxApp
from cxinbox.tui.views import standard_view


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    made = make_inbox(tmp_path, conversations=120)
    made.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    return made


def shown_rows(app: CxInboxApp) -> list[tuple[int, bool]]:
    """(id, marked RED!) for each conversation row on screen, top to bottom."""
    rows = []
    for line in screen_text(app).splitlines():
        for word in line.split():
            if word.startswith("#") and word[1:].isdigit():
                rows.append((int(word[1:]), "RED!" in line))
                break
    return rows


def service_order(inbox: Inbox, view: str, limit: int = 500) -> list[tuple[int, bool]]:
    page = inbox.service.list_conversations(standard_view(view).query, 0, limit)
    return [(c.id, c.red_flag_open) for c in page.items]


def screen_shows(app: CxInboxApp, want: list[tuple[int, bool]]) -> bool:
    rows = shown_rows(app)
    return len(rows) >= 5 and rows == want[:len(rows)]


async def test_at_risk_view_shows_a_new_red_flag_above_every_breach(inbox: Inbox) -> None:
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("3")
        want = service_order(inbox, "at-risk")
        assert want[0][1] and not want[-1][1]  # the demo has a flag and breaches
        await wait_for(pilot, lambda: screen_shows(app, want), what="the view's first screen")
        flags = [red for _, red in shown_rows(app)]
        assert flags == sorted(flags, reverse=True) and not all(flags)
        # A chest pain arriving now is due in an hour, every breach long ago: it goes first.
        conv = arrive(inbox, "Question about my bill", BODY, "pat@example.com", minutes=1)
        await wait_for(pilot, lambda: (conv, True) in shown_rows(app), what="the new flag")
        await wait_for(pilot, lambda: screen_shows(app, service_order(inbox, "at-risk")),
                       what="the view redrawn in the server's order")
        rows = shown_rows(app)
        flagged = [conv_id for conv_id, red in rows if red]
        assert rows[:len(flagged)] == [(conv_id, True) for conv_id in flagged]
        assert conv in flagged and not rows[-1][1]


async def test_all_open_pages_across_the_flagged_rows_without_loss(tmp_path: Path) -> None:
    """Seventy open flags, more than the first page fetched: scrolling down fetches windows
    that start inside the flagged part and end past it; each row held is the server's."""
    inbox = make_inbox(tmp_path)
    open_ids = [c.id for c in inbox.service.list_conversations(
        "status:open sort:oldest", 0, 500).items]
    assert len(open_ids) > 100
    with inbox.db.write() as conn:  # as the detector would, on two in three
        for conv_id in [c for i, c in enumerate(open_ids) if i % 3 != 2][:70]:
            triage.open_flag(conn, conv_id, "breathing", "can't breathe", 0, 0)
    want = service_order(inbox, "open")
    flagged = sum(red for _, red in want)  # 70, and the demo's own if it is elsewhere
    assert flagged >= 70 and [red for _, red in want] == \
        [True] * flagged + [False] * (len(want) - flagged)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: screen_shows(app, want), what="the first screen")
        lst = app.conversation_list
        # A screen down, then the last row: the list fetches what it lacks there, a window
        # with a margin of 60 rows above the screen from a multiple of 50, which starts
        # among the flags in a view of ~175.
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: screen_shows(app, want[int(lst.scroll_offset.y):]),
                       what="the second screen")
        await pilot.press("G")
        await wait_for(pilot, lambda: lst.cursor == len(want) - 1 and lst.selected is not None
                       and lst.selected.id == want[-1][0], what="the last row")
        await wait_for(pilot, lambda: screen_shows(app, want[int(lst.scroll_offset.y):]),
                       what="the screen there in the server's order")
        straddling = [(offset, limit) for query, offset, limit in inbox.api.list_calls
                      if query == "status:open" and 0 < offset < flagged < offset + limit]
        assert straddling, [c for c in inbox.api.list_calls if c[0] == "status:open"]
        held = [s.id for s in lst.loaded_summaries()]  # in list order
        assert len(set(held)) == len(held)  # none twice
        places = {conv_id: lst.row_of(conv_id) for conv_id in held}
        assert all(want[place][0] == conv_id for conv_id, place in places.items()
                   if place is not None)
        assert max(p for p in places.values() if p is not None) > 100


async def test_clearing_a_flag_from_the_at_risk_view_lifts_its_banner_and_guidance(
        inbox: Inbox) -> None:
    """A flag arriving now is first in view 3; cleared there, its conversation falls back
    to the clinic's ordinary policy and leaves the view, so no page brings its new state:
    the open thread must still drop the banner ("no canned replies"), and a reply must no
    longer start with the emergency guidance."""
    minutes = int((datetime.now(UTC) - NOW).total_seconds() // 60)
    conv = arrive(inbox, "Question about my bill", BODY, "pat@example.com", minutes=minutes)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("3")
        lst = app.conversation_list
        await wait_for(pilot, lambda: lst.loaded and lst.row_of(conv) is not None,
                       what="the new flag in view 3")
        row = lst.row_of(conv)
        assert row is not None and all(s.red_flag_open for s in lst.loaded_summaries()[:row])
        for _ in range(row):  # below the demo's own flag, due sooner: above every breach
            await pilot.press("j")
        await wait_for(pilot, lambda: lst.selected is not None and lst.selected.id == conv,
                       what="the cursor on it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "RED FLAG CHEST PAIN" in screen_text(app), what="banner")
        await pilot.press("F")
        await wait_for(pilot, lambda: "why is it safe" in screen_text(app), what="prompt")
        await pilot.press(*"called the patient: heartburn")
        await pilot.press("enter")
        await wait_for(pilot, lambda: inbox.service.get_conversation(
            conv, record_view=False).summary.red_flag_open is False, what="the flag cleared")
        assert conv not in [c.id for c in inbox.service.list_conversations(
            standard_view("at-risk").query, 0, 500).items]  # it left the view
        await wait_for(pilot, lambda: "RED FLAG" not in screen_text(app), timeout=30,
                       what="the banner gone from the open thread")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Reply to" in screen_text(app), timeout=30,
                       what="the composer")
        guidance = inbox.demo.config.triage.emergency_text.strip().splitlines()[0]
        assert guidance not in screen_text(app)


async def test_the_composer_says_red_flag_on_a_line_of_its_own_leaving_the_recipient_clear(
        inbox: Inbox) -> None:
    conv = arrive(inbox, "Question about my bill", BODY, "pat.long.address@example.com")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        lst = app.conversation_list
        await wait_for(pilot, lambda: lst.row_of(conv) is not None, what="the flagged row")
        for _ in range(lst.row_of(conv) or 0):
            await pilot.press("j")
        await wait_for(pilot, lambda: lst.selected is not None and lst.selected.id == conv,
                       what="the cursor on it")
        await pilot.press("r")
        guidance = inbox.demo.config.triage.emergency_text.strip().splitlines()[0]
        await wait_for(pilot, lambda: guidance[:40] in screen_text(app), what="the guidance")
        lines = screen_text(app).splitlines()
        # The flag's own line: its category and the patient's words, then the block.
        assert lines[1].startswith(' RED FLAG CHEST PAIN: "crushing chest"'), lines[:3]
        assert "no canned replies" in lines[1], lines[:3]
        to_line = next(line for line in lines if line.startswith("To "))
        assert "pat.long.address@example.com" in to_line  # no toast over the recipient
        body_start = next(i for i, line in enumerate(lines) if guidance[:40] in line)
        assert not any("wrote" in line for line in lines[body_start:])  # guidance, then you
