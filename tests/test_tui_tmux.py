"""End to end, as a person would: `cxinbox demo` in a real terminal (tmux) at 80x24.

Each test runs its own tmux server (`-L` with a unique socket), polls `capture-pane` for
what it expects instead of sleeping, and sends Escape in a `send-keys` call of its own so
tmux cannot merge it with the next key into an Alt sequence.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from cxinbox.domain.intent_words import INTENT_CODES

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

COMMAND = [sys.executable, "-m", "cxinbox", "demo"]


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=check, timeout=20)
        return done.stdout

    def start(self, argv: list[str], *, width: int = 80, height: int = 24,
              env: dict[str, str] | None = None) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        script = f"{exports} {shlex.join(argv)}; echo EXITED:$?; sleep 30"
        self.run("-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y",
                 str(height), "sh", "-c", script)

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-l", text)

    def wait(self, condition: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")

    def wait_text(self, text: str, timeout: float = 60) -> str:
        return self.wait(lambda s: text in s, repr(text), timeout)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    session = Tmux(f"cxinbox-test-{uuid.uuid4().hex[:12]}")
    try:
        yield session
    finally:
        session.run("kill-server", check=False)


def _env() -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "PYTHONPATH", "LANG") if k in os.environ}
    return {**keep, "TERM": "xterm-256color", "LC_ALL": "C.UTF-8"}


def _rows(screen: str) -> list[str]:
    return [line for line in screen.splitlines()[1:] if " eml " in line or " sms " in line]


def test_navigate_search_open_quit(tmux: Tmux) -> None:
    tmux.start(COMMAND, env=_env())
    # How fast it starts is bench_tui's figure; a test only waits for it.
    screen = tmux.wait(lambda s: "online:" in s and len(_rows(s)) > 10, "first rows", 60)
    assert "All open" in screen

    third = _rows(screen)[2]
    # After the channel: the patient (14 cells at 80 columns), then the subject (21).
    subject = third.split(" eml " if " eml " in third else " sms ", 1)[1][15:35].strip()
    subject = subject.rstrip("…").strip()
    code, _, rest = subject.partition(": ")  # the intent word before the subject
    if rest and code in INTENT_CODES.values():
        subject = rest
    tmux.keys("j")
    tmux.keys("j")
    tmux.keys("Enter")
    tmux.wait(lambda s: "Internal notes" in s and subject in s, "the third conversation")
    tmux.keys("Escape")
    tmux.wait(lambda s: len(_rows(s)) > 10, "back to the list")

    tmux.keys("/")
    tmux.wait_text("Enter search")
    tmux.type("is:red-flag")  # replaces the current view's query, which starts selected
    tmux.wait_text("is:red-flag")
    tmux.keys("Enter")
    screen = tmux.wait_text("Search: is:red-flag (1)")
    assert "Chest pain" in screen
    tmux.keys("Enter")
    tmux.wait(lambda s: "RED FLAG" in s and " NOTE " in s and "Internal notes" in s,
              "the red-flag conversation with its note")
    tmux.keys("Escape")
    tmux.wait(lambda s: "Internal notes" not in s, "list again")

    tmux.keys("/")
    tmux.wait_text("Enter search")
    tmux.type("status:open tag:")
    tmux.keys("Enter")
    tmux.wait_text("query error at column 13")
    tmux.keys("Escape")
    tmux.wait(lambda s: "query error" not in s, "error closed")

    tmux.keys("q")
    tmux.wait_text("EXITED:0")


def test_ascii_no_mouse_and_triage(tmux: Tmux) -> None:
    tmux.start([*COMMAND, "--ascii", "--no-mouse"], env=_env())
    screen = tmux.wait(lambda s: "online:" in s and len(_rows(s)) > 10, "first rows")
    assert screen.isascii(), sorted({c for c in screen if ord(c) > 127})
    assert "All open" in screen and " | " in screen
    tmux.keys("1")
    # The view's name can show before its count does: wait for the count itself.
    screen = tmux.wait(lambda s: re.search(r"My open \((\d+)\)", s) is not None,
                       "the My open count")
    found = re.search(r"My open \((\d+)\)", screen)
    assert found is not None
    mine_before = int(found.group(1))
    tmux.keys("2")  # unassigned: the demo's top row (the red flag) is already mine
    tmux.wait_text("Unassigned (")
    tmux.keys("a")  # the roster picker, "me" first: Enter assigns to me
    screen = tmux.wait(lambda s: "Assign #" in s and "Priya Nair (priya)" in s, "the picker")
    assert screen.isascii(), sorted({c for c in screen if ord(c) > 127})
    assert "me - " in screen and "offline" in screen
    tmux.keys("Enter")
    tmux.wait_text("assigned to you")
    tmux.keys("1")
    tmux.wait_text(f"My open ({mine_before + 1})")
    tmux.keys("u")
    tmux.wait_text(f"My open ({mine_before})")
    tmux.keys("?")
    screen = tmux.wait_text("Keys - Esc to close")
    assert screen.isascii()
    tmux.keys("Escape")
    tmux.wait(lambda s: "Keys - Esc" not in s, "help closed")
    tmux.keys("C-q")
    tmux.wait_text("EXITED:0")


def test_ctrl_l_redraws_and_f12_locks(tmux: Tmux) -> None:
    tmux.start(COMMAND, env=_env())
    tmux.wait(lambda s: "online:" in s and len(_rows(s)) > 10, "first rows")
    # Another program writes over the key hints (a wall message, line noise on a modem).
    # The live demo repaints on its own (new messages, countdowns): a repaint that was
    # already on its way may land over the noise, so it is written again until it shows.
    tty = tmux.run("display-message", "-p", "#{pane_tty}").strip()
    for _ in range(10):
        with open(tty, "w") as terminal:
            terminal.write("\x1b[24;30HNOISE-OVER-THE-KEYS")
        try:
            tmux.wait_text("NOISE-OVER-THE-KEYS", timeout=3)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("the noise never stayed on the screen")
    tmux.keys("C-l")
    screen = tmux.wait(lambda s: "NOISE" not in s, "the screen redrawn")
    assert "locked" not in screen and len(_rows(screen)) > 10
    tmux.keys("F12")
    screen = tmux.wait_text("cxinbox is locked")
    assert "Locked by " in screen and "without input" not in screen
    tmux.keys("C-q")


def _settled(tmux: Tmux) -> str:
    """The screen once a key's repaint is over: the same in two captures in a row."""
    last = [tmux.screen()]

    def same() -> bool:
        now = tmux.screen()
        if now == last[0]:
            return True
        last[0] = now
        return False

    return tmux.wait(lambda _s: same(), "the screen to settle")


def _line(screen: str, index: int) -> str:
    lines = screen.splitlines()
    return lines[index] if index < len(lines) else ""


def test_thread_header_stays_at_80x24_while_notes_are_added(tmux: Tmux) -> None:
    """The `#id subject` and status/SLA lines of an open thread stay under the top line
    while its messages scroll and while notes make the notes pane grow."""
    tmux.start(COMMAND, env=_env())
    tmux.wait(lambda s: "online:" in s and len(_rows(s)) > 10, "first rows")
    tmux.keys("/")
    tmux.wait_text("Enter search")
    tmux.type("is:red-flag")
    tmux.keys("Enter")
    tmux.wait_text("Search: is:red-flag (1)")
    tmux.keys("Enter")
    # A red-flag conversation shows its banner first (two lines at 80 columns when it
    # quotes the patient); the `#id` line sits right under it. Waited for whole: the
    # banner and the header may paint after the thread's panes.
    screen = tmux.wait(lambda s: "Internal notes" in s and "r Reply" in s
                       and _line(s, 1).startswith(" RED FLAG")
                       and any(re.match(r" #\d+ ", line) for line in s.splitlines()[2:4]),
                       "the thread under its red-flag banner")
    top = next(i for i, line in enumerate(screen.splitlines()) if re.match(r" #\d+ ", line))
    assert top in (2, 3), screen
    header = re.match(r" (#\d+) ", screen.splitlines()[top])
    assert header is not None, screen
    conv = header.group(1)
    assert "priority" in screen.splitlines()[top + 1]
    assert screen.splitlines()[-1].rstrip().endswith("? Help")
    for word in ("first", "second", "third"):
        tmux.keys("n")
        tmux.wait_text("NOTE on")
        tmux.type(f"called the patient back {word}")
        tmux.keys("Enter")
        # The note shows, and the banner and the header stay where they were (waited
        # for, as the pane's growth and the note may paint in two frames).
        tmux.wait(lambda s, word=word: f"called the patient back {word}" in s
                  and _line(s, 1).startswith(" RED FLAG")
                  and _line(s, top).startswith(f" {conv} "),
                  f"note {word!r} under a header that stayed in place")
    for key in ("g", "G", "k", "k"):
        tmux.keys(key)
        screen = _settled(tmux)
        assert _line(screen, top).startswith(f" {conv} "), screen
    tmux.keys("q")
    tmux.wait_text("EXITED:0")
