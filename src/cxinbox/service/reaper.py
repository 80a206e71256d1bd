"""End the mail sync's parse workers when the server that owns them ends, however it ends.

The sync parses MIME in a process pool started through a forkserver. The forkserver is the
server's child and the workers are the forkserver's; each worker holds the forkserver's
"alive" pipe and waits on its task queue, whose write end it holds itself. When the
server is killed outright (SIGKILL, an OOM kill, a supervisor that kills one process) no
end of file ever reaches them: the workers wait for ever, and with them the forkserver
and multiprocessing's resource tracker (three processes per kill). systemd's control-group
kill reaps them; a server run by hand or by another supervisor would not.

`wiring.serve` names this module among the forkserver's preloads. Imported there (and
only there: elsewhere importing it does nothing), it takes a pidfd on the forkserver's
parent, the server, and has every process the forkserver forks watch that pidfd from a
daemon thread: when the server has gone, the worker exits at once. Once the workers are
gone the forkserver sees its alive pipe close and exits, and the resource tracker its
pipe, so nothing is left. (PR_SET_PDEATHSIG would not do: a worker's parent is the
forkserver, which outlives the server, and the death signal follows the parent thread,
not the process.) Without pidfds (a kernel before 5.3) the thread polls the server's pid
every second instead.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from typing import Final

MODULE: Final = "cxinbox.service.reaper"
"""This module's name, as `wiring.serve` gives it to the forkserver to preload."""

_server: int | None = None
_pidfd: int | None = None


def in_forkserver() -> bool:
    """Whether this process is multiprocessing's forkserver (`python -c "from
    multiprocessing.forkserver import main; main(...)"`), loading its preloads."""
    return sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules


def arm(server: int) -> None:
    """Have every process this one forks from now on exit when `server` has ended."""
    global _server, _pidfd
    _server = server
    try:
        _pidfd = os.pidfd_open(server)
    except (AttributeError, OSError):  # no pidfds here: poll the pid instead
        _pidfd = None
    os.register_at_fork(after_in_child=_watch)


def _watch() -> None:
    threading.Thread(target=_exit_with_server, name="cxinbox reaper", daemon=True).start()


def _server_alive(server: int) -> bool:
    try:
        os.kill(server, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_with_server() -> None:
    server, pidfd = _server, _pidfd
    if server is None:
        return
    if pidfd is not None:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while not poller.poll():  # readable once the process has exited
            pass
    else:
        while _server_alive(server) and os.getppid() != 1:
            time.sleep(1.0)
    os._exit(0)  # the task in hand has nobody to report to


if in_forkserver():
    arm(os.getppid())
