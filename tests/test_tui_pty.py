"""The bytes a terminal really receives, read from a pseudo-terminal.

`--ascii` is a promise about the wire, not about what a screenshot shows: everything
cxinbox and Textual write (escape sequences included) must stay 7-bit, or a Linux console
or serial thin client shows garbage. TERM=linux must switch it on by itself.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time
from collections.abc import Iterator

import pytest

COMMAND = [sys.executable, "-m", "cxinbox", "demo"]


class Terminal:
    """A child process on a pty of a fixed size, with everything it wrote kept as bytes."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int = 80,
                 rows: int = 24) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the app
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = bytearray()
        self.status: int | None = None

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output.extend(chunk)

    def wait_for(self, text: bytes, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        start = len(self.output)
        while text not in self.output[max(0, start - len(text)):]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared")
            self.pump(0.1)

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.pump(0.2)
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        raise AssertionError("the app did not exit")


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "PYTHONPATH") if k in os.environ}
    yield {**keep, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def _session(term: Terminal) -> None:
    term.wait_for(b"online:")
    term.pump(0.5)
    term.send(b"j")
    term.send(b"\r")
    term.wait_for(b"Internal notes")
    term.send(b"?")
    term.wait_for(b"Keys - Esc")
    term.send(b"\x1b")
    term.pump(0.5)
    term.send(b"\x1b")
    term.pump(0.5)
    term.send(b"q")
    assert term.finish() == 0


def test_ascii_flag_writes_only_7bit_bytes(env: dict[str, str]) -> None:
    term = Terminal([*COMMAND, "--ascii", "--no-mouse"], {**env, "TERM": "xterm-256color"})
    _session(term)
    high = sorted({b for b in term.output if b > 0x7F})
    assert not high, [hex(b) for b in high]
    assert b"\x1b[?1000h" not in term.output  # --no-mouse: no mouse reporting requested


def test_term_linux_switches_ascii_on_by_itself(env: dict[str, str]) -> None:
    term = Terminal(COMMAND, {**env, "TERM": "linux"})
    _session(term)
    assert all(b <= 0x7F for b in term.output)


def test_unicode_terminal_gets_unicode(env: dict[str, str]) -> None:
    term = Terminal(COMMAND, {**env, "TERM": "xterm-256color"})
    term.wait_for(b"online:")
    term.send(b"q")
    term.finish()
    assert any(b > 0x7F for b in term.output)
