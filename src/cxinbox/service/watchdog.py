"""What `cxinbox serve` tells systemd: started, how it is doing, alive, stopping.

READY=1 goes out once the socket accepts and the workers run, so `systemctl start` and
units ordered after ours wait for a server that can answer. WATCHDOG=1 is sent from a task
on the server's event loop, and only while every background thread is making progress
(`liveness.Pulse`): a blocked event loop cannot run the task, a hung worker makes the task
hold back, and either way systemd restarts the service after `WatchdogSec=`. STATUS= lines
(what `systemctl status` shows) name the socket, the workers and a stalled thread, never
patient data.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from cxinbox.service.liveness import Pulse
from cxinbox.service.sdnotify import Notifier

log = logging.getLogger(__name__)


class Watchdog:
    """One per server process; the thread-stop event the workers get is `pulse`."""

    def __init__(self, stall_s: float, notifier: Notifier | None = None) -> None:
        self.notifier = notifier if notifier is not None else Notifier.from_environment()
        self.pulse = Pulse()
        self.stall_s = stall_s
        self._task: asyncio.Task[None] | None = None
        self._serving = ""

    def ready(self, socket_path: Path, workers: int) -> None:
        """The socket listens and the workers run (call on the event loop)."""
        self._serving = f"serving on {socket_path}; {workers} background worker(s)"
        self.notifier.send(READY="1", STATUS=self._serving)
        interval = self.notifier.watchdog_interval_s
        if interval is not None:
            self._task = asyncio.get_running_loop().create_task(
                self._ping(interval), name="systemd-watchdog")

    def stopping(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.notifier.send(STOPPING="1", STATUS="stopping")

    async def _ping(self, interval_s: float) -> None:
        told = ""
        while True:
            stalls = self.pulse.stalled(self.stall_s) if self.stall_s > 0 else []
            if not stalls:
                self.notifier.send(WATCHDOG="1")
                if told:
                    log.info("all background threads make progress again")
                    self.notifier.send(STATUS=self._serving)
                    told = ""
            else:
                worst = stalls[0]
                line = (f"{worst.thread} has made no progress for over {self.stall_s:.0f}s; "
                        "watchdog pings withheld")
                if line != told:
                    log.error("%s (%d thread(s) stalled)", line, len(stalls))
                    self.notifier.send(STATUS=line)
                    told = line
            await asyncio.sleep(interval_s)
