"""The composer's Ctrl+N on a red-flagged conversation: the server refuses the article as it
refuses a canned reply, the toast says why, and the emergency guidance stays the reply; an
article put in before the flag was raised is not sent either."""

from __future__ import annotations

from tests.test_tui_escalations import Recorder
from tests.test_tui_redflag import arrive, clinical, inbox  # noqa: F401 - the fixture
from tests.test_tui_support import Inbox, make_app, screen_text, wait_for, wait_rows
from textual.widgets import TextArea

from cxinbox.service.inbox import InboxService
from cxinbox.tui.screens.compose import ComposeScreen
from cxinbox.tui.screens.kb import KbScreen


async def test_ctrl_n_is_refused_and_the_guidance_stays(inbox: Inbox) -> None:  # noqa: F811
    conv = arrive(inbox, "Parking", "Where do I park? I have crushing chest pain right now.\n",
                  "pat@example.com", minutes=1)
    app = make_app(inbox, config=clinical(inbox.demo.config))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        app.query_one("ConversationList").focus()
        await wait_for(pilot, lambda: f"#{conv}" in screen_text(app), what="the row")
        await pilot.press("g")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="composer")
        area = app.screen.query_one(TextArea)
        await wait_for(pilot, lambda: "call 911" in area.text, what="guidance")
        guidance = area.text
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press("p", "a", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="back")
        await wait_for(pilot, lambda: "open red flag" in screen_text(app), what="refusal")
        assert area.text == guidance and "Birch Lane" not in area.text
    refused = inbox.db.conn.execute(
        "SELECT target FROM events WHERE action = 'kb.refused'").fetchall()
    assert [tuple(r) for r in refused] == [(f"conversation:{conv}",)]
    assert inbox.db.conn.execute(
        "SELECT count(*) FROM events WHERE action = 'kb.insert'").fetchone()[0] == 0


async def test_an_article_put_in_before_a_colleague_flags_it_is_not_sent(
        inbox: Inbox) -> None:  # noqa: F811
    """An article inserted while the conversation had no flag, then a colleague (another
    actor) tags it `red-flag`: the composer shows the hand-raised flag at once, and a send
    still holding the article is refused in one line with nothing queued."""
    conv = arrive(inbox, "Parking", "Where do I park for my visit?\n", "pat@example.com",
                  minutes=1)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{conv}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="composer")
        composer = app.screen
        area = composer.query_one(TextArea)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press("p", "a", "enter")
        await wait_for(pilot, lambda: app.screen is composer and "Birch Lane" in area.text,
                       what="the article in the body")

        InboxService(inbox.db, inbox.demo.config, "maria").tag(conv, ["red-flag"])
        await wait_for(pilot, lambda: "RED FLAG (tagged by staff) raised while you wrote"
                       in " ".join(screen_text(app).split()), what="the red line")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(t.startswith(f"Not sent: #{conv} has an open red")
                                          for t in seen.toasts), what="the refusal")
        assert app.screen is composer
    assert inbox.db.conn.execute("SELECT count(*) FROM outbox WHERE conversation_id = ?",
                                 (conv,)).fetchone()[0] == 0


async def test_an_article_kept_in_a_reopened_draft_is_refused_by_the_server(
        inbox: Inbox) -> None:  # noqa: F811
    """The article goes in, Esc keeps the draft, a colleague flags the conversation, the
    draft is opened again (a new composer that never saw the article put in) and ^S: the
    server refuses it, the toast is its line, nothing is queued."""
    conv = arrive(inbox, "Parking", "Where do I park for my visit?\n", "pat@example.com",
                  minutes=1)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{conv}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="composer")
        first = app.screen
        area = first.query_one(TextArea)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press("p", "a", "enter")
        await wait_for(pilot, lambda: app.screen is first and "Birch Lane" in area.text,
                       what="the article in the body")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Keep the draft" in screen_text(app), what="the choice")
        await pilot.press("k")
        await wait_for(pilot, lambda: app.screen is app.screen_stack[0], what="closed")
        await wait_for(pilot, lambda: inbox.db.conn.execute(
            "SELECT count(*) FROM drafts WHERE conversation_id = ? AND body LIKE ?",
            (conv, "%Birch Lane%")).fetchone()[0] == 1, what="the draft kept")

        InboxService(inbox.db, inbox.demo.config, "maria").tag(conv, ["red-flag"])
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen)
                       and app.screen is not first
                       and "Birch Lane" in app.screen.query_one(TextArea).text,
                       what="the draft reopened")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("open red flag" in t and "canned" in t
                                          for t in seen.toasts), what="the refusal")
        assert isinstance(app.screen, ComposeScreen)
    assert inbox.db.conn.execute("SELECT count(*) FROM outbox WHERE conversation_id = ?",
                                 (conv,)).fetchone()[0] == 0
    assert inbox.db.conn.execute("SELECT count(*) FROM events WHERE action = 'canned.refused'"
                                 " AND target = ?", (f"conversation:{conv}",)).fetchone()[0] == 1


async def test_canned_text_is_not_sent_when_the_flag_cannot_be_looked_up(
        inbox: Inbox) -> None:  # noqa: F811
    """The composer fails closed: with an article in the body and the server's answer on
    the flag unavailable, ^S refuses in one line and queues nothing."""
    conv = arrive(inbox, "Parking", "Where do I park for my visit?\n", "pat@example.com",
                  minutes=1)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = Recorder(app)
        await wait_rows(pilot, app)
        await pilot.press("slash", "ctrl+u", *f"id:{conv}", "enter")
        await wait_for(pilot, lambda: app.conversation_list.selected is not None
                       and app.conversation_list.selected.id == conv, what="cursor on it")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="composer")
        composer = app.screen
        area = composer.query_one(TextArea)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press("p", "a", "enter")
        await wait_for(pilot, lambda: app.screen is composer and "Birch Lane" in area.text,
                       what="the article in the body")

        async def unreachable(*_: object) -> object:
            raise ConnectionError("the server went away")

        composer._api.list_conversations = unreachable  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(t.startswith(f"Not sent: could not check #{conv}")
                                          for t in seen.toasts), what="the refusal")
        assert app.screen is composer
    assert inbox.db.conn.execute("SELECT count(*) FROM outbox WHERE conversation_id = ?",
                                 (conv,)).fetchone()[0] == 0
