"""One identity for the acting user: the real uid's login, whatever $USER says."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tests.test_serve_support import cx

from cxinbox.api.identity import acting_user, login_of
from cxinbox.cli import current_actor
from cxinbox.tui import launch
from cxinbox.tui.unlock import current_user

REAL = pwd.getpwuid(os.getuid()).pw_name


def test_environment_does_not_change_who_acts(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "lead")
    assert acting_user() == current_actor() == current_user() == REAL


def test_a_uid_without_a_passwd_entry_gets_a_stable_name() -> None:
    unused = next(uid for uid in range(61000, 65000) if not _exists(uid))
    assert login_of(unused) == f"uid{unused}"


def _exists(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def test_the_tui_opens_the_inbox_as_the_real_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, the TUI used to take the actor from $USER (getpass) while the CLI used
    the real uid; both now ask `acting_user`."""
    monkeypatch.setenv("USER", "lead")
    monkeypatch.setenv("LOGNAME", "lead")
    seen: list[str] = []

    class Opened:
        api: Any = None

        def close(self) -> None:
            pass

    def fake_open(_config: Any, actor: str, *, local: bool = False) -> Opened:
        seen.append(actor)
        return Opened()

    monkeypatch.setattr("cxinbox.wiring.open_api", fake_open)
    monkeypatch.setattr(launch, "_run", lambda *a, **k: None)
    monkeypatch.setattr(launch, "need_terminal", lambda: None)  # pytest's stdin is no tty
    launch.open_tui(SimpleNamespace(accounts=[]), local=True)  # type: ignore[arg-type]
    assert seen == [REAL]


def test_user_variable_does_not_make_the_cli_act_as_someone_else(tmp_path: Path) -> None:
    from tests.test_bulk_cli import fill
    from tests.test_serve_support import write_config

    from cxinbox.config import load_config
    from cxinbox.store.db import Database

    cfg = write_config(tmp_path, tmp_path / "none.sock", {REAL: "agent", "lead": "admin"})
    db = Database(load_config(cfg).db_path)
    fill(db, 2)
    db.close()
    proc = cx("note", "1", "who wrote this", "--config", str(cfg), "--json",
              extra_env={"USER": "lead", "LOGNAME": "lead"})
    assert proc.returncode == 0, proc.stderr
    db = Database(load_config(cfg).db_path)
    try:
        actors = [r[0] for r in db.conn.execute(
            "SELECT actor FROM events WHERE action = 'conversation.note'")]
    finally:
        db.close()
    assert actors == [REAL]
