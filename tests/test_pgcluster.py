"""The PostgreSQL the tests start themselves (tests/support/pgcluster.py): a real server from
Debian's package in a temp directory, reached over its Unix socket, with the extensions the
PostgreSQL store needs (issue #16) and the LISTEN/NOTIFY wake-up several servers will share."""

from __future__ import annotations

import os
import stat
import time

import psycopg
from tests.support.pgcluster import PgCluster


def test_cluster_answers_on_its_socket_only(pg_cluster: PgCluster) -> None:
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        listen = conn.execute("SHOW listen_addresses").fetchone()
    assert version is not None and int(version[0]) >= 130000  # ≥ 13: what the store needs
    assert listen is not None and listen[0] == ""  # no TCP listener at all
    mode = stat.S_IMODE(os.stat(pg_cluster.socket_dir).st_mode)
    assert mode == 0o700, oct(mode)


def test_fresh_database_has_the_store_extensions(pg_cluster: PgCluster) -> None:
    dsn = pg_cluster.create_database("ext_check")
    with psycopg.connect(dsn, autocommit=True) as conn:
        names = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
        assert {"pg_trgm", "unaccent"} <= names
        # Accents fold and trigrams rank, as mail search will ask of them.
        folded = conn.execute("SELECT unaccent('Peña Núñez')").fetchone()
        assert folded == ("Pena Nunez",)
        similar = conn.execute("SELECT similarity('garcia', 'garcía')").fetchone()
        assert similar is not None and 0.2 < similar[0] < 1.0


def test_url_form_connects_like_the_dsn(pg_cluster: PgCluster) -> None:
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("cxinbox",)


def test_notify_wakes_a_listener_on_another_connection(pg_cluster: PgCluster) -> None:
    dsn = pg_cluster.create_database("notify_check")
    with psycopg.connect(dsn, autocommit=True) as listener, \
            psycopg.connect(dsn, autocommit=True) as sender:
        listener.execute("LISTEN cxinbox_changes")
        sender.execute("SELECT pg_notify('cxinbox_changes', '42')")
        deadline = time.monotonic() + 60
        got: list[str] = []
        while not got and time.monotonic() < deadline:
            got = [n.payload for n in listener.notifies(timeout=1.0, stop_after=1)]
        assert got == ["42"]
