"""systemd's readiness and watchdog protocol, spoken directly (no libsystemd binding).

Under `Type=notify` systemd hands the service a datagram socket in `$NOTIFY_SOCKET` and
waits for `READY=1` before it counts the service as started; with `WatchdogSec=` it also
sets `$WATCHDOG_USEC` and restarts the service when `WATCHDOG=1` stops arriving. The
protocol is one `KEY=VALUE` line per field in one datagram, so a socket call is all it
takes. A path starting with `@` names a socket in Linux's abstract namespace.

Outside systemd (`cxinbox serve` in a terminal) nothing is set and every call is a no-op.
The variables are taken out of the environment when read: the commands the server runs
(password_command, notify_command) must not talk to systemd in its name.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Notifier:
    """Where to send notifications (None: not started by systemd) and how often systemd
    wants to hear `WATCHDOG=1` (None: no watchdog)."""

    address: str | None = None
    watchdog_usec: int | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Notifier:
        env = os.environ if environ is None else environ
        address = env.pop("NOTIFY_SOCKET", None) or None
        usec_text = env.pop("WATCHDOG_USEC", None)
        pid_text = env.pop("WATCHDOG_PID", None)
        usec: int | None = None
        if usec_text and (pid_text is None or pid_text == str(os.getpid())):
            try:
                usec = int(usec_text)
            except ValueError:
                log.warning("WATCHDOG_USEC is not a number; the watchdog is off")
            else:
                usec = usec if usec > 0 else None
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to ping: half the timeout, as sd_watchdog_enabled(3) advises."""
        if self.watchdog_usec is None or self.address is None:
            return None
        return self.watchdog_usec / 2_000_000

    def send(self, **fields: str) -> bool:
        """One datagram `KEY=VALUE\\n...`; keys as given (READY="1", STATUS="..."). False
        when it could not be sent (logged once per failure, never raised: telling systemd
        is never worth stopping the server)."""
        if self.address is None:
            return False
        text = "".join(f"{key}={_one_line(value)}\n" for key, value in fields.items())
        target = self.address
        if target.startswith("@"):
            target = "\0" + target[1:]
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(target)
                sock.sendall(text.encode())
        except OSError as exc:
            log.warning("telling systemd %s failed: %s", ",".join(fields), exc.strerror or exc)
            return False
        return True


def _one_line(value: str) -> str:
    return " ".join(value.split())
