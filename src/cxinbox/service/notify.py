"""Running the clinic's `notify_command` hook: one runner for every caller (rules' notify
action, SLA escalations, red flags, health alerts), so each hook call gets the same
contract and the same care.

The contract: argv without a shell; the details as CXINBOX_* variables added to our
environment and as one JSON line on stdin; a timeout. The care: the hook's stdout and stderr
are thrown away and never logged (it is handed details that may name a patient and may echo
them); a failure is one warning line with the error class or the exit code and the
conversation number, and the caller carries on: a pager being down must not stop the
sync, the SLA monitor or the health check.

One exception, for the one line that explains a failure (`pager gateway refused: 503`):
the stderr of a run that FAILED is kept, its last 4 KB, in a file of its own under the
server's state directory (`hook-stderr/`, mode 0600, one file per hook program, replaced
at each failure; `set_stderr_dir`), never in the log, whose line names the file only.
`cxinbox doctor`, run by someone who can read that file, shows its first line.

A failure is also handed to the failure sink the running server sets (`set_failure_sink`:
`NotifyRecorder` audits it and puts it on everyone's status line): a red flag's hook is
the clinician's pager, and a pager that does not ring must not look like one that did.
The sink gets the caller's details (ids, states, the rule's name) and the error class or
exit status, never anything the hook printed.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import logging
import os
import re
import selectors
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cxinbox.domain.sanitize import clean_line
from cxinbox.service.logsafe import error_class, fields

NOTIFY_TIMEOUT_S: Final = 30.0
STDERR_KEPT: Final = 4096
"""How much of a failing run's stderr is kept: its last 4 KB."""
STDERR_DIR: Final = "hook-stderr"
"""Where, under the server's state directory, failing runs' stderr is kept."""


@dataclass(frozen=True, slots=True)
class NotifyOutcome:
    """One hook run that failed (`error`: "FileNotFoundError", "exit 3", "timeout after
    10 s") or, with `error` empty, succeeded; `what` names the caller, `details` are those
    the hook was given (ids and states only)."""

    what: str
    conversation: int | None
    details: Mapping[str, object]
    error: str = ""
    command: str = ""
    """The hook's program (argv[0]): failures are counted, and cleared, per hook."""
    stderr_file: str = ""
    """Where this failing run's stderr was kept (`stderr_path`), or ""."""


FailureSink = Callable[[NotifyOutcome], None]

_sink_lock = threading.Lock()
_sink: FailureSink | None = None


def set_failure_sink(sink: FailureSink | None) -> None:
    """Where every hook run's outcome goes (the server's `NotifyRecorder`); None: only the
    log line. Set once by the process that runs the hooks, cleared when it stops."""
    global _sink
    with _sink_lock:
        _sink = sink


def _tell(outcome: NotifyOutcome, log: logging.Logger) -> None:
    with _sink_lock:
        sink = _sink
    if sink is None:
        return
    try:
        sink(outcome)
    except Exception as exc:  # noqa: BLE001 - recording a failure must not fail its caller
        log.warning("notify failure not recorded: %s", error_class(exc))


_stderr_lock = threading.Lock()
_stderr_dir: Path | None = None


def set_stderr_dir(state_dir: Path | None) -> None:
    """Keep failing runs' stderr under `state_dir` (the server's data directory), in
    `hook-stderr/`; None: thrown away. Set by the process that runs the hooks."""
    global _stderr_dir
    with _stderr_lock:
        _stderr_dir = None if state_dir is None else state_dir / STDERR_DIR


def stderr_path(state_dir: Path, program: str) -> Path:
    """The file that keeps a failing run's stderr of the hook `program` (argv[0]): its
    base name made safe, and a hash of the whole name (two hooks of one base name in two
    directories are two files)."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(program))[:40] or "hook"
    digest = hashlib.sha256(program.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return state_dir / STDERR_DIR / f"{base.lstrip('.') or 'hook'}-{digest}.stderr"


def _keeps_stderr() -> Path | None:
    """The kept files' directory, or None when failing runs' stderr is thrown away."""
    with _stderr_lock:
        return _stderr_dir


class _Tail:
    """The last STDERR_KEPT bytes read from a hook's stderr pipe; the rest is read and
    dropped, so a hook that writes gigabytes neither blocks nor costs memory or disk."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > STDERR_KEPT:
            del self.data[:len(self.data) - STDERR_KEPT]


_READ: Final = 65536
_DRAIN_MAX: Final = 1 << 20
"""What is still read, once the hook has exited, of what its leftovers wrote meanwhile."""


def _drain(fd: int, tail: _Tail) -> None:
    """What is already in the pipe when the hook has exited (non-blocking, bounded: a
    writer the hook left behind is not waited for)."""
    got = 0
    while got < _DRAIN_MAX:
        try:
            chunk = os.read(fd, _READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if not chunk:
            return
        got += len(chunk)
        tail.add(chunk)


def _talk(proc: subprocess.Popen[bytes], line: bytes, tail: _Tail | None,
          timeout_s: float) -> int | None:
    """Hand the hook its stdin line and read its stderr into `tail` until it exits; its
    exit status, or None when `timeout_s` ran out (the hook is then killed). Reading stops
    when the hook ends: the pipe's read end is closed, so a writer it left behind gets
    SIGPIPE instead of writing on."""
    deadline = time.monotonic() + timeout_s
    sel = selectors.DefaultSelector()
    pending = memoryview(line)
    stdin, stderr = proc.stdin, proc.stderr
    in_fd = stdin.fileno() if stdin is not None else -1
    try:
        if stdin is not None:
            if pending:
                os.set_blocking(stdin.fileno(), False)
                sel.register(stdin.fileno(), selectors.EVENT_WRITE)
            else:
                stdin.close()
        if stderr is not None:
            os.set_blocking(stderr.fileno(), False)
            sel.register(stderr.fileno(), selectors.EVENT_READ)
        while True:
            status = proc.poll()
            if status is not None:
                if stderr is not None and tail is not None:
                    _drain(stderr.fileno(), tail)
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                return None
            if not sel.get_map():
                try:
                    return proc.wait(timeout=left)
                except subprocess.TimeoutExpired:
                    continue
            for key, _events in sel.select(timeout=min(left, 0.05)):
                if key.fd == in_fd:
                    try:
                        pending = pending[os.write(key.fd, pending):]
                    except BlockingIOError:
                        continue
                    except OSError:  # the hook closed its stdin: it does not want it
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(key.fd)
                        if stdin is not None:
                            with contextlib.suppress(OSError):
                                stdin.close()
                elif stderr is not None:
                    try:
                        chunk = os.read(key.fd, _READ)
                    except (BlockingIOError, InterruptedError):
                        continue
                    if not chunk:
                        sel.unregister(key.fd)
                    elif tail is not None:
                        tail.add(chunk)
    finally:
        sel.close()
        for pipe in (stdin, stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _private_dir(path: Path, *, tighten: bool = False) -> None:
    """`path` made 0700 when it is missing (its ancestors as the system makes them: the
    umask does not widen the data directory itself); `tighten`: an existing one of ours
    is set back to 0700 as well."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not tighten:
            return
    st = os.stat(path)
    if st.st_uid == os.geteuid() and (st.st_mode & 0o777) != 0o700:
        os.chmod(path, 0o700)


def _keep_stderr(tail: _Tail, state_dir: Path, program: str,
                 log: logging.Logger) -> str:
    """The last STDERR_KEPT bytes of a failing run's stderr, put in place of the hook's
    previous one (written aside, 0600, then renamed: a reader never sees half of it); the
    file's path, or "" when there was nothing or it could not be written."""
    if tail.total == 0:
        return ""
    kept = bytes(tail.data)
    cut = kept.find(b"\n")
    if tail.total > STDERR_KEPT and 0 <= cut < len(kept) - 1:
        kept = kept[cut + 1:]  # a line cut in half is not the first line shown
    target = stderr_path(state_dir, program)
    try:
        _private_dir(state_dir)
        _private_dir(target.parent, tighten=True)
        fd, aside = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(kept)
            os.replace(aside, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(aside)
            raise
    except OSError as exc:
        log.warning("notify hook stderr not kept: %s", error_class(exc))
        return ""
    return str(target)


class NotAKeptFile(OSError):
    """What lies where a kept stderr file should be is not one the server wrote: a
    symlink, a FIFO or another non-regular file, or a file of another owner."""


def kept_stderr(path: Path, width: int = 160) -> tuple[str, float] | None:
    """The first non-blank line of a kept stderr file ("" when it has none), made
    printable and cut to `width`, and the file's mtime; None when there is no such file.
    Opened without following a symlink and without waiting on a FIFO, then checked to be
    a regular file owned by its directory's owner (doctor may run as root: a file put in
    its place must not make it print someone else's file, or hang). Raises
    PermissionError for a reader who may not, NotAKeptFile for anything else there."""
    try:
        owner = os.stat(path.parent).st_uid
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAKeptFile(errno.ELOOP, "a symlink, not a kept file", str(path)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != owner:
            raise NotAKeptFile(errno.EINVAL, "not a regular file of the directory's owner",
                               str(path))
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(STDERR_KEPT)
    finally:
        os.close(fd)
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return clean_line(line.strip(), max_len=width), st.st_mtime
    return "", st.st_mtime


def read_kept_stderr(path: Path, width: int = 160) -> str | None:
    """The first line of a kept stderr file, as `kept_stderr` reads it; None when there
    is no such file."""
    found = kept_stderr(path, width)
    return None if found is None else found[0]


_PR_SET_PDEATHSIG: Final = 1


@functools.cache
def _dies_with_us() -> Callable[[], None] | None:
    """For the hook's child process (Linux): killed when the thread that started it ends,
    so a server SIGKILLed mid-page leaves no hook paging on behind it (the restarted server
    pages again: the page is at least once, never one from a dead server and one more).
    The libc call is looked up here, in the parent; the child only calls it."""
    try:
        import ctypes
        import signal

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, ImportError):
        return None
    parent = os.getpid()

    def child() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the server died before the call: nothing to page for
            os._exit(1)

    return child


def run_notify(argv: Sequence[str] | None, *, env: Mapping[str, str],
               details: Mapping[str, object], log: logging.Logger, what: str,
               conversation: int | None = None, timeout_s: float = NOTIFY_TIMEOUT_S) -> bool:
    """Run the hook once (none configured: nothing to do); True when it exited 0. `what`
    names the caller in the log line ("sla notify_command"); `conversation` adds its
    number (never any of its text)."""
    if not argv:
        return True
    full_env = dict(os.environ)
    full_env.update(env)
    line = json.dumps(dict(details), ensure_ascii=False) + "\n"
    where = f" (conversation #{conversation})" if conversation is not None else ""
    extra = fields(conversation=conversation) if conversation is not None else None
    error = ""
    kept = ""
    where_kept = _keeps_stderr()
    tail = _Tail() if where_kept is not None else None
    try:
        proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, env=full_env,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE if tail is not None
                                else subprocess.DEVNULL,
                                preexec_fn=_dies_with_us())  # noqa: PLW1509 - prctl only
    except OSError as exc:
        error = error_class(exc)
        failed = f"could not run: {error}"
    else:
        status = _talk(proc, line.encode("utf-8"), tail, timeout_s)
        if status is None:
            error = f"timeout after {timeout_s:g} s"
            failed = f"timed out after {timeout_s:g} s"
        else:
            failed = f"exited {status}"
            if status != 0:
                error = f"exit {status}"
        if error and tail is not None and where_kept is not None:
            kept = _keep_stderr(tail, where_kept.parent, str(argv[0]), log)
    if error:
        # The file's name only: what the hook printed may echo a patient's details.
        log.warning("%s %s%s%s", what, failed, where,
                    f"; its stderr is kept in {kept}" if kept else "", extra=extra)
    _tell(NotifyOutcome(what, conversation, dict(details), error, str(argv[0]), kept), log)
    return not error
