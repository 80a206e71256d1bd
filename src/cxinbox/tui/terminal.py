"""The terminal under the app, and what happens when it goes away.

When an SSH connection drops or a tmux server is killed, the pty's master side closes and
the kernel hangs the terminal up: every read returns end-of-file (or EIO) at once and every
write fails with EIO. Textual 8.2.8's Linux driver does not expect that:

- its input thread selects, reads zero bytes, skips them and selects again: a busy loop
  that never ends, in a thread that is not a daemon, so not even the end of the main
  thread stops it (orphans were seen at ~100% CPU for hours);
- its writer thread dies on the first EIO, after which the app's loop blocks for ever on
  the writer's full queue;
- every SIGCONT (the kernel sends one with the hangup) restarts "application mode" as if
  the app came back from Ctrl+Z, starting a second input thread on the dead terminal.

A SIGHUP may come with the hangup or may not (only the session leader gets one from the
kernel; a shell forwards it or not), so the end of input is the sign that counts.
`TerminalDriver` reads until the terminal is gone, drops output to a dead terminal, and
tells the app once, with a `Hangup` message, on end of input, on a terminal error, on
SIGHUP and on SIGTERM. The app then leaves as a quit does (drafts saved, store closed).

This subclasses the driver of the exact Textual version pinned in pyproject.toml; its
overrides name the driver methods they replace, so a Textual bump must re-read them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import stat
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from types import FrameType
from typing import IO, Any

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

HANGUP_EXIT = 128 + signal.SIGHUP  # what a shell reports for a process ended by hangup
_ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
_READ_SIZE = 4096


class Hangup(Message):
    """The terminal is gone or the process was asked to end: leave as a quit would."""

    def __init__(self, why: str, code: int) -> None:
        super().__init__()
        self.why = why
        self.code = code


class DeadTerminalOutput:
    """The driver's output file, which stops writing (quietly) once the terminal is gone
    and says so once: the writer thread must keep draining its queue, or the app blocks."""

    def __init__(self, file: IO[str], gone: Callable[[str], None]) -> None:
        self._file = file
        self._gone = gone
        self.dead = False

    def write(self, text: str) -> int:
        if not self.dead:
            try:
                self._file.write(text)
            except (OSError, ValueError):
                self._died()
        return len(text)

    def flush(self) -> None:
        if not self.dead:
            try:
                self._file.flush()
            except (OSError, ValueError):
                self._died()

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return not self.dead

    def _died(self) -> None:
        self.dead = True
        self._gone("the terminal no longer takes output")


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, made to notice a terminal that went away (see the module)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._told = threading.Event()
        self._file = DeadTerminalOutput(self._file, self._lost)  # type: ignore[arg-type, assignment]
        self._previous: dict[int, Any] = {}
        self._terminal = _device_of(self.fileno)

    @property
    def gone(self) -> bool:
        return self._told.is_set()

    def _lost(self, why: str, code: int = HANGUP_EXIT, *, dead: bool = True) -> None:
        """Tell the app, once, from any thread or a signal handler."""
        if dead:
            self._bury()
        if self._told.is_set():
            return
        self._told.set()
        try:
            self._loop.call_soon_threadsafe(self._app.post_message, Hangup(why, code))
        except RuntimeError:  # the loop is already closed: the app has ended anyway
            pass

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self._lost(f"{name} received", 128 + signum, dead=False)

    def _bury(self) -> None:
        """Point stdout and stderr, where they are the dead terminal, at /dev/null: what
        is still buffered for them, or printed on the way out, must not fail (Python
        exits with status 120 when it cannot flush them at the end)."""
        if self._terminal is None:
            return
        terminal, self._terminal = self._terminal, None
        try:
            null = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            return
        try:
            for fd in (1, 2):
                with contextlib.suppress(OSError):
                    if os.fstat(fd).st_rdev == terminal:
                        os.dup2(null, fd)
        finally:
            os.close(null)

    # -- replacing LinuxDriver's own methods ------------------------------------------------

    def start_application_mode(self) -> None:
        """As Textual's, and from the first start until `close` a SIGHUP or SIGTERM asks
        the app to leave (also while suspended for $EDITOR)."""
        super().start_application_mode()  # type: ignore[no-untyped-call]
        for sig in _ENDING_SIGNALS:
            if sig not in self._previous:
                self._previous[sig] = signal.signal(sig, self._on_signal)

    def close(self) -> None:
        try:
            super().close()
        finally:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)
            self._previous.clear()

    def _sigcont_application(self, *args: Any) -> None:
        """Resume only after our own Ctrl+Z (SIGTSTP), never on a stray SIGCONT such as
        the one the kernel sends with a hangup."""
        if self._must_signal_resume and not self.gone:
            super()._sigcont_application(*args)

    def run_input_thread(self) -> None:
        """Read keys until told to stop or until the terminal is gone; never spin."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        try:
            while not self.exit_event.is_set():
                if selector.select(0.1):
                    try:
                        data = os.read(self.fileno, _READ_SIZE)
                    except OSError as exc:
                        if exc.errno in (errno.EINTR, errno.EAGAIN):
                            continue
                        self._lost("the terminal cannot be read")
                        return
                    if not data:
                        self._lost("end of input: the terminal hung up")
                        return
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass


def _device_of(fd: int) -> int | None:
    """The terminal device behind `fd` (None when it is not a character device)."""
    try:
        found = os.fstat(fd)
    except OSError:
        return None
    return found.st_rdev if stat.S_ISCHR(found.st_mode) else None


def driver_for(chosen: type[Driver]) -> type[Driver]:
    """Our driver where Textual would use its Linux one; any other choice stands."""
    return TerminalDriver if chosen is LinuxDriver else chosen
