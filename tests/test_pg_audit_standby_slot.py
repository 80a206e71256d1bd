"""A standby cut off from its primary is still waited for when it streams through a
physical replication slot: audit checkpoints on the primary sign only what the slot
holds, until the standby is back or an admin drops the slot.

A partitioned standby's walsender ends (after wal_sender_timeout) and its row leaves
pg_stat_replication; without its slot the primary would take it for gone and sign the
head at once, though a failover to that standby (the usual one when the primary is cut
off) loses every event since. Real primary and streaming standby
(tests/support/pgcluster.py, `pg_basebackup -C -S`); the standby is stopped to leave
(its walsender ends at once), as the partition's timeout would end it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pgcluster import (
    PgCluster,
    find_bindir,
    pg_cluster,
    pg_standby,
    streaming_standbys,
)
from tests.support.waiting import wait_until
from tests.test_pg_audit import pg_audit_config

from cxinbox.config import load_config
from cxinbox.service.anchor import Anchor
from cxinbox.store.pg.store import PgStore

DB = "desk"
SLOT = "standby_a"

pytestmark = pytest.mark.skipif(find_bindir() is None,
                                reason="PostgreSQL is not installed")


@contextlib.contextmanager
def _slotted(tmp_path: Path) -> Iterator[tuple[PgCluster, PgCluster, PgStore, Anchor]]:
    with pg_cluster() as primary:
        primary.create_migrated_database(DB)
        with pg_standby(primary, slot=SLOT) as standby:
            config_path = pg_audit_config(tmp_path / "site", primary.url(DB))
            store = PgStore(primary.url(DB), max_size=2, timeout_s=10)
            anchor = Anchor(store, load_config(config_path))
            try:
                anchor.open()
                anchor.standby_wait_s = 0.5
                yield primary, standby, store, anchor
            finally:
                anchor.close()
                store.close()


def _add(store: PgStore, count: int) -> int:
    for _ in range(count):
        with store.writing() as tx:
            tx.append_event("maria", "conversation.view", "conversation:1", {"why": "test"})
    with store.reading() as tx:
        return tx.last_event_seq()


def _standby_head(standby: PgCluster) -> int:
    return int(standby.psql("SELECT coalesce(max(seq), 0) FROM events", dbname=DB))


def test_a_standby_away_with_a_slot_holds_checkpoints_back_until_its_slot_is_dropped(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="cxinbox.service.anchor")
    with _slotted(tmp_path) as (primary, standby, store, anchor):
        head = _add(store, 3)
        signed = anchor.checkpoint(force=True)
        assert signed is not None and signed.seq == head
        wait_until(lambda: _standby_head(standby) >= head, "the standby to replay",
                   timeout=30)

        standby.stop_server()  # cut off: its walsender is gone, its slot stays
        wait_until(lambda: streaming_standbys(primary) == 0,
                   "the standby's walsender to end", timeout=30, interval=0.2)
        assert primary.psql(f"SELECT active FROM pg_replication_slots"
                            f" WHERE slot_name = '{SLOT}'") == "f"
        newer = _add(store, 4)
        assert anchor.checkpoint(force=True) is None  # nothing the slot holds is newer
        away = store.standby_replay()
        assert (away.standbys, away.away) == (1, 1)
        assert anchor.standby_problem is not None
        assert "replication slot" in anchor.standby_problem
        assert anchor.checkpoint(force=True) is None  # tried again: still nothing
        assert [r for r in caplog.records if "replication slot" in r.getMessage()]

        standby.start_server()  # back: it streams what it missed, and the head is signed
        wait_until(lambda: streaming_standbys(primary) > 0, "the standby to stream again",
                   timeout=60, interval=0.2)
        back = anchor.checkpoint(force=True)
        assert back is not None and back.seq >= newer
        assert anchor.standby_problem is None
        assert _standby_head(standby) >= newer

        standby.stop_server()  # gone for good: an admin drops its slot
        wait_until(lambda: streaming_standbys(primary) == 0,
                   "the standby's walsender to end", timeout=30, interval=0.2)
        latest = _add(store, 2)
        assert anchor.checkpoint(force=True) is None
        primary.psql(f"SELECT pg_drop_replication_slot('{SLOT}')")
        dropped = anchor.checkpoint(force=True)
        assert dropped is not None and dropped.seq >= latest
        assert anchor.standby_problem is None
