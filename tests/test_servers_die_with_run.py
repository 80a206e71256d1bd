"""A test run killed outright takes the servers it started with it (tests/support/deathwatch.py).

A pytest holding a Dovecot server and a PostgreSQL cluster is killed with SIGKILL: no
finaliser, no `finally` runs. Dovecot's master (in a session of its own) and the
postmaster (detached by `pg_ctl`) must still go, and their temp directories with them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.dovecot import find_dovecot
from tests.support.pgcluster import find_bindir
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent

HOLDER = '''
import json, os, time
from pathlib import Path

from tests.support.dovecot import DovecotServer
from tests.support.pgcluster import pg_cluster


def test_hold() -> None:
    with DovecotServer() as dove, pg_cluster() as pg:
        head = (pg.datadir / "postmaster.pid").read_text().split()
        Path(os.environ["CXT_HELD"]).write_text(json.dumps({
            "dovecot": dove.pid, "dove_root": str(dove.root), "postmaster": int(head[0]),
            "pg_root": str(pg.datadir.parent)}))
        time.sleep(600)
'''


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not reaped yet, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.dovecot
def test_a_killed_test_run_leaves_no_dovecot_or_postgres_behind(tmp_path: Path) -> None:
    if find_dovecot() is None or find_bindir() is None:
        pytest.skip("needs Dovecot and the PostgreSQL server binaries")
    holder = tmp_path / "test_holder.py"
    holder.write_text(HOLDER)
    held = tmp_path / "held.json"
    env = {**os.environ, "CXT_HELD": str(held),
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--rootdir", str(tmp_path), str(holder)], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: held.exists() and held.read_text().endswith("}")
                   or run.poll() is not None, "the run to hold both servers", timeout=120,
                   interval=0.1)
        assert run.poll() is None, "the holding run ended before it held the servers"
        pids = json.loads(held.read_text())
        assert _alive(pids["dovecot"]) and _alive(pids["postmaster"]), pids
        os.killpg(run.pid, signal.SIGKILL)  # the whole run, as a stopped scripts/test
        run.wait(timeout=30)
        wait_until(lambda: not _alive(pids["dovecot"]) and not _alive(pids["postmaster"]),
                   "Dovecot and PostgreSQL to be gone", timeout=60, interval=0.1)
        wait_until(lambda: not Path(pids["dove_root"]).exists()
                   and not Path(pids["pg_root"]).exists(),
                   "their directories to be removed", timeout=30, interval=0.1)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
