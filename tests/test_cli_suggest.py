"""qa28 F11: an unknown command that is a form of another (`close 3`, `unflag 3`) or a
near spelling of one (`clsoe 3`) is told the whole command that does it, and that command
runs as suggested: each suggestion here is taken from the error line and run against a
real store on disk."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from tests.support.clirun import cx_here
from tests.test_bulk_cli import ME, fill, states, write_config

from cxinbox.store.db import Database


def _suggestion(*typed: str, config: Path) -> list[str]:
    done = cx_here(*typed, "--config", str(config))
    assert done.returncode == 2 and done.stdout == "", done
    line = done.stderr.strip()
    assert "\n" not in line and "did you mean: cxinbox " in line, line
    return shlex.split(line.split("did you mean: ", 1)[1])[1:]


@pytest.mark.parametrize(("typed", "status", "ids"), [
    (("close", "3"), "closed", {3}),
    (("close", "3", "4"), "closed", {3, 4}),
    (("close", "#3", "4", "3"), "closed", {3, 4}),
    (("clsoe", "3"), "closed", {3}),
    (("pending", "3"), "pending", {3}),
    (("snooze", "3", "--until", "1w"), "snoozed", {3}),
    (("snooze", "3", "4", "--until", "tomorrow 9:00"), "snoozed", {3, 4}),
])
def test_a_status_verb_suggests_a_status_command_that_runs(
        tmp_path: Path, typed: tuple[str, ...], status: str, ids: set[int]) -> None:
    config = write_config(tmp_path, {ME: "supervisor"})
    db = Database(tmp_path / "data" / "cxinbox.db")
    try:
        fill(db, 5)
        argv = _suggestion(*typed, config=config)
        assert argv[0] == "status", argv
        done = cx_here(*argv)
        assert done.returncode == 0, (argv, done.stderr)
        changed = {row[0] for row in states(db) if row[1] == status}
        assert changed == ids, (argv, states(db))
    finally:
        db.close()


def test_unassign_and_unflag_suggest_commands_that_parse(tmp_path: Path) -> None:
    config = write_config(tmp_path, {ME: "supervisor"})
    db = Database(tmp_path / "data" / "cxinbox.db")
    try:
        fill(db, 3)
        argv = _suggestion("unassign", "2", config=config)
        assert argv[:3] == ["assign", "2", "--unassign"], argv
        assert cx_here(*argv).returncode == 0
        argv = _suggestion("unflag", "2", "-r", "called back", config=config)
        assert argv[:5] == ["flag", "clear", "2", "--reason", "called back"], argv
        done = cx_here(*argv)
        # Conversation 2 has no red flag: the command parses and runs, and says there is
        # nothing to clear (exit 0: what was asked holds; a usage error would exit 2).
        assert done.returncode == 0 and done.stderr == "", done
        assert done.stdout == "#2 has no open red flag: nothing to clear\n", done
    finally:
        db.close()
