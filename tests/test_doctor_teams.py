"""`cxinbox doctor` warns when a `[[teams]]` team cannot take work: every member away, off
shift (a shift-aware team) or at the team's cap, so what is assigned to it stays
unassigned. The WARN names the team and why each member is out; a team someone can take
work on is OK. Through the real CLI (`away on` as the user going away, `assign` to fill a
cap from the config) on a real store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.doctorhelp import unwrap
from tests.teamhelp import T0, deliver
from tests.test_serve_support import ME, cx

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _config(tmp: Path, store_line: str) -> Path:
    # Pat's only shift is three days from today: off shift now, whatever the hour.
    other_day = _DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    path = tmp / "config.toml"
    path.write_text(f"""
[clinic]
timezone = "UTC"

[store]
{store_line}

[server]
socket = "{tmp / "none.sock"}"

[audit]
checkpoint_log = "{tmp / "audit-checkpoints.jsonl"}"

[[staff]]
os_user = "{ME}"
name = "Root Admin"
role = "admin"

[[staff]]
os_user = "tnguyen"
name = "T Nguyen"

[[staff]]
os_user = "pnair"
name = "P Nair"

[[teams]]
name = "results"
members = ["{ME}", "tnguyen"]
cap = 1

[[teams]]
name = "evening"
members = ["pnair"]
strategy = "shift-aware"
shifts = {{ pnair = {{ hours = {{ {other_day} = ["07:00-13:00"] }} }} }}
""")
    return path


def _doctor(cfg: Path) -> tuple[int, str]:
    done = cx("doctor", "-c", str(cfg))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, unwrap(done.stdout)


def _store(backend: str, tmp: Path, request: pytest.FixtureRequest) -> tuple[str, Any]:
    if backend == "postgresql":
        from cxinbox.store.pg.store import PgStore

        url = request.getfixturevalue("pg_url")
        return f'url = "{url}"', PgStore(url, min_size=1, max_size=2)
    from cxinbox.store.db import Database

    path = tmp / "data" / "cxinbox.db"
    return f'path = "{path}"', Database(path, synchronous="OFF")


def test_doctor_says_which_team_cannot_take_work_and_why(
        tmp_path: Path, store_backend: str, request: pytest.FixtureRequest) -> None:
    store_line, store = _store(store_backend, tmp_path, request)
    try:
        conv = deliver(store, sender="pat@mail.example", at=T0, subject="Results")
    finally:
        store.close()
    cfg = _config(tmp_path, store_line)

    code, said = _doctor(cfg)
    assert "warn  team evening: nobody can take work: pnair off shift; what is assigned to" \
           " the team meanwhile stays unassigned (rules included) until one of them can" \
           in said, said
    assert "team results: nobody" not in said, said  # both members can take work
    assert code == 0 and "all checks passed" in said, said

    # tnguyen holds one open conversation (the cap is 1), and the admin goes away.
    given = cx("assign", str(conv), "--to", "tnguyen", "-c", str(cfg))
    assert given.returncode == 0, given.stderr
    gone = cx("away", "on", "-c", str(cfg))
    assert gone.returncode == 0 and "you are away" in gone.stdout, gone.stderr
    code, said = _doctor(cfg)
    assert (f"warn  team results: nobody can take work: {ME} away, tnguyen at cap 1/1;"
            " what is assigned to the team meanwhile stays unassigned") in said, said
    assert "warn  team evening: nobody can take work: pnair off shift" in said, said
    assert code == 0 and "all checks passed" in said, said

    # Back again: the results team has someone, and says nothing of itself.
    back = cx("away", "off", "-c", str(cfg))
    assert back.returncode == 0, back.stderr
    code, said = _doctor(cfg)
    assert "team results: nobody" not in said and "tnguyen at cap" not in said, said
    assert "warn  team evening: nobody can take work" in said, said

    # With the conversation closed, tnguyen is under the cap again; and without the
    # evening team every team can take work: one OK line.
    closed = cx("status", str(conv), "closed", "-c", str(cfg))
    assert closed.returncode == 0, closed.stderr
    cfg.write_text(cfg.read_text().split("[[teams]]\nname = \"evening\"")[0])
    code, said = _doctor(cfg)
    assert "ok    team results can take work now" in said, said
    assert "nobody can take work" not in said, said
    assert code == 0, said
