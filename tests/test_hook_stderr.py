"""A failing hook's stderr is kept for doctor, never logged (polish29 #2).

`pager gateway refused: 503` is the one line that explains why nobody was paged. The server
keeps the last 4 KB of a FAILING run's stderr in a 0600 file of its own under its state
directory (one per hook, replaced at each failure); its log line names the file, never
what the hook wrote (a hook may echo the details it was given); `cxinbox doctor` shows the
file's first line under the hook's check.
"""

from __future__ import annotations

import json
import logging
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.smtpsink import SmtpSink, write_reply_config
from tests.support.waiting import wait_until
from tests.test_rules import automation, patient_mail
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.service.notify import (
    STDERR_KEPT,
    read_kept_stderr,
    run_notify,
    set_stderr_dir,
    stderr_path,
)

log = logging.getLogger("cxinbox.test.hookstderr")
PATIENT = "Brunhilde Quackenbush"

RULES = '''
[[rules]]
name = "page on arrival"
on = "arrival"
actions = { notify = "new mail" }
'''


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


def _failing_hook(tmp: Path, *, status: int = 1) -> Path:
    """Echoes its stdin (the details: what a careless hook does) to stderr, then the
    gateway's answer, and fails."""
    hook = tmp / "page.sh"
    hook.write_text("#!/bin/sh\ncat >&2\necho 'pager gateway refused: 503' >&2\n"
                    f"exit {status}\n")
    hook.chmod(0o700)
    return hook


def test_serve_keeps_a_failing_hooks_stderr_and_doctor_shows_its_first_line(
        dovecot: Any, tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    hook = tmp_path / "page.sh"
    hook.write_text("#!/bin/sh\necho 'pager gateway refused: 503' >&2\n"
                    "echo 'second line' >&2\nexit 1\n")
    hook.chmod(0o700)
    sink = SmtpSink(tmp_path, user=dovecot.user, password=dovecot.password,
                    tls_dir=dovecot.root / "tls").start()
    try:
        extra = automation(RULES) + f'''
[server]
socket = "{sock}"

[[staff]]
os_user = "{ME}"
name = "Desk Admin"
role = "admin"
'''
        cfg = write_reply_config(tmp_path, dovecot, sink, extra=extra)
        cfg.write_text(cfg.read_text().replace(
            "[sla.calendars.clinic]\n",
            f'[sla]\nnotify_command = ["{hook}"]\n\n[sla.calendars.clinic]\n', 1))
        kept = stderr_path(tmp_path / "data", str(hook))
        dovecot.deliver(patient_mail("Refill", message_id="k1@patients.example",
                                     body=f"{PATIENT} here, my refill please."))
        with Server(cfg, sock) as server:
            wait_until(kept.exists, "the failing hook's stderr kept", timeout=90,
                       interval=0.1, detail=lambda: server.log[-3000:])
            wait_until(lambda: str(kept) in server.log, "the log line naming the file",
                       timeout=30, interval=0.1, detail=lambda: server.log[-3000:])
            doctor = cx("doctor", "--json", "--config", str(cfg))
            text = cx("doctor", "--config", str(cfg))
            served_log = server.log
    finally:
        sink.stop()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert kept.read_text().startswith("pager gateway refused: 503\nsecond line\n")
    # The log names the file; what the hook wrote is not in it.
    assert "pager gateway refused" not in served_log and "second line" not in served_log
    assert PATIENT not in served_log
    findings = json.loads(doctor.stdout)["findings"]
    notes = [f["text"] for f in findings if f["level"] == "note"]
    assert len(notes) == 1 and notes[0].startswith(
        "[sla] notify_command: last failing run ("), findings
    assert notes[0].endswith("said on stderr: pager gateway refused: 503"), notes
    # Printed right under the hook's own check.
    texts = [f["text"] for f in findings]
    at = texts.index(notes[0])
    assert texts[at - 1].startswith("[sla] notify_command"), texts
    assert "Traceback" not in text.stderr and "pager gateway refused: 503" in text.stdout


def test_only_a_failing_runs_last_4_kb_is_kept_and_replaced_each_failure(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir()
    hook = _failing_hook(tmp_path)
    noisy = [sys.executable, "-c",
             ("import sys; sys.stderr.write('x' * 100 + '\\n' + 'y' * 9000 + '\\n'"
              " + 'gateway timeout\\n'); sys.exit(2)")]
    set_stderr_dir(state)
    try:
        with caplog.at_level(logging.WARNING, logger=log.name):
            assert not run_notify([str(hook)], env={}, details={"patient": PATIENT},
                                  log=log, what="test hook", conversation=3)
            kept = stderr_path(state, str(hook))
            first = kept.read_text()
            assert not run_notify(noisy, env={}, details={}, log=log, what="noisy hook")
            # A success leaves the last failure's file as it was.
            assert run_notify(["/bin/true"], env={}, details={}, log=log, what="ok hook")
    finally:
        set_stderr_dir(None)
    assert PATIENT in first and first.endswith("pager gateway refused: 503\n")
    assert read_kept_stderr(kept) == f'{{"patient": "{PATIENT}"}}'
    big = stderr_path(state, sys.executable)
    data = big.read_bytes()
    assert len(data) <= STDERR_KEPT and data.endswith(b"gateway timeout\n")
    assert read_kept_stderr(big) == "gateway timeout"  # not a cut-off run of y's
    assert not stderr_path(state, "/bin/true").exists()
    assert sorted(p.name for p in (state / "hook-stderr").iterdir()) == \
        sorted([kept.name, big.name])  # no half-written file left beside them
    # Each failure replaces the hook's file.
    hook.write_text("#!/bin/sh\necho 'now 502' >&2\nexit 1\n")
    set_stderr_dir(state)
    try:
        assert not run_notify([str(hook)], env={}, details={}, log=log, what="test hook")
    finally:
        set_stderr_dir(None)
    assert kept.read_text() == "now 502\n"
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == f"test hook exited 1 (conversation #3); its stderr is kept in {kept}"
    assert PATIENT not in caplog.text and "pager gateway" not in caplog.text


def test_without_a_state_directory_nothing_is_kept(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    hook = _failing_hook(tmp_path, status=3)
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert not run_notify([str(hook)], env={}, details={}, log=log, what="test hook")
    assert [r.getMessage() for r in caplog.records] == ["test hook exited 3"]
    assert not (tmp_path / "hook-stderr").exists()


def _tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*")) if root.exists() else 0


def test_a_hook_writing_64_mb_to_stderr_costs_no_disk_while_it_runs(tmp_path: Path) -> None:
    """Its stderr is a pipe read into a 4 KB tail, not a file under the data directory:
    what the hook wrote never reaches the disk, only the kept tail of a failure does."""
    state = tmp_path / "state"
    state.mkdir()
    seen = tmp_path / "seen"
    hook = tmp_path / "big.sh"
    hook.write_text("#!/bin/sh\nyes 'noise' | head -c 67108864 >&2\n"
                    f"stat -L -c %s /proc/self/fd/2 > {seen}\n"
                    f"du -sb {state} | cut -f1 >> {seen}\n"
                    "echo 'gateway said no' >&2\nexit 1\n")
    hook.chmod(0o700)
    set_stderr_dir(state)
    try:
        assert not run_notify([str(hook)], env={}, details={}, log=log, what="big hook")
    finally:
        set_stderr_dir(None)
    stderr_size, state_size = (int(x) for x in seen.read_text().split())
    assert stderr_size <= 1 << 20, stderr_size  # a pipe's contents, not a 64 MB file
    assert state_size <= 1 << 16, state_size
    kept = stderr_path(state, str(hook))
    assert kept.stat().st_size <= STDERR_KEPT
    assert kept.read_bytes().endswith(b"gateway said no\n")
    assert _tree_bytes(state) <= STDERR_KEPT + 4096
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_writer_the_hook_leaves_behind_stops_when_the_hook_has_ended(
        tmp_path: Path) -> None:
    """Reading stops when the hook exits and the pipe is closed: a background writer it
    left holding stderr gets SIGPIPE instead of growing a file for ever."""
    state = tmp_path / "state"
    state.mkdir()
    count, pid = tmp_path / "count", tmp_path / "pid"
    hook = tmp_path / "bg.sh"
    hook.write_text(
        "#!/bin/sh\n"
        f"( echo $$ > {pid}.tmp; mv {pid}.tmp {pid}; i=0; while [ $i -lt 200 ]; do "
        "head -c 1048576 /dev/zero >&2 || break; i=$((i+1)); sleep 0.02; done; "
        f"echo $i > {count}.tmp; mv {count}.tmp {count} ) &\n"
        f"while [ ! -e {pid} ]; do sleep 0.01; done\n"
        "echo 'gateway down' >&2\nexit 1\n")
    hook.chmod(0o700)
    set_stderr_dir(state)
    try:
        assert not run_notify([str(hook)], env={}, details={}, log=log, what="bg hook")
    finally:
        set_stderr_dir(None)
    wait_until(count.exists, "the background writer ended", timeout=30, interval=0.05)
    written = int(count.read_text())
    assert written < 20, written  # stopped by SIGPIPE, not after its 200 MB
    assert _tree_bytes(state) <= STDERR_KEPT + 4096
    assert stderr_path(state, str(hook)).stat().st_size <= STDERR_KEPT


def test_the_directories_kept_stderr_makes_are_0700(tmp_path: Path) -> None:
    """A missing data directory is made 0700, not with the umask's 0755, and the kept
    files' directory is always 0700, even one left wider before."""
    import os

    state = tmp_path / "missing" / "data"
    hook = _failing_hook(tmp_path)
    old = os.umask(0o022)
    set_stderr_dir(state)
    try:
        assert not run_notify([str(hook)], env={}, details={}, log=log, what="test hook")
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        assert stat.S_IMODE((state / "hook-stderr").stat().st_mode) == 0o700
        (state / "hook-stderr").chmod(0o755)
        assert not run_notify([str(hook)], env={}, details={}, log=log, what="test hook")
    finally:
        set_stderr_dir(None)
        os.umask(old)
    assert stat.S_IMODE((state / "hook-stderr").stat().st_mode) == 0o700
    assert stderr_path(state, str(hook)).exists()
