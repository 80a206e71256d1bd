"""The contact screen (`L`): one patient's addresses, numbers and conversations, with link,
unlink and merge by keyboard, on the demo inbox with real ingest and the real service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_support import (
    Inbox,
    ingest_patient_email,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)

from cxinbox.api.team_types import ContactView
from cxinbox.tui.screens import contact as contact_screen
from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.contact import ContactScreen, canonical_address

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
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="confirm")
        assert f"Unlink {WORK}?" in screen_text(app)
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
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="confirm")
        text = screen_text(app)
        assert f"Merge contact {work} into {ana}?" in text and "A. Lopez" in text
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
        await pilot.pause(0.1)
        await pilot.press(*"call her at home", "enter")
        await wait_for(pilot, lambda: "neither an e-mail address" in screen_text(app),
                       what="link refused")
        # Unlinking the only address is refused by the service.
        await _select(pilot, screen, lambda r: r.value == HOME, "home address")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "only address" in screen_text(app), what="unlink refused")
        # Merging with an address nobody wrote from finds no contact.
        await pilot.press("m")
        await pilot.pause(0.1)
        await pilot.press(*"nobody@nowhere.example", "enter")
        await wait_for(pilot, lambda: "No conversation from" in screen_text(app),
                       what="merge target unknown")
        # ... and with itself is refused before anything is asked.
        await pilot.press("m")
        await pilot.pause(0.1)
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


def test_addresses_typed_for_a_merge_are_put_in_stored_form() -> None:
    assert canonical_address(" Ana@Home.Example ") == HOME
    assert canonical_address("+1 (555) 010-2233") == "+15550102233"
    assert canonical_address("0044 20 7946 0000") == "+442079460000"
    assert canonical_address("555-0100") is None
    assert canonical_address('a"b@x') is None
