"""A Python script run as a process of its own, for tests that kill it (SIGKILL of the
whole process group, so its worker pool goes too) and read what it printed, with when."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ScriptProcess:
    """`python -c SCRIPT ARGS...` with the repository's src on its path; its stdout lines
    are kept with their arrival times (stderr is dropped: patient text stays out)."""

    def __init__(self, script: str, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        self.proc = subprocess.Popen([sys.executable, "-c", script, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=env, start_new_session=True)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def said(self, word: str) -> list[tuple[float, str]]:
        """The lines whose first word is `word`, with when they came."""
        return [(t, line) for t, line in list(self.lines) if line.split(" ", 1)[0] == word]

    def freeze(self) -> None:
        """SIGSTOP the process and everything it started: it stays where it is until
        killed, however long a starved test takes to get there."""
        try:
            os.killpg(self.proc.pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass

    def read_all(self, timeout: float = 30) -> None:
        """Once it has ended: wait until every line it printed has been read."""
        self._reader.join(timeout)

    def kill(self) -> None:
        """SIGKILL the process and everything it started (its own process group)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
