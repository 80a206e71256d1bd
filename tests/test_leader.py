"""service/leader.py: jobs that run once for the whole desk, and workers a store lacks."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from tests.support.pgcluster import PgCluster
from tests.support.waiting import wait_until

from cxinbox.service.leader import Leader, NotYetHere
from cxinbox.store.pg.store import PgStore

_names = iter(range(1, 1_000_000))


class Together:
    """How many jobs of one name run at once, and the most there ever were."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


class Job:
    """A job that counts its rounds until stopped."""

    def __init__(self, name: str = "sla monitor", together: Together | None = None) -> None:
        self.name = name
        self.rounds = 0
        self.running = threading.Event()
        self.together = together or Together()

    def run(self, stop: threading.Event) -> None:
        self.together.enter()
        self.running.set()
        try:
            while not stop.wait(0.01):
                self.rounds += 1
        finally:
            self.running.clear()
            self.together.leave()


class Unported:
    name = "satisfaction questions"

    def __init__(self) -> None:
        self.calls = 0

    def run(self, stop: threading.Event) -> None:
        self.calls += 1
        raise NotImplementedError("csat_due on PostgreSQL: not yet")


def _wait(cond: Callable[[], object], timeout: float = 20.0) -> None:
    wait_until(cond, "the condition", timeout=timeout, interval=0.01)


def test_a_worker_the_store_lacks_says_so_once_and_idles(
        caplog: pytest.LogCaptureFixture) -> None:
    worker = Unported()
    stop = threading.Event()
    caplog.set_level(logging.WARNING, logger="cxinbox.service.leader")
    thread = threading.Thread(target=NotYetHere(worker).run, args=(stop,))
    thread.start()
    _wait(lambda: caplog.records)
    time.sleep(0.2)  # it must stay idle: no second line, no second try
    assert thread.is_alive() and worker.calls == 1
    stop.set()
    thread.join(60)
    assert not thread.is_alive()
    lines = [r.getMessage() for r in caplog.records]
    said = ("satisfaction questions: not yet available on PostgreSQL (csat_due on"
            " PostgreSQL: not yet); it stays off until this server is upgraded")
    assert lines == [said]


@pytest.fixture
def pg(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"leader_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name)
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_one_leader_runs_the_job_and_another_takes_it_over(pg: str) -> None:
    """Two servers' leaders (two stores, as two processes have) on one database: one
    runs the job; when it stops, the other takes the lease and runs it."""
    stores = [PgStore(pg, max_size=1), PgStore(pg, max_size=1)]
    together = Together()
    jobs = [Job(together=together), Job(together=together)]
    tries = [0, 0]
    for i, store in enumerate(stores):  # count each leader's tries for the lease
        def counted(name: str, i: int = i, take: Callable[[str], object] = store.try_lease
                    ) -> object:
            tries[i] += 1
            return take(name)
        store.try_lease = counted  # type: ignore[method-assign]
    stops = [threading.Event(), threading.Event()]
    leaders = [Leader(job, store, retry_s=0.1) for job, store in zip(jobs, stores, strict=True)]
    threads = [threading.Thread(target=lead.run, args=(stop,))
               for lead, stop in zip(leaders, stops, strict=True)]
    try:
        for thread in threads:
            thread.start()
        _wait(lambda: any(job.running.is_set() for job in jobs))
        first = 0 if jobs[0].running.is_set() else 1
        other = tries[1 - first]
        # The other server keeps trying for the lease (every 0.1 s) while the job runs.
        _wait(lambda: tries[1 - first] >= other + 5)
        assert sum(job.running.is_set() for job in jobs) == 1  # never both
        stops[first].set()  # that server stops: its lease goes with it
        threads[first].join(60)
        assert not jobs[first].running.is_set()
        _wait(lambda: jobs[1 - first].running.is_set())
    finally:
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(60)
        for store in stores:
            store.close()
    assert together.most == 1, "the job ran on both servers at once"
