"""A bulk sync's parse worker runs below its sync's CPU priority (service/parsepool.py
`WORKER_NICE`), so the fetch and the store win a busy core; the sync process itself and a
worker's results are unchanged."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor
from types import SimpleNamespace

from tests.support.mailgen import generate_corpus

from cxinbox.service import sync
from cxinbox.service.parsepool import (
    WORKER_NICE,
    PoolContext,
    mark_worker,
    parse_and_assess,
)


def _nice() -> int:
    return os.nice(0)


def test_the_sync_pools_workers_run_below_the_syncs_priority() -> None:
    engine = sync.MailSync.__new__(sync.MailSync)  # its pool alone: no store, no server
    engine.config = SimpleNamespace(sync=SimpleNamespace(parse_workers=1))  # type: ignore[assignment]
    engine._pool = None
    engine._pool_lock = threading.Lock()
    engine._feeders = set()
    pool = engine._get_pool()
    try:
        mine = os.nice(0)
        assert pool.submit(_nice).result(timeout=60) == min(19, mine + WORKER_NICE)
        assert os.nice(0) == mine  # the sync's own process keeps its priority
        raws = list(generate_corpus(30, seed=3))
        oldest = 0
        got = pool.submit(parse_and_assess, raws, frozenset(), oldest, False).result(
            timeout=120)
        assert got == parse_and_assess(raws, frozenset(), oldest, False)
    finally:
        engine._shut_pool()


def test_a_plain_pool_without_the_initializer_keeps_the_priority() -> None:
    """The lowering is the parse pool's initializer's doing, not the start method's."""
    with ProcessPoolExecutor(max_workers=1, mp_context=PoolContext()) as pool:
        assert pool.submit(_nice).result(timeout=60) == os.nice(0)
    with ProcessPoolExecutor(max_workers=1, mp_context=PoolContext(),
                             initializer=mark_worker) as pool:
        assert pool.submit(_nice).result(timeout=60) == min(19, os.nice(0) + WORKER_NICE)
        assert pool.submit(_nice).result(timeout=60) == min(19, os.nice(0) + WORKER_NICE)
