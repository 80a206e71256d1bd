"""A PostgreSQL restart under a running `cxinbox serve` (a cluster of this module's own).

While the database is away, staff get one clear line within seconds (not the pool's 30 s
wait and a generic server error); the server's log says it once, without tracebacks or
the driver's repeated warnings; `cxinbox status` is CRITICAL (the desk cannot work).
Once the database is back, the very first staff command
works: the pool's dead connections are noticed before use and replaced, and reconnecting
does not back off for half a minute.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import PgCluster, find_bindir, pg_cluster
from tests.test_bulk_cli import fill
from tests.test_pg_serve import pg_config
from tests.test_serve_support import ME, Server, cx, socket_dir

from cxinbox.store.pg.store import PgStore

pytestmark = pytest.mark.skipif(find_bindir() is None, reason="PostgreSQL not installed")


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PgCluster]:
    with pg_cluster() as cluster:
        yield cluster


def _timed_list(cfg: Path) -> tuple[float, int, str, str]:
    started = time.monotonic()
    done = cx("list", "--json", "-c", str(cfg))
    return time.monotonic() - started, done.returncode, done.stdout, done.stderr


def test_staff_hear_at_once_while_the_database_is_away_and_work_as_soon_as_it_is_back(
        own_cluster: PgCluster, tmp_path: Path) -> None:
    own_cluster.create_database("restart")
    url = own_cluster.url("restart")
    store = PgStore(url, max_size=2)
    try:
        fill(store, 5)  # type: ignore[arg-type]  # the ingest module runs on both
    finally:
        store.close()
    with socket_dir() as sockdir:
        sock = sockdir / "a.sock"
        cfg = pg_config(tmp_path / "a", sock, url, {ME: "admin"})
        with Server(cfg, sock) as server:
            _, code, out, err = _timed_list(cfg)
            assert code == 0, err
            assert len(json.loads(out)["conversations"]) == 5

            own_cluster.stop_server()
            try:
                for _ in range(2):
                    took, code, out, err = _timed_list(cfg)
                    assert code == 5 and out == "", (code, out, err)
                    assert err.strip().endswith("the PostgreSQL database is not answering"
                                                " (restarting or unreachable); try again in"
                                                " a minute - IT: see the server log"), err
                    assert len(err.splitlines()) == 1, err
                    print(f"database away: the staff line came after {took:.1f} s")
                    assert took < 12, f"{took:.1f} s to say the database is away"
                # The whole desk is down: monitoring hears CRITICAL (exit 2), not UNKNOWN.
                health = cx("status", "-c", str(cfg))
                assert health.returncode == 2, (health.returncode, health.stdout,
                                                health.stderr)
                assert health.stdout.startswith("CXINBOX CRITICAL - "), health.stdout
                assert "the PostgreSQL database is not answering" in health.stdout
                assert len(health.stdout.splitlines()) == 1, health.stdout
                as_json = cx("status", "--json", "-c", str(cfg))
                data = json.loads(as_json.stdout)
                assert as_json.returncode == 2 and data["level"] == "critical", data
                assert data["exit_code"] == 2, data
            finally:
                own_cluster.start_server()
            # The first command after the database's return works.
            took, code, out, err = _timed_list(cfg)
            print(f"database back: the first list took {took:.1f} s")
            assert code == 0, err
            assert len(json.loads(out)["conversations"]) == 5
            assert server.wait_log("PostgreSQL database answering again", 30)
            log = server.log
        assert log.count("PostgreSQL database not answering") == 1, log
        assert "Traceback" not in log, log
        assert "logger=psycopg" not in log, log
