"""The knowledge base in the TUI, driven by keys (Pilot) at 80x24 on the demo clinic:
`K` browses it, the composer's Ctrl+N inserts a patient-facing article at the cursor, and a
staff-only one is shown but never inserted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_tui_compose import _composer, _open_first_email
from tests.test_tui_support import make_app, make_inbox, screen_text, wait_for, wait_rows
from textual.widgets import TextArea

from cxinbox.tui.screens.compose import ComposeScreen
from cxinbox.tui.screens.kb import KbScreen


def _lines(app: Any) -> list[str]:
    return screen_text(app).splitlines()


async def test_three_keystrokes_insert_the_parking_article(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=40)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        conv = await _open_first_email(pilot, app)
        screen = await _composer(pilot, app)
        area = screen.query_one(TextArea)
        area.load_text("Hello,\n\n\nBest wishes")
        area.move_cursor((2, 0))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press("p", "a", "enter")  # the three keystrokes
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="back")
        await wait_for(pilot, lambda: "Birch Lane" in area.text, what="inserted")
        lines = area.text.split("\n")
        assert lines[:2] == ["Hello,", ""] and lines[-1] == "Best wishes"
        assert lines[2].startswith("Free parking is behind the clinic")
        assert "https://maple-street.example/visit" in area.text
        assert "**" not in area.text  # Markdown marks do not reach the patient
        events = inbox.db.conn.execute(
            "SELECT target, details FROM events WHERE action = 'kb.insert'").fetchall()
        assert [e[0] for e in events] == [f"conversation:{conv}"]
        assert '"slug":"parking"' in events[0][1]


async def test_enter_before_the_search_answers_takes_the_typed_words(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=20)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first_email(pilot, app)
        screen = await _composer(pilot, app)
        area = screen.query_one(TextArea)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press(*"fasting", "enter")  # typed and sent in one burst
        await wait_for(pilot, lambda: "8 to 12 hours" in area.text, what="fasting inserted")


async def test_a_staff_only_article_is_shown_but_never_inserted(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=20)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _open_first_email(pilot, app)
        screen = await _composer(pilot, app)
        area = screen.query_one(TextArea)
        before = area.text
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press(*"records")
        await wait_for(pilot, lambda: "[staff-only]" in screen_text(app), what="listed")
        await wait_for(pilot, lambda: "Never send medical records" in screen_text(app),
                       what="readable")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "cannot go into a reply" in screen_text(app),
                       what="refusal")
        assert isinstance(app.screen, KbScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), what="back")
        assert area.text == before


async def test_link_only_for_a_text(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=20)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first_email(pilot, app)
        screen = await _composer(pilot, app)
        area = screen.query_one(TextArea)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb search")
        await pilot.press(*"park", "ctrl+o")
        await wait_for(pilot, lambda: "Parking and directions: https://maple-street.example"
                       "/visit" in area.text, what="link inserted")
        assert "Birch Lane" not in area.text


async def test_k_browses_and_reads_at_80x24(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=20)
    app = make_app(inbox, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_rows(pilot, app)
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, KbScreen), what="kb screen")
        await wait_for(pilot, lambda: "10 articles" in screen_text(app), what="every article")
        await pilot.press(*"horario")  # Spanish words find the bilingual article
        await wait_for(pilot, lambda: "Opening hours" in screen_text(app)
                       and "1 article" in screen_text(app), what="hours")
        await wait_for(pilot, lambda: "Monday to Friday, 8:00 to 18:00" in screen_text(app),
                       what="reading pane")
        lines = _lines(app)
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        assert screen_text(app).isascii()
        assert "Esc Close" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, KbScreen), what="closed")


async def test_the_composer_footer_names_the_key(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path, conversations=20)
    app = make_app(inbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first_email(pilot, app)
        await _composer(pilot, app)
        assert "^N kb" in screen_text(app)
