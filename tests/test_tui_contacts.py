"""The contact screen (`L`): one patient's addresses, numbers and conversations, with link,
unlink and merge by keyboard, on the demo inbox with real ingest and the real service.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_support import (
    ME,
    NOW,
    Inbox,
    ingest_patient_email,
    ingest_raw,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from textual.widgets import Input

from cxinbox.contract.team_types import ContactView
from cxinbox.service.demo import MAILBOXES
from cxinbox.service.inbox import InboxService
from cxinbox.tui.screens import contact as contact_screen
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.contact import ContactScreen
from cxinbox.tui.screens.prompt import PromptScreen

HOME = "ana@home.example"
WORK = "ana.lopez@work.example"


def _patient(inbox: Inbox) -> dict[str, int]:
    """Ana writes twice from home and once from work; the work address is its own contact."""
    return {
        "knee": ingest_patient_email(inbox.db, subject="Knee pain after the injection",
                                     sender="Ana Lopez", address=HOME),
        "parking": ingest_patient_email(inbox.db, subject="Parking permit for Thursday",
                                        sender="Ana Lopez", address=HOME),
        "invoice": ingest_patient_email(inbox.db, subject="Invoice 4471 question",
                                        sender="A. Lopez", address=WORK),
    }


async def _contact_id(inbox: Inbox, conv: int) -> int | None:
    contact: ContactView = await inbox.api.contact_for(conv)
    return contact.id


async def _open_contact(pilot: Any, app: Any, conv: int) -> ContactScreen:
    """Open conversation `conv` the way a person does (search by id, Enter), then L."""
    await wait_rows(pilot, app)
    await pilot.press("slash", "ctrl+u", *f"id:{conv}", "enter")
    await wait_for(pilot, lambda: app.conversation_list.selected is not None
                   and app.conversation_list.selected.id == conv, what="search result")
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.thread.detail is not None
                   and app.thread.detail.summary.id == conv, what="thread")
    await pilot.press("L")
    await wait_for(pilot, lambda: isinstance(app.screen, ContactScreen), what="contact screen")
    screen = app.screen
    assert isinstance(screen, ContactScreen)
    await wait_for(pilot, lambda: screen.contact is not None, what="contact loaded")
    return screen


async def _select(pilot: Any, screen: ContactScreen, want: Any, what: str) -> None:
    await pilot.press("home")
    for _ in range(30):
        if screen.selected_row is not None and want(screen.selected_row):
            return
        await pilot.press("j")
    raise AssertionError(f"could not select {what}")


async def test_contact_shows_addresses_and_conversations_and_enter_opens_one(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_contact(pilot, app, convs["knee"])
        contact = await _contact_id(inbox, convs["knee"])
        text = screen_text(app)
        assert text.splitlines()[0].strip() == f"Contact {contact} \u00b7 Ana Lopez"
        assert HOME in text and WORK not in text
        assert f"#{convs['knee']}" in text and "(this one)" in text
        assert f"#{convs['parking']}" in text and "Parking permit" in text
        assert "Invoice 4471" not in text
        assert "Esc Close" in text.splitlines()[-1]

        await _select(pilot, screen, lambda r: r.conv_id == convs["parking"], "parking")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.detail is not None
                       and app.thread.detail.summary.id == convs["parking"], what="opened")
        assert not isinstance(app.screen, ContactScreen)


async def test_link_then_unlink_an_address(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        work = await _contact_id(inbox, convs["invoice"])
        assert ana is not None and work is not None and ana != work

        await pilot.press("l")
        await wait_for(pilot, lambda: "Link to contact" in screen_text(app), what="prompt")
        await pilot.press(*WORK, "enter")
        await wait_for(pilot, lambda: "Linked" in screen_text(app), what="linked")
        assert await _contact_id(inbox, convs["invoice"]) == ana
        await wait_for(pilot, lambda: f"#{convs['invoice']}" in screen_text(app),
                       what="work conversation listed")
        assert WORK in screen_text(app)

        await _select(pilot, screen, lambda r: r.value == WORK, "work address")
        await pilot.press("x")
        await wait_for(pilot, lambda: f"Unlink {WORK}?" in screen_text(app), what="confirm")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Unlinked" in screen_text(app), what="unlinked")
        moved = await _contact_id(inbox, convs["invoice"])
        assert moved not in (None, ana)
        assert await _contact_id(inbox, convs["knee"]) == ana
        await wait_for(pilot, lambda: f"#{convs['invoice']}" not in screen_text(app),
                       what="work conversation gone")
        listed = "\n".join(screen_text(app).splitlines()[1:-2])  # not the status line
        assert WORK not in listed and HOME in listed


@pytest.mark.parametrize("form", ["address", "conversation", "contact"])
async def test_merge_another_contact(tmp_path: Path, form: str) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        work = await _contact_id(inbox, convs["invoice"])
        answer = {"address": WORK.upper(), "conversation": f"#{convs['invoice']}",
                  "contact": str(work)}[form]
        await pilot.press("m")
        await wait_for(pilot, lambda: "Merge which contact" in screen_text(app), what="prompt")
        await pilot.press(*answer, "enter")
        await wait_for(pilot, lambda: f"Merge contact {work} into {ana}?" in screen_text(app),
                       what="confirm")
        assert "A. Lopez" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: "merged into" in screen_text(app), what="merged")
        assert await _contact_id(inbox, convs["invoice"]) == ana
        await wait_for(pilot, lambda: f"#{convs['invoice']}" in screen_text(app),
                       what="merged conversation listed")
        text = screen_text(app)
        assert WORK in text and HOME in text and "A. Lopez" in text


async def test_refusals_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        before = await inbox.api.contact_for(convs["knee"])

        # The API decides what an address is; its refusal is one line on the screen.
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        await pilot.press(*"call her at home", "enter")
        await wait_for(pilot, lambda: "neither an e-mail address" in screen_text(app),
                       what="link refused")
        # The refusal is shown in the prompt, which stays open: what is typed next stays
        # in the field instead of acting on the contact screen (x unlinks, m merges).
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"xm")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == "call her at homexm"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="prompt closed")
        # Unlinking the only address is refused by the service.
        await _select(pilot, screen, lambda r: r.value == HOME, "home address")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "only address" in screen_text(app), what="unlink refused")
        # Merging with an address nobody wrote from finds no contact.
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        await pilot.press(*"nobody@nowhere.example", "enter")
        await wait_for(pilot, lambda: "No contact has the address nobody@nowhere.example"
                       in screen_text(app), what="merge target unknown")
        # ... and with itself is refused before anything is asked.
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        await pilot.press(*f"#{convs['parking']}", "enter")
        await wait_for(pilot, lambda: f"That is contact {ana} already" in screen_text(app),
                       what="same contact")
        assert not isinstance(app.screen, ChoiceScreen)
        assert "Traceback" not in screen_text(app)
        assert await inbox.api.contact_for(convs["knee"]) == before


async def test_contact_in_ascii_at_80x24(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contact(pilot, app, convs["knee"])
        text = screen_text(app)
        assert text.isascii()
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert lines[0].strip().endswith("| Ana Lopez")
        assert HOME in text and "Parking permit" in text
        assert lines[-1].strip() == contact_screen.KEYS


def _staff_started(inbox: Inbox, to: str, subject: str) -> int:
    """A message the desk sent first (nobody answered yet), stored as sync stores it."""
    raw = (f"From: {MAILBOXES['appointments']}\r\nTo: \"Cy Patient\" <{to}>\r\n"
           f"Subject: {subject}\r\nDate: {NOW.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
           f"Message-ID: <out-{hashlib.sha1(subject.encode()).hexdigest()}@example.com>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nSee you tomorrow.\n").encode()
    return ingest_raw(inbox.db, raw)


def _events(inbox: Inbox, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(r[0], r[1], json.loads(r[2])) for r in inbox.db.conn.execute(
        "SELECT actor, target, details FROM events WHERE action = ? ORDER BY seq", (action,))]


async def _merge_answer(pilot: Any, app: Any, answer: str) -> None:
    await pilot.press("m")
    await wait_for(pilot, lambda: "Merge which contact" in screen_text(app), what="prompt")
    await pilot.press(*answer, "enter")


async def test_link_shows_the_stored_form(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        await pilot.press("l")
        await wait_for(pilot, lambda: "Link to contact" in screen_text(app), what="prompt")
        await pilot.press(*"+1 (555) 010-4455", "enter")
        await wait_for(pilot, lambda: f"Linked +15550104455 to contact {ana}."
                       in screen_text(app), what="stored form echoed")
        await wait_for(pilot, lambda: "phone  +15550104455" in screen_text(app),
                       what="number listed")
        assert "(555)" not in screen_text(app)
        # The clinic's SMS number is North American: a national form means the same number.
        await pilot.press("l")
        await wait_for(pilot, lambda: "Link to contact" in screen_text(app), what="prompt")
        await pilot.press(*"555.010.4455", "enter")
        await wait_for(pilot, lambda: f"+15550104455 is already linked to contact {ana}."
                       in screen_text(app), what="already linked")
        assert len(_events(inbox, "contact.link")) == 1


@pytest.mark.parametrize("form", ["number", "contact"])
async def test_merge_finds_a_contact_that_never_wrote(tmp_path: Path, form: str) -> None:
    """Before: the prompt searched conversations by sender, so a number that was linked but
    never wrote, or a contact with no conversation at all, could not be named."""
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    work = await _contact_id(inbox, convs["invoice"])
    assert work is not None
    await inbox.api.link_address(work, "+15550108888")
    await inbox.api.link_address(work, "+15550109999")
    lonely = await inbox.api.unlink_address(work, "+15550109999")  # no conversation at all
    other, answer = {"number": (work, "(555) 010-8888"), "contact": (lonely, str(lonely))}[form]
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        await _merge_answer(pilot, app, answer)
        await wait_for(pilot, lambda: f"Merge contact {other} into {ana}?" in screen_text(app),
                       what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: f"Contact {other} merged into contact {ana}."
                       in screen_text(app), what="merged")
        merged = await inbox.api.contact(other)
        assert merged.id == ana  # the merged contact forwards to the live one
        number = {"number": "+15550108888", "contact": "+15550109999"}[form]
        assert number in merged.phones
        await wait_for(pilot, lambda: number in screen_text(app), what="number listed")


async def test_a_conversation_staff_started_gets_a_contact_when_linked(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    started = _staff_started(inbox, "cy@patient.example", "Your appointment tomorrow")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_contact(pilot, app, started)
        assert screen.contact is not None and screen.contact.id is None
        text = screen_text(app)
        assert "No contact yet" in text.splitlines()[0] and "l or m makes one" in text
        await pilot.press("x")  # nothing to unlink yet: said, and nothing asked
        await wait_for(pilot, lambda: "nothing to unlink" in screen_text(app), what="refusal")
        assert not isinstance(app.screen, ChoiceScreen)

        await pilot.press("l")
        await wait_for(pilot, lambda: "Link to this patient (new contact)" in screen_text(app),
                       what="prompt")
        await pilot.press(*"+1 555 010 7777", "enter")
        await wait_for(pilot, lambda: "Linked +15550107777 to contact" in screen_text(app),
                       what="linked")
        made = await _contact_id(inbox, started)
        assert made is not None
        await wait_for(pilot, lambda: screen_text(app).splitlines()[0].strip().startswith(
            f"Contact {made}"), what="title shows the new contact")
        assert "+15550107777" in screen_text(app) and "cy@patient.example" in screen_text(app)
        created = _events(inbox, "contact.create")
        assert [(a, t) for a, t, _ in created] == [(ME, f"contact:{made}"),
                                                  (ME, f"conversation:{started}")]


async def test_merge_names_a_conversation_staff_started(tmp_path: Path) -> None:
    """`#conversation` with no contact yet: its address is offered for linking instead."""
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    started = _staff_started(inbox, "ana@gym.example",
                             "Your physio plan")
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        await _merge_answer(pilot, app, f"#{started}")
        await wait_for(pilot, lambda: "Link ana@gym.example to this contact?" in screen_text(app),
                       what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "linked ana@gym.example to contact" in screen_text(app),
                       what="linked")
        assert await _contact_id(inbox, started) == ana
        await wait_for(pilot, lambda: f"#{started}" in screen_text(app), what="listed")
        assert _events(inbox, "contact.create") == []  # no throw-away contact was made


async def test_looking_at_a_contact_is_audited_once(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        before = len(_events(inbox, "contact.view"))
        await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])  # (itself one more view, by the test)
        await wait_for(pilot, lambda: any(d.get("conversation") == convs["knee"]
                                          for _, _, d in _events(inbox, "contact.view")[before:]),
                       what="the screen's own view recorded")
        views = _events(inbox, "contact.view")[before:]
        assert views and all((a, t) == (ME, f"contact:{ana}") for a, t, _ in views)
        shown = [d for _, _, d in views if d.get("conversation") == convs["knee"]]
        assert shown and shown[-1]["shown"] == [convs["parking"]]
        count = len(views)
        # The screen must not reload on its own views: twice, a colleague's change to
        # another patient's conversation comes through the feed after them, and once the
        # app has taken it in, it has taken in every view before it, and read no more.
        maria = InboxService(inbox.db, inbox.demo.config, "maria")
        other = next(c.id for c in inbox.service.list_conversations("", 0, 50).items
                     if c.id not in convs.values())
        for tag in ("seen-1", "seen-2"):
            seq = maria.tag(other, add=[tag], remove=[])
            await wait_for(pilot, lambda seq=seq: (app._last_seq or 0) >= seq,
                           what="the colleague's change taken in")
            assert len(_events(inbox, "contact.view")[before:]) == count


@pytest.mark.parametrize("typed", ["555-350-4006", "(555) 350-4006", "1-555-350-4006"])
async def test_link_a_number_typed_the_usual_way(tmp_path: Path, typed: str) -> None:
    inbox = make_inbox(tmp_path)
    convs = _patient(inbox)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contact(pilot, app, convs["knee"])
        ana = await _contact_id(inbox, convs["knee"])
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt")
        await pilot.press(*typed, "enter")
        await wait_for(pilot, lambda: f"Linked +15553504006 to contact {ana}"
                       in screen_text(app), what="linked in stored form")
        assert "+15553504006" in (await inbox.api.contact(ana)).phones
