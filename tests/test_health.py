"""Background work that fails is restarted and never silent (server health)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from tests.support.waiting import poll_until

from cxinbox.config import load_config
from cxinbox.service.health import Health, account_key
from cxinbox.service.inbox import InboxService
from cxinbox.service.runtime import supervise
from cxinbox.store import health as store
from cxinbox.store.db import Database


def _wait(what: Callable[[], bool], timeout: float = 30.0) -> bool:
    return poll_until(what, timeout=timeout, interval=0.02)


def _setup(tmp_path: Path, notify: bool = False) -> tuple[Database, Health, Path]:
    log = tmp_path / "notified.txt"
    script = tmp_path / "notify.sh"
    script.write_text(f'#!/bin/sh\necho "$CXINBOX_STATE $CXINBOX_TARGET" >> {log}\n')
    os.chmod(script, 0o755)
    text = f'[store]\npath = "{tmp_path / "db" / "cx.db"}"\n'
    if notify:
        text += f'[sla]\nnotify_command = ["{script}"]\n'
    (tmp_path / "c.toml").write_text(text)
    config = load_config(tmp_path / "c.toml")
    db = Database(config.db_path)
    return db, Health(db, config), log


PATIENT_WORDS = "chest pain since this morning, call +15551234567"


class Flaky:
    """Dies `failures` times (with patient words in the error), then runs until stopped."""

    name = "sms poll"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.starts = 0
        self.running = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            words = PATIENT_WORDS  # the raise line shows the name, never the text
            raise ValueError(words)
        self.running.set()
        stop.wait()


def test_a_dying_worker_is_restarted_and_shown_until_it_runs_steadily(tmp_path: Path) -> None:
    db, health, log = _setup(tmp_path, notify=True)
    worker = Flaky(failures=2)
    stop = threading.Event()
    thread = threading.Thread(target=supervise, args=(worker, stop, health),
                              kwargs={"min_s": 0.05, "max_s": 0.2, "steady_s": 0.5})
    thread.start()
    try:
        assert _wait(lambda: bool(store.current(db.conn)))
        [alert] = store.current(db.conn)
        assert alert.key == "worker:sms poll" and alert.severity == "error"
        assert "sms poll failed (ValueError)" in alert.message
        assert "chest" not in alert.message and "555" not in alert.message
        assert _wait(worker.running.is_set)
        assert worker.starts == 3
        # Every staff member's client reads it through the API until it clears.
        assert _wait(lambda: not InboxService(db, health.config, "maria").alerts())
        actions = [r[0] for r in db.conn.execute(
            "SELECT action FROM events WHERE target = 'worker:sms poll' ORDER BY seq")]
        assert actions[0] == "health.alert" and actions[-1] == "health.ok"
        assert _wait(lambda: log.exists() and "alert worker:sms poll" in log.read_text())
        assert log.read_text().count("alert") == 1, "notified once per new problem"
    finally:
        stop.set()
        thread.join(60)
        db.close()
    assert not thread.is_alive()


def test_reports_are_idempotent_and_a_new_server_starts_clean(tmp_path: Path) -> None:
    db, health, _log = _setup(tmp_path)
    try:
        for _ in range(5):
            health.problem(account_key("billing"), "billing: Microsoft sign-in expired")
        count = db.conn.execute("SELECT count(*) FROM events WHERE action = 'health.alert'"
                                ).fetchone()[0]
        assert count == 1
        health.problem(account_key("billing"), "billing: \x1b]52;c;aGk=\x07 changed")
        [alert] = InboxService(db, health.config, "maria").alerts()
        assert "\x1b" not in alert.message
        Health(db, health.config).start_fresh()
        assert store.current(db.conn) == []
    finally:
        db.close()


def test_a_restart_keeps_the_alert_of_red_flag_pages_never_paged(tmp_path: Path) -> None:
    """A restart ends what its workers will say again, not the red-flag cap pages given up:
    those were never paged and nothing would raise them again (the routing round ends that
    alert once none of its flags still waits)."""
    from cxinbox.service.health import KEPT_ACROSS_RESTARTS
    from cxinbox.service.redflag_routing import PAGE_ALERT

    assert KEPT_ACROSS_RESTARTS == {PAGE_ALERT}
    db, health, _log = _setup(tmp_path)
    try:
        health.problem(account_key("billing"), "billing: Microsoft sign-in expired")
        health.problem(PAGE_ALERT, "the page for red flag #5 did not go after 3 tries")
        Health(db, health.config).start_fresh()
        assert [a.key for a in store.current(db.conn)] == [PAGE_ALERT]
    finally:
        db.close()


def test_doctor_fails_while_the_server_reports_a_problem(tmp_path: Path) -> None:
    from cxinbox.service.doctor import run_doctor
    from cxinbox.wiring import open_audit_reader, open_store

    db, health, _log = _setup(tmp_path)
    try:
        health.problem(account_key("billing"), "billing: Google sign-in failed - IT: "
                       "cxinbox doctor (unauthorized_client: domain-wide delegation is missing)")
        lines: list[str] = []
        assert run_doctor(str(tmp_path / "c.toml"), lines.append, open_store=open_store, open_audit=open_audit_reader) is False
        assert "  FAIL  server reports: billing: Google sign-in failed - IT: cxinbox doctor " \
               "(unauthorized_client: domain-wide delegation is missing)" in lines
        health.ok(account_key("billing"))
        lines.clear()
        run_doctor(str(tmp_path / "c.toml"), lines.append, open_store=open_store, open_audit=open_audit_reader)
        assert not any("server reports" in line for line in lines)
    finally:
        db.close()


def test_a_crash_log_line_has_the_frames_but_not_the_patient_text(
        tmp_path: Path, caplog: object) -> None:
    import logging

    import pytest

    db, health, _log = _setup(tmp_path)
    worker = Flaky(failures=1)
    stop = threading.Event()
    assert isinstance(caplog, pytest.LogCaptureFixture)
    with caplog.at_level(logging.ERROR, logger="cxinbox.service.runtime"):
        thread = threading.Thread(target=supervise, args=(worker, stop, health),
                                  kwargs={"min_s": 0.05, "max_s": 0.1, "steady_s": 5})
        thread.start()
        try:
            assert _wait(worker.running.is_set)
        finally:
            stop.set()
            thread.join(60)
            db.close()
    text = caplog.text
    assert "ValueError" in text and "in run" in text
    assert "chest" not in text and "5551234567" not in text
