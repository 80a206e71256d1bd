"""`C` and the text composer in a real terminal (tmux), as typed by a person: a number in
national form, a mistake followed by more digits, and a text whose dash costs UCS-2, in
`--ascii` at 80x24 and in full colour at 120x40."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest
from tests.test_tui_tmux import COMMAND, Tmux, _env, _rows

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def term() -> Iterator[Tmux]:
    session = Tmux(f"cxinbox-compose-{uuid.uuid4().hex[:12]}")
    try:
        yield session
    finally:
        session.run("kill-server", check=False)


@pytest.mark.parametrize(("ascii_mode", "width", "height"), [(True, 80, 24), (False, 120, 40)])
def test_new_text_to_a_number_typed_with_dashes(term: Tmux, ascii_mode: bool, width: int,
                                                height: int) -> None:
    argv = [*COMMAND, "--ascii"] if ascii_mode else COMMAND
    term.start(argv, width=width, height=height, env=_env())
    term.wait(lambda s: "online:" in s and len(_rows(s)) > 5, "first rows")
    term.keys("C")
    term.wait_text("New message to")
    term.type("555-350")
    term.keys("Enter")
    term.wait_text("10 digits")
    # Digits typed after the mistake stay in the dialog: 1..6 would switch views.
    term.type("4006123")
    screen = term.wait_text("555-3504006123")
    assert "New message to" in screen and "My open (" not in screen
    term.keys("BSpace")
    term.keys("BSpace")
    term.keys("BSpace")
    term.wait_text("Text to +15553504006")
    term.keys("Enter")
    screen = term.wait_text("From     Front desk")
    assert "+15550100100" not in screen
    term.type("See you at 3 \u2013 thanks")
    screen = term.wait_text("U+2013")
    assert "forces UCS-2" in screen and "(UCS-2)" in screen
    if ascii_mode:
        assert screen.isascii(), sorted({c for c in screen if ord(c) > 127})
    term.keys("C-r")
    screen = term.wait(lambda s: "(GSM-7)" in s and "U+2013" not in s, "plain text")
    assert "See you at 3 - thanks" in screen
    term.keys("Escape")
    term.wait_text("Discard the draft")
    term.keys("d")
    term.wait(lambda s: "From     Front desk" not in s, "composer closed")
    term.keys("C-q")
    term.wait_text("EXITED:0")
