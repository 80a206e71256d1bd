"""`cxinbox doctor` warns (never fails) while a red flag raised now would find nobody: the
team the rules send red flags to is off shift or away, or, without such rules, no
clinician is on shift. The same state the TUI's status line shows everyone ("nobody on
shift in team nurses"); a shift's state, so doctor still passes. Run on SQLite and on
PostgreSQL, with the real `cxinbox doctor`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.doctorhelp import unwrap
from tests.test_serve_support import ME, cx

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _config(tmp: Path, store_line: str, nurses: str, rule: bool = True) -> Path:
    path = tmp / "config.toml"
    path.write_text(f"""
[clinic]
timezone = "UTC"

[store]
{store_line}

[server]
socket = "{tmp / "none.sock"}"

# the test's own checkpoint log: on PostgreSQL the default sits in $XDG_DATA_HOME, which
# other tests of this worker share (their checkpoints are not this database's)
[audit]
checkpoint_log = "{tmp / "audit-checkpoints.jsonl"}"

[[staff]]
os_user = "{ME}"
name = "Root Admin"
role = "admin"

[[staff]]
os_user = "amy"
name = "Amy Nurse"
clinical = true

[[teams]]
name = "nurses"
members = ["amy"]
{nurses}
""" + ("""
[[rules]]
name = "red flags to the nurses"
on = "arrival"
match = "is:red-flag"
actions = { assign = "team:nurses" }
""" if rule else ""))
    return path


def _doctor(cfg: Path) -> tuple[int, str]:
    done = cx("doctor", "-c", str(cfg))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, unwrap(done.stdout)


def test_nobody_on_shift_for_red_flags_is_a_warning(
        tmp_path: Path, store_backend: str, request: pytest.FixtureRequest) -> None:
    store_line = f'path = "{tmp_path / "data" / "cxinbox.db"}"'
    if store_backend == "postgresql":
        store_line = f'url = "{request.getfixturevalue("pg_url")}"'
    else:  # the cache a sync or the server made (doctor on a new install makes none)
        from cxinbox.store.db import Database

        (tmp_path / "data").mkdir(mode=0o700)
        Database(tmp_path / "data" / "cxinbox.db").close()
    # Amy's only shift is three days from today: off shift now, whatever the hour.
    other_day = _DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    off = f'strategy = "shift-aware"\nshifts = {{ amy = {{ hours = {{ {other_day} =' \
          ' ["07:00-13:00"] } } }'
    code, said = _doctor(_config(tmp_path, store_line, off))
    assert ("warn  roster readable (0 available for red flags now, 0 away), but nobody on"
            " shift in team nurses: new red flags wait unassigned until someone is") in said, said
    assert "ok    roster readable" not in said and "FAIL  roster" not in said, said
    assert code == 0 and "all checks passed" in said, said

    # Without routing rules, the clinicians: Amy (clinical) is off shift by her rota.
    code, said = _doctor(_config(tmp_path, store_line, off, rule=False))
    assert "but no clinician on shift: new red flags wait unassigned" in said, said
    assert code == 0, said

    # On shift all week: nothing to warn of.
    always = 'strategy = "round-robin"'
    code, said = _doctor(_config(tmp_path, store_line, always))
    assert "ok    roster readable: 1 available for red flags now, 0 away" in said, said
    assert "nobody on shift" not in said, said
