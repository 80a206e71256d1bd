"""Servers the tests start die with the test run, however it ends.

Dovecot (`dovecot -F`, in a session of its own so its whole group can be signalled) and
PostgreSQL (`pg_ctl start` detaches the postmaster) do not get the signals that end a test
run: a `./scripts/test` stopped with SIGTERM to its process group, or a pytest killed with
SIGKILL, left them running with their temp directories. A finaliser never runs then.

`DeathWatch` starts a small shell beside the server, in a session of its own too, reading
a pipe whose only writer is this process. `release()` (the normal stop, after the server
is stopped) writes "done" and the watcher exits. When this process dies first, the kernel
closes its end: the watcher reads end-of-file and runs its `cleanup` commands (kill the
server, remove its directory). Nothing polls; the watcher sleeps in `read` until then.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from typing import Any

_SCRIPT = 'if IFS= read -r word && [ "$word" = done ]; then exit 0; fi\n'


class DeathWatch:
    def __init__(self, cleanup: str, **popen: Any) -> None:
        """`cleanup`: shell commands run if this process dies before `release()`;
        `popen`: more Popen arguments (e.g. `user=` to run them as the server's user)."""
        read_end, self._write_end = os.pipe()
        try:
            self._proc = subprocess.Popen(
                ["/bin/sh", "-c", _SCRIPT + cleanup], stdin=read_end,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, close_fds=True, **popen)
        except BaseException:
            os.close(self._write_end)
            raise
        finally:
            os.close(read_end)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def release(self) -> None:
        """The server was stopped as usual: the watcher exits without doing anything."""
        if self._write_end < 0:
            return
        with contextlib.suppress(OSError):
            os.write(self._write_end, b"done\n")
        os.close(self._write_end)
        self._write_end = -1
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)
