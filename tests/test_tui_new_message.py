"""`C` (new message) with numbers typed the way a front desk types them, and the composer
around a text: the patient's message above the editor, the clinic by name, and the
characters that make a text cost UCS-2 named and fixed with one key.

Real demo store and service (in-process); only the terminal is simulated.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.test_tui_support import (
    ME,
    NOW,
    ingest_patient_email,
    make_app,
    make_inbox,
    screen_text,
    wait_for,
    wait_rows,
)
from textual.containers import VerticalScroll
from textual.widgets import Input, TextArea

from cxinbox.tui.screens.choice import ChoiceScreen
from cxinbox.tui.screens.compose import ComposeScreen
from cxinbox.tui.screens.recipient import NewMessageScreen

CLINIC_BY_NAME = "Front desk · Maple Street Clinic (demo)"
CLINIC_NUMBER = "+15550100100"


async def _new_message(pilot: Any, app: Any) -> NewMessageScreen:
    await wait_rows(pilot, app)
    await pilot.press("C")
    await wait_for(pilot, lambda: isinstance(app.screen, NewMessageScreen), what="C dialog")
    screen = app.screen
    assert isinstance(screen, NewMessageScreen)
    return screen


async def _composer(pilot: Any, app: Any) -> ComposeScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="composer")
    screen = app.screen
    assert isinstance(screen, ComposeScreen)
    return screen


@pytest.mark.parametrize("typed", ["555-350-4006", "(555) 350-4006", "555 350 4006",
                                   "5553504006", "+1 555 350 4006", "1-555-350-4006"])
async def test_c_takes_a_number_in_any_common_form(tmp_path: Path, typed: str) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _new_message(pilot, app)
        await pilot.press(*typed)
        await wait_for(pilot, lambda: "Text to +15553504006" in screen_text(app),
                       what="how the answer is read")
        await pilot.press("enter")
        composer = await _composer(pilot, app)
        text = screen_text(app)
        assert "Text to +15553504006" in text and CLINIC_BY_NAME in text
        assert CLINIC_NUMBER not in text
        (draft,) = await inbox.api.my_drafts()
        assert (draft.channel, draft.to, draft.account) == ("sms", ("+15553504006",),
                                                              CLINIC_NUMBER)
        assert composer.quoted is None  # a new number: nobody to quote


async def test_a_bad_number_keeps_the_dialog_and_the_digits_typed_next(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await _new_message(pilot, app)
        view_before = app._view.key
        await pilot.press(*"555-350", "enter")
        await wait_for(pilot, lambda: "10 digits" in screen.error, what="refusal")
        assert "\n" not in screen.error
        assert "North American number has 10 digits" in screen_text(app)
        # Digits typed after the refusal stay in the field: 1..6 would switch views.
        await pilot.press(*"4006")
        await pilot.press(*"123456")
        assert app.screen is screen
        assert screen.query_one(Input).value == "555-3504006123456"
        assert app._view.key == view_before
        # Fix it in place and go on.
        await pilot.press(*["backspace"] * 6, "enter")
        await _composer(pilot, app)
        (draft,) = await inbox.api.my_drafts()
        assert draft.to == ("+15553504006",)


@pytest.mark.parametrize(("typed", "says"), [
    ("Ann Lee", "neither an e-mail address nor a phone number"),
    ("ann@", "is not an e-mail address"),
    ("+1 055 350 4006", "area code"),
])
async def test_other_bad_answers_are_one_line_in_the_dialog(tmp_path: Path, typed: str,
                                                             says: str) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await _new_message(pilot, app)
        await pilot.press(*typed, "enter")
        await wait_for(pilot, lambda: says in screen.error, what="refusal")
        assert app.screen is screen and await inbox.api.my_drafts() == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not screen, what="closed")
        assert "Traceback" not in screen_text(app)


async def test_c_with_an_email_address_writes_an_email(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _new_message(pilot, app)
        await pilot.press(*"ann.lee@example.com")
        await wait_for(pilot, lambda: "E-mail to ann.lee@example.com" in screen_text(app),
                       what="reading")
        await pilot.press("enter")
        await _composer(pilot, app)
        assert "New message to ann.lee@example.com" in screen_text(app)
        (draft,) = await inbox.api.my_drafts()
        assert draft.channel == "email" and draft.to == ("ann.lee@example.com",)


async def _first_sms(pilot: Any, app: Any) -> Any:
    await wait_rows(pilot, app)
    for _ in range(60):
        summary = app.conversation_list.selected
        if summary is not None and summary.channel == "sms":
            return summary
        await pilot.press("j")
    raise AssertionError("no SMS conversation in the demo")


async def test_c_with_the_number_of_a_patient_who_texted_answers_in_their_thread(
        tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        summary = await _first_sms(pilot, app)
        digits = summary.from_addr.removeprefix("+1")
        national = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        await _new_message(pilot, app)
        await pilot.press(*national, "enter")
        composer = await _composer(pilot, app)
        await wait_for(pilot, lambda: composer.quoted is not None, what="patient pane")
        text = screen_text(app)
        assert f"#{summary.id}" in text and "wrote" in text
        assert composer.quoted.body.strip()[:30] in text


async def test_the_patients_message_is_above_the_editor_and_scrolls(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    body = "".join(f"Line {n} of my question about the referral.\n" for n in range(1, 30))
    conv = ingest_patient_email(inbox.db, subject="Long referral question",
                                body=body + "LAST LINE\n", at=NOW + timedelta(minutes=1))
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        await wait_for(pilot, lambda: app.conversation_list.row_of(conv) is not None,
                       what="the new mail listed")
        for _ in range(60):
            if app.conversation_list.selected_id == conv:
                break
            await pilot.press("j")
        assert app.conversation_list.selected_id == conv
        await pilot.press("r")
        composer = await _composer(pilot, app)
        await wait_for(pilot, lambda: "Line 1 of my question" in screen_text(app),
                       what="patient pane")
        text = screen_text(app)
        assert "New Patient wrote" in text and "LAST LINE" not in text
        assert "S-Tab patient" in text
        # Shift+Tab reaches the pane from the editor; the arrows then scroll it.
        pane = composer.query_one("#compose-quote", VerticalScroll)
        await pilot.press("shift+tab")
        await wait_for(pilot, lambda: pane.has_focus, what="pane focused")
        await pilot.press("end")
        await wait_for(pilot, lambda: "LAST LINE" in screen_text(app), what="scrolled")
        # Typing still goes to the editor once back there.
        await pilot.press("tab")
        await wait_for(pilot, lambda: composer.query_one(TextArea).has_focus, what="editor")


async def _sms_composer(pilot: Any, app: Any) -> ComposeScreen:
    await _first_sms(pilot, app)
    await pilot.press("r")
    composer = await _composer(pilot, app)
    await wait_for(pilot, lambda: composer.quoted is not None, what="patient pane")
    return composer


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_sms_composer_names_the_clinic_and_quotes_the_patient(
        tmp_path: Path, size: tuple[int, int]) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=size, notifications=True) as pilot:
        composer = await _sms_composer(pilot, app)
        text = screen_text(app)
        assert f"From     {CLINIC_BY_NAME}" in text
        assert CLINIC_NUMBER not in text
        assert composer.quoted.direction == "in" and "wrote" in text
        assert "empty · 160 characters per text (GSM-7)" in text
        await pilot.press(*"See you at 3")
        await wait_for(pilot, lambda: "1 text · 148 left (GSM-7)" in screen_text(app),
                       what="meter")


@pytest.mark.parametrize("ascii_only", [False, True])
async def test_ucs2_characters_are_named_and_one_key_makes_them_plain(
        tmp_path: Path, ascii_only: bool) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox, ascii_only=ascii_only)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        composer = await _sms_composer(pilot, app)
        area = composer.query_one(TextArea)
        area.insert("It\u2019s fine \u2013 see you at 3\u2026")
        await wait_for(pilot, lambda: "force UCS-2" in screen_text(app), what="UCS-2 named")
        text = screen_text(app)
        assert "U+2019" in text and "U+2013" in text and "U+2026" in text
        assert "(UCS-2)" in text and "^R fixes 3" in text
        if ascii_only:
            assert all(ord(ch) < 128 for ch in text)
        else:
            assert "\u2019 (U+2019)" in text
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: area.text == "It's fine - see you at 3...",
                       what="plain text")
        await wait_for(pilot, lambda: "(GSM-7)" in screen_text(app), what="GSM-7 again")
        assert "UCS-2" not in screen_text(app)
        # The fixed text is what the server keeps.
        await wait_for(pilot, lambda: "Draft saved" in screen_text(app), what="autosave")
        (draft,) = [d for d in await inbox.api.my_drafts() if d.author == ME]
        assert draft.body == "It's fine - see you at 3..."


async def test_an_emoji_is_named_but_left_alone(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        composer = await _sms_composer(pilot, app)
        composer.query_one(TextArea).insert("Thanks \U0001f44d")
        await wait_for(pilot, lambda: "U+1F44D forces UCS-2" in screen_text(app),
                       what="emoji named")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "U+1F44D has no plain stand-in" in screen_text(app),
                       what="Ctrl+R handled")
        assert composer.query_one(TextArea).text == "Thanks \U0001f44d"


async def test_a_numbered_picker_says_numbers(tmp_path: Path) -> None:
    from cxinbox.tui.screens.choice import Choice, choice_hint

    assert choice_hint([Choice("1", "a", "A"), Choice("2", "b", "B")]).startswith("number or")
    assert choice_hint([Choice("y", "a", "A"), Choice("n", "b", "B")]).startswith("letter or")
    assert choice_hint([Choice("a", "a", "A"), Choice("1", "b", "B")]).startswith(
        "letter, number or")
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_rows(pilot, app)
        app.push_screen(ChoiceScreen("Which file?", [Choice("1", "one", "first.pdf"),
                                                     Choice("2", "two", "second.pdf")]))
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="picker")
        await wait_for(pilot, lambda: "number or Enter to choose" in screen_text(app),
                       what="hint")
        assert "letter or Enter" not in screen_text(app)


async def test_a_new_text_is_queued_and_u_takes_it_back_by_number(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _new_message(pilot, app)
        await pilot.press(*"(555) 350-4006", "enter")
        await _composer(pilot, app)
        await pilot.press(*"Your forms are ready.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ComposeScreen), what="sent")
        (item,) = await inbox.api.outbox()
        assert item.state == "queued" and item.recipients == ("+15553504006",)
        await pilot.press("u")
        await wait_for(pilot, lambda: "message to +15553504006 taken back" in screen_text(app),
                       what="undo toast")
        assert "#None" not in screen_text(app)
        (item,) = await inbox.api.outbox()
        assert item.state == "cancelled"
