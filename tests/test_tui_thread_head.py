"""A thread opens at its newest message with that message's head on screen at 80x24: who
wrote it and when, even when the message is taller than the room under the header (a
red-flag banner quoting the patient's words makes that room smaller)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.test_tui_redflag import arrive
from tests.test_tui_support import Inbox, make_app, make_inbox, screen_text, wait_for, wait_rows

from cxinbox.tui.app import CxInboxApp

SPANISH = (
    "Hola, les escribo porque mi esposo tiene dolor de pecho muy fuerte desde anoche, le "
    "duele el brazo izquierdo y esta sudando mucho. No sabemos si ir a urgencias o esperar "
    "la cita de manana con la doctora. Tambien queria preguntar por la factura del mes "
    "pasado, nos cobraron dos veces la misma consulta y no entendemos por que. Mi hija "
    "dice que podemos pagar en linea pero la pagina no abre desde el telefono. Por favor "
    "llamenos lo antes posible al numero de siempre o escriban a este correo. Muchas "
    "gracias por todo y disculpen las molestias.\n\nSaludos cordiales de toda la familia,\n"
    "Maria\n")

LONG_BILLING = "\n".join(
    f"Line {n} of my notes on the statement: the visit on the {n}th was billed twice." for n in
    range(1, 19)) + "\n"


@pytest.fixture
def inbox(tmp_path: Any) -> Inbox:
    made = make_inbox(tmp_path, conversations=40)
    made.db.conn.execute("UPDATE triage_cursor SET upto = (SELECT max(id) FROM messages)")
    return made


def _head_row(app: CxInboxApp, address: str) -> int | None:
    for number, line in enumerate(screen_text(app).splitlines()):
        if re.search(rf"\u2190 Pat Doe <{re.escape(address)}>\s+\d\d:\d\d", line):
            return number
    return None


async def _open(pilot: Any, app: CxInboxApp, conv: int) -> None:
    await wait_rows(pilot, app)
    app.conversation_list.move_to(app.conversation_list.row_of(conv) or 0)
    await wait_for(pilot, lambda: app.conversation_list.selected is not None
                   and app.conversation_list.selected.id == conv, what="cursor on it")
    await pilot.press("enter")


async def test_a_long_red_flag_message_opens_with_its_head_under_the_banner(
        inbox: Inbox) -> None:
    conv = arrive(inbox, "Pregunta", SPANISH, "maria@example.com")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, conv)
        await wait_for(pilot, lambda: 'RED FLAG CHEST PAIN: "dolor de pecho"'
                       in screen_text(app) and _head_row(app, "maria@example.com") is not None,
                       timeout=10, what="the banner and the message's head")
        thread = app.thread
        assert thread.max_scroll_y > 0, screen_text(app)  # it does not fit: the test bites
        lines = screen_text(app).splitlines()
        head = _head_row(app, "maria@example.com")
        assert head is not None and "\u2500" in lines[head - 1], screen_text(app)  # right under
        assert "Hola, les escribo" in screen_text(app)  # and the body from its start


async def test_a_long_reply_opens_at_its_head(inbox: Inbox) -> None:
    first = arrive(inbox, "Statement", "Hi, a question about my statement.\n",
                   "lee@example.com")
    conv = arrive(inbox, "Re: Statement", LONG_BILLING, "lee@example.com", minutes=5,
                  reply_to="Statement")
    assert conv == first
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, conv)
        await wait_for(pilot, lambda: _head_row(app, "lee@example.com") is not None
                       and "Line 1 of my notes" in screen_text(app), timeout=10,
                       what="the newest message's head and its first line")
        assert "Hi, a question" not in screen_text(app)  # the newest, not the oldest
        assert 0 < app.thread.scroll_y < app.thread.max_scroll_y


async def test_a_short_reply_still_opens_at_the_end(inbox: Inbox) -> None:
    first = arrive(inbox, "Statement", LONG_BILLING, "lee@example.com")
    conv = arrive(inbox, "Re: Statement", "Thanks, that's all.\n", "lee@example.com",
                  minutes=5, reply_to="Statement")
    assert conv == first
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, conv)
        await wait_for(pilot, lambda: "Thanks, that's all." in screen_text(app)
                       and app.thread.scroll_y == app.thread.max_scroll_y > 0, timeout=10,
                       what="the newest message whole, the thread at its end")


async def test_older_messages_and_folds_keep_the_readers_place(inbox: Inbox) -> None:
    """Opening is scrolled again when the messages are laid out anew (a scrollbar appears):
    `o` (older messages, at the top) and `z` (folds) are the reader's own place from then."""
    subject = "Payments"
    conv = arrive(inbox, subject, LONG_BILLING, "lee@example.com")
    for n in range(1, 11):
        reply = f"Re{n}: {subject}"
        arrive(inbox, reply, f"Follow-up {n}: still billed twice.\n> quoted\n> lines\n",
               "lee@example.com", minutes=n, reply_to=subject if n == 1 else f"Re{n - 1}: "
               f"{subject}")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, conv)
        await wait_for(pilot, lambda: "Follow-up 10:" in screen_text(app)
                       and app.thread.scroll_y == app.thread.max_scroll_y > 0, timeout=10,
                       what="the thread at its end")
        opened_at, height = app.thread.scroll_y, app.thread.virtual_size.height
        await pilot.press("z")  # the quotes shown: the thread grows under the reader
        await wait_for(pilot, lambda: app.thread.virtual_size.height > height,
                       what="the folds open")
        await pilot.pause()  # every message the relayout set off handled: not moved
        assert app.thread.scroll_y == opened_at
        await pilot.press("o")
        await wait_for(pilot, lambda: "Line 1 of my notes" in screen_text(app)
                       and app.thread.scroll_y == 0, timeout=10, what="the oldest, on top")
        await pilot.pause()
        assert app.thread.scroll_y == 0 and "Line 1 of my notes" in screen_text(app)
