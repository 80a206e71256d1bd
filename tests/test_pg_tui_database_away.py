"""A TUI on a server whose PostgreSQL database stops says so on its status line, and
says "live" again once the database is back (a cluster of this module's own).

The server keeps its change feed's head fresh from a task of its own; a long poll was
answered from that head alone, so through a whole outage the status line kept saying
`live` while `cxinbox status` said CRITICAL, and only an action's toast told the desk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import PgCluster, find_bindir, pg_cluster
from tests.test_bulk_cli import fill
from tests.test_pg_serve import pg_config
from tests.test_serve_support import ME, Server, socket_dir
from tests.test_tui_support import wait_for, wait_rows

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.config import load_config
from cxinbox.store.pg.store import PgStore
from cxinbox.tui.app import DATABASE_AWAY, LONG_POLL_S, CxInboxApp

pytestmark = pytest.mark.skipif(find_bindir() is None, reason="PostgreSQL not installed")


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PgCluster]:
    with pg_cluster() as cluster:
        yield cluster


def _head(store: PgStore) -> int:
    with store.reading() as tx:
        return tx.feed_head()[0]


async def test_the_status_line_says_the_database_is_away_and_back(
        own_cluster: PgCluster, tmp_path: Path) -> None:
    own_cluster.create_database("away")
    url = own_cluster.url("away")
    store = PgStore(url, max_size=2)
    try:
        fill(store, 3)  # type: ignore[arg-type]  # the ingest module runs on both
    finally:
        store.close()
    with socket_dir() as sockdir:
        sock = sockdir / "a.sock"
        cfg = pg_config(tmp_path / "a", sock, url, {ME: "admin"})
        with Server(cfg, sock):
            found = probe(sock)
            assert found is not None
            app = CxInboxApp(SocketAPI(sock, *found), load_config(cfg), calm=True,
                             idle_lock_s=0, poll_interval=0.1)

            def sync_state() -> str:
                return app.status_line._sync

            async with app.run_test(size=(120, 30)) as pilot:
                await wait_rows(pilot, app)
                await wait_for(pilot, lambda: sync_state() == "live", what="live")
                # The desk has read everything (its start's own audited reads too): the
                # server then answers its long poll without reading the database.
                watcher = PgStore(url, max_size=1)
                try:
                    head = await asyncio.to_thread(_head, watcher)
                    await wait_for(pilot, lambda: (app._last_seq or 0) >= head,
                                   what="the desk's cursor at the database's head")
                finally:
                    watcher.close()
                await asyncio.to_thread(own_cluster.stop_server)
                try:
                    # within one long poll (plus the server's next read of the head and
                    # the client's retry), whatever the machine's load
                    await wait_for(pilot, lambda: sync_state() == DATABASE_AWAY,
                                   timeout=LONG_POLL_S + 10, what="the database away")
                    assert app.status_line._problem
                    assert DATABASE_AWAY in app.status_line.render().plain
                finally:
                    await asyncio.to_thread(own_cluster.start_server)
                await wait_for(pilot, lambda: sync_state() == "live",
                               timeout=LONG_POLL_S + 10, what="live again")
                assert not app.status_line._problem
