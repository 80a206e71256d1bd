"""The one `notify_command` runner every caller uses (service/notify.py): a real hook
process gets the details as CXINBOX_* variables and one JSON line; its output never reaches
the log; a failure is one warning line and the caller carries on."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from cxinbox.service.notify import run_notify

log = logging.getLogger("cxinbox.test.notify")
RECORD = ("import json, os, sys\n"
          "out = {'stdin': json.loads(sys.stdin.read()),"
          " 'env': {k: v for k, v in os.environ.items() if k.startswith('CXINBOX_')}}\n"
          "open(sys.argv[1], 'w').write(json.dumps(out))\n")


def test_the_hook_gets_variables_and_one_json_line(tmp_path: Path) -> None:
    out = tmp_path / "call.json"
    ok = run_notify([sys.executable, "-c", RECORD, str(out)],
                    env={"CXINBOX_STATE": "red-flag", "CXINBOX_CONVERSATION": "12"},
                    details={"event": "red_flag", "conversation": 12, "note": "café"},
                    log=log, what="test hook", conversation=12)
    assert ok
    call = json.loads(out.read_text())
    assert call["stdin"] == {"event": "red_flag", "conversation": 12, "note": "café"}
    assert call["env"] == {"CXINBOX_STATE": "red-flag", "CXINBOX_CONVERSATION": "12"}
    assert run_notify(None, env={}, details={}, log=log, what="none") is True


def test_failures_are_one_line_without_the_hooks_output(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    echo = [sys.executable, "-c",
            "import sys; print(sys.stdin.read()); sys.stderr.write('Pat Doe chest'); sys.exit(4)"]
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert not run_notify(echo, env={}, details={"subject": "Pat Doe chest"}, log=log,
                              what="test hook", conversation=7)
        assert not run_notify([sys.executable, "-c", "import time; time.sleep(5)"], env={},
                              details={}, log=log, what="slow hook", timeout_s=0.3)
        assert not run_notify([str(tmp_path / "missing")], env={}, details={}, log=log,
                              what="missing hook")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["test hook exited 4 (conversation #7)",
                     "slow hook timed out after 0.3 s",
                     "missing hook could not run: FileNotFoundError"]
    assert "Pat Doe" not in caplog.text


def test_every_failure_kind_reaches_the_servers_sink_and_a_success_too(
        tmp_path: Path) -> None:
    """What `serve` audits and alerts on (service/notify_record.py): the error class of a
    hook that cannot start, the exit status, the timeout; and a success, which clears it."""
    from cxinbox.service.notify import NotifyOutcome, set_failure_sink

    heard: list[NotifyOutcome] = []
    set_failure_sink(heard.append)
    try:
        details = {"state": "breached", "conversation": 7}
        for argv, timeout in (([str(tmp_path / "missing")], 5.0),
                              ([sys.executable, "-c", "raise SystemExit(3)"], 5.0),
                              ([sys.executable, "-c", "import time; time.sleep(5)"], 0.3),
                              ([sys.executable, "-c", "pass"], 5.0)):
            run_notify(argv, env={}, details=details, log=log, what="sla notify_command",
                       conversation=7, timeout_s=timeout)
    finally:
        set_failure_sink(None)
    assert [o.error for o in heard] == ["FileNotFoundError", "exit 3", "timeout after 0.3 s",
                                        ""]
    assert all(o.conversation == 7 and o.details == details for o in heard)
    run_notify([str(tmp_path / "missing")], env={}, details=details, log=log, what="x")
    assert len(heard) == 4  # no sink set: the log line only


def test_a_working_hook_does_not_clear_another_hooks_alert(tmp_path: Path) -> None:
    """review25 #5: the red-flag pager is missing and the SLA hook works. Each SLA page
    that goes out must leave the pager's alert up; only the pager's own success clears it."""
    from cxinbox.config import load_config
    from cxinbox.service.health import Health
    from cxinbox.service.notify import set_failure_sink
    from cxinbox.service.notify_record import NotifyRecorder, alert_key
    from cxinbox.store.db import Database

    (tmp_path / "c.toml").write_text(f'[store]\npath = "{tmp_path / "db" / "cx.db"}"\n')
    config = load_config(tmp_path / "c.toml")
    db = Database(config.db_path)
    health = Health(db, config)
    pager = tmp_path / "pager"
    works = [sys.executable, "-c", "pass"]

    def alerts() -> dict[str, str]:
        with db.reading() as tx:
            return {a.key: a.message for a in tx.alerts()}

    set_failure_sink(NotifyRecorder(db, health))
    try:
        for _ in range(2):
            run_notify([str(pager)], env={}, details={"event": "red_flag"}, log=log,
                       what="red-flag notify_command", conversation=7)
        run_notify(works, env={}, details={"state": "breached"}, log=log,
                   what="sla notify_command", conversation=8)
        up = alerts()
        assert [m for m in up.values() if "red-flag notify_command" in m], \
            "the SLA hook's success cleared the pager's alert"
        assert list(up) == [alert_key(str(pager))]
        assert "failed 2 time(s)" in up[alert_key(str(pager))]
        assert "red-flag notify_command, conversation #7" in up[alert_key(str(pager))]
        # A second failing hook is its own alert; the pager working clears only its own.
        run_notify([sys.executable, "-c", "raise SystemExit(2)"], env={}, details={},
                   log=log, what="rule notify", conversation=9)
        assert set(alerts()) == {alert_key(str(pager)), alert_key(sys.executable)}
        pager.write_text("#!/bin/sh\nexit 0\n")
        pager.chmod(0o700)
        run_notify([str(pager)], env={}, details={"event": "red_flag"}, log=log,
                   what="red-flag notify_command", conversation=7)
        assert list(alerts()) == [alert_key(sys.executable)]
    finally:
        set_failure_sink(None)
        db.close()


def test_the_alert_names_the_kept_stderr_whole_under_a_long_data_directory(
        tmp_path: Path) -> None:
    """The alert is where doctor (run as root, or beside a PostgreSQL server) learns which
    file holds the failing run's stderr; cut at the usual 300 characters, a long data
    directory lost the file's name and doctor found nothing."""
    from cxinbox.config import load_config
    from cxinbox.service.health import Health
    from cxinbox.service.notify import set_failure_sink, set_stderr_dir
    from cxinbox.service.notify_record import NotifyRecorder, alert_key
    from cxinbox.store.db import Database

    (tmp_path / "c.toml").write_text(f'[store]\npath = "{tmp_path / "db" / "cx.db"}"\n')
    config = load_config(tmp_path / "c.toml")
    db = Database(config.db_path)
    health = Health(db, config)
    state = tmp_path.joinpath(*(["a-rather-long-folder-name-for-a-clinic"] * 5))
    hook = tmp_path / "page.sh"
    hook.write_text("#!/bin/sh\necho 'pager gateway refused: 503' >&2\nexit 1\n")
    hook.chmod(0o700)
    set_failure_sink(NotifyRecorder(db, health))
    set_stderr_dir(state)
    try:
        run_notify([str(hook)], env={}, details={"event": "red_flag"}, log=log,
                   what="red-flag notify_command", conversation=7)
        with db.reading() as tx:
            message = {a.key: a.message for a in tx.alerts()}[alert_key(str(hook))]
        kept = next(state.rglob("*.stderr"))
        assert len(str(kept)) > 230
        assert f"its last stderr is kept in {kept} (" in message, message
        assert message.endswith("run it by hand as the server's user to see more")
    finally:
        set_failure_sink(None)
        set_stderr_dir(None)
        db.close()
