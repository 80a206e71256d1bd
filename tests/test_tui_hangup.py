"""A terminal that goes away ends the TUI as a quit does: at once, without spinning, with
what was typed in the composer kept as the draft.

An SSH connection that drops or a tmux server that is killed closes the pty's master side.
The app then reads end-of-file (or EIO) for ever, and may or may not get a SIGHUP: the
kernel signals only the session leader, and a shell may not pass it on. Orphans of
`cxinbox demo` were seen at ~100% CPU for hours. Each case runs the real program on a pty
and polls for its exit; the CPU it used from the hangup to its exit is read from /proc
before the child is reaped.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_bulk_cli import fill, write_config

from cxinbox.config import load_config
from cxinbox.service.inbox import InboxService
from cxinbox.service.replies import ReplyService
from cxinbox.store.db import Database

DEMO = [sys.executable, "-m", "cxinbox", "demo"]
EXIT_DEADLINE_S = 60.0  # generous: a busy machine; the CPU figure catches a spin
EXIT_CPU_S = 2.0  # measured ~0.2 s; a spinning thread burns one second per second
HANGUP = 128 + signal.SIGHUP
OWN_TERMINAL = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0);"
                " os.execv(sys.argv[1], sys.argv[1:])")


class Child:
    """The program on a pty: as a session leader owning it (the shell of an SSH login,
    which the kernel sends SIGHUP) or without a controlling terminal (a job the shell did
    not pass the SIGHUP on to), everything it writes kept."""

    def __init__(self, argv: list[str], env: dict[str, str], *, controlling: bool,
                 cwd: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        if controlling:  # in its new session, make the pty its controlling terminal
            argv = [sys.executable, "-c", OWN_TERMINAL, *argv]
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=cwd, start_new_session=True)
        os.close(slave)
        self.fd: int | None = master
        self.output = bytearray()

    def pump(self, seconds: float) -> None:
        if self.fd is None:
            return
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if ready:
            try:
                self.output.extend(os.read(self.fd, 65536))
            except OSError:
                pass

    def wait_for(self, text: bytes, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared")
            self.pump(0.05)

    def send(self, data: bytes) -> None:
        assert self.fd is not None
        os.write(self.fd, data)

    def close_terminal(self) -> None:
        assert self.fd is not None
        os.close(self.fd)
        self.fd = None

    def cpu_s(self) -> float:
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    def exit_within(self, seconds: float) -> tuple[int, float]:
        """(exit code, CPU seconds used from now to the exit); polls, reaps after reading."""
        cpu_before = self.cpu_s()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            done = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if done is not None:
                used = self.cpu_s() - cpu_before  # a zombie still has its counters
                return self.proc.wait(), used
            if self.fd is None:
                time.sleep(0.05)
            else:
                self.pump(0.05)
        spent = self.cpu_s() - cpu_before
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"still running {seconds:.0f} s after the hangup, having used"
                             f" {spent:.1f} s of CPU meanwhile")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)  # the children run elsewhere
    keep["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths if p)
    return {**keep, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
            "TMPDIR": str(tmp_path)}


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        child.kill()


def _demo(env: dict[str, str], children: list[Child], tmp_path: Path, *,
          controlling: bool) -> Child:
    child = Child(DEMO, env, controlling=controlling, cwd=tmp_path)
    children.append(child)
    child.wait_for(b"All open (")
    return child


@pytest.mark.parametrize("controlling", [False, True], ids=["no-sighup", "session-leader"])
def test_closed_terminal_ends_the_demo_without_spinning(
        env: dict[str, str], children: list[Child], tmp_path: Path, controlling: bool) -> None:
    child = _demo(env, children, tmp_path, controlling=controlling)
    child.close_terminal()
    code, cpu = child.exit_within(EXIT_DEADLINE_S)
    assert code == HANGUP
    assert cpu < EXIT_CPU_S
    assert not list(tmp_path.glob("cxinbox-demo-*"))  # the demo's own clean-up ran


def test_sighup_ends_the_demo_as_a_quit_does(
        env: dict[str, str], children: list[Child], tmp_path: Path) -> None:
    child = _demo(env, children, tmp_path, controlling=False)
    mark = len(child.output)
    child.proc.send_signal(signal.SIGHUP)
    code, cpu = child.exit_within(EXIT_DEADLINE_S)
    assert code == HANGUP
    assert cpu < EXIT_CPU_S
    child.pump(0.2)
    assert b"\x1b[?1049l" in child.output[mark:]  # the terminal was given back
    assert not list(tmp_path.glob("cxinbox-demo-*"))


def _inbox(tmp_path: Path) -> tuple[Path, Path]:
    config = write_config(tmp_path)
    db_path = load_config(config).db_path
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(db_path)
    fill(db, 3)
    db.close()
    return config, db_path


def _my_drafts(config: Path) -> list[str]:
    loaded = load_config(config)
    db = Database(loaded.db_path)
    try:
        replies = ReplyService(InboxService(db, loaded, _login()))
        return [d.body for d in replies.my_drafts()]
    finally:
        db.close()


def _login() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


@pytest.mark.parametrize("ending", ["close-terminal", "sighup", "ctrl-q"])
def test_leaving_with_the_composer_open_keeps_what_was_typed(
        env: dict[str, str], children: list[Child], tmp_path: Path, ending: str) -> None:
    """Typed, then gone before the composer's one-second autosave: the text is the draft,
    and the store was closed the normal way (its WAL checkpointed and removed)."""
    config, db_path = _inbox(tmp_path)
    child = Child([sys.executable, "-m", "cxinbox", "--config", str(config), "--local"],
                  env, controlling=ending == "close-terminal", cwd=tmp_path)
    children.append(child)
    child.wait_for(b"Question 3 about")
    child.send(b"\r")
    child.wait_for(b"Internal notes")
    child.send(b"r")
    child.wait_for(b"^S send")
    child.send(b"No need to fast before the test")
    child.wait_for(b"fast before the test")
    if ending == "close-terminal":
        child.close_terminal()
    elif ending == "sighup":
        child.proc.send_signal(signal.SIGHUP)
    else:
        child.send(b"\x11")
    code, cpu = child.exit_within(EXIT_DEADLINE_S)
    assert code == (0 if ending == "ctrl-q" else HANGUP)
    assert cpu < EXIT_CPU_S
    assert any("No need to fast before the test" in body for body in _my_drafts(config))
    assert not Path(f"{db_path}-wal").exists()


@pytest.mark.parametrize("argv", [DEMO, "config"], ids=["demo", "config"])
def test_without_a_terminal_the_tui_says_so_and_stops(
        env: dict[str, str], tmp_path: Path, argv: list[str] | str) -> None:
    """`cxinbox < /dev/null` (cron, a pipe) used to draw into nowhere and spin on the end
    of its input; it now says what is wrong in one line."""
    if argv == "config":
        config, _db = _inbox(tmp_path)
        argv = [sys.executable, "-m", "cxinbox", "--config", str(config), "--local"]
    done = subprocess.run(argv, check=False, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0], done.stderr
    assert "\x1b[" not in done.stdout + done.stderr
