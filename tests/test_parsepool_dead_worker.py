"""A parse worker killed while it sends a result (the OOM killer, a SIGKILL) must fail its
batch, never hang the sync: CPython's pool reads results from one pipe all workers share,
and half a message left there by a dead worker blocked its manager thread for good
(service/parsepool.py, `FramedResults`). The worker's death is modelled as the kernel
makes it: a write(2) of at most PIPE_BUF bytes lands whole or not at all, a longer one may
be cut anywhere. A long result goes through a spill file when /dev/shm is there, in frames
when not: each test runs both ways, the worker dying while it writes the file in the
first."""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from tests.support.mailgen import generate_corpus
from tests.synchelp import make_sync, server_digests, store_digests, write_config

from cxinbox.service import parsepool, sync
from cxinbox.service.parsepool import FramedResults, PoolContext


@pytest.fixture(params=["spill", "frames"], autouse=True)
def _spill(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test with the pool's long results spilled to /dev/shm, and without (no such
    directory: every result in frames)."""
    if request.param == "frames":
        monkeypatch.setattr(parsepool, "_SPILL_ROOT", "/nonexistent/cxinbox-test")
    elif not os.path.isdir(parsepool._SPILL_ROOT):
        pytest.skip("no /dev/shm here")
    return str(request.param)


def _die_while_spilling(path: str, data: bytes) -> None:
    """In a worker: a spill file's write cut halfway by a SIGKILL."""
    with open(path, "wb") as handle:
        handle.write(data[:len(data) // 2])
    os.kill(os.getpid(), signal.SIGKILL)


def _die_while_sending(conn: Any) -> None:
    """In a worker: its result connection's writes from now on end the process the way a
    SIGKILL mid-send would: a long write cut halfway, a short one after one whole write."""
    real = conn._send
    sent: list[int] = []

    def send(buf: Any, write: Any = os.write) -> None:
        data = bytes(buf)
        if len(data) > select.PIPE_BUF:
            os.write(conn.fileno(), data[:len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        if sent:
            os.kill(os.getpid(), signal.SIGKILL)
        sent.append(len(data))
        real(data)

    conn._send = send


def _result_queue() -> Any:
    frame = sys._getframe(1)
    while frame is not None:
        if "result_queue" in frame.f_locals:
            return frame.f_locals["result_queue"]
        frame = frame.f_back  # type: ignore[assignment]
    raise AssertionError("not in a pool worker")


def big_result_then_die(size: int) -> bytes:
    """Pool task: a result several pipe writes long, whose sending the worker dies in."""
    queue = _result_queue()
    _die_while_sending(queue._writer)
    queue._write_spill = _die_while_spilling
    return os.urandom(size)


def small_result(size: int) -> bytes:
    return b"x" * size


def _fds() -> set[tuple[int, str]]:
    """Each open fd with what it names (a pipe's or socket's inode): an fd some earlier
    test's object closes meanwhile (the garbage collector) drops out, a new one shows."""
    found = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            found.add((int(name), os.readlink(f"/proc/self/fd/{name}")))
        except FileNotFoundError:  # the listing's own fd, or one closed since
            continue
    return found


def _opened_since(start: set[tuple[int, str]]) -> list[tuple[int, str]]:
    """The fds open now that were not open at `start`: what the code under test leaked."""
    return sorted(_fds() - start)


def _warm() -> None:
    """The fork server and the resource tracker: a process's own, open once for good."""
    warm = ProcessPoolExecutor(max_workers=1, mp_context=PoolContext())
    warm.submit(len, "x").result(timeout=60)
    warm.shutdown(wait=True)


@pytest.mark.parametrize("size", [100_000, 3 * select.PIPE_BUF])
def test_a_worker_killed_mid_result_fails_the_future(size: int, _spill: str) -> None:
    """The waiting future fails with BrokenProcessPool (it hung forever with the plain
    forkserver context's queue), the pool shuts down, and every fd it opened is closed."""
    _warm()
    start = _fds()
    pool = ProcessPoolExecutor(max_workers=2, mp_context=PoolContext())
    assert isinstance(pool._result_queue, FramedResults)  # type: ignore[attr-defined]
    assert (pool._result_queue.spill is not None) == (_spill == "spill")  # type: ignore[attr-defined]
    assert pool.submit(small_result, 50_000).result(timeout=60) == b"x" * 50_000
    doomed = pool.submit(big_result_then_die, size)
    with pytest.raises(BrokenProcessPool):
        doomed.result(timeout=60)
    queue = pool._result_queue  # type: ignore[attr-defined]
    pool.shutdown(wait=True)
    queue.forget()
    assert _opened_since(start) == []
    assert queue.spill is None or not os.path.exists(queue.spill)  # the half-written file


def test_long_results_arrive_whole_from_workers_sending_at_once() -> None:
    """Long results from two workers sending side by side are each put back whole."""
    pool = ProcessPoolExecutor(max_workers=2, mp_context=PoolContext())
    try:
        sizes = [1, 5000, 70_000, 250_000] * 6
        futures = [pool.submit(os.urandom, n) for n in sizes]
        got = [f.result(timeout=60) for f in futures]
        assert [len(g) for g in got] == sizes
        echoed = [pool.submit(bytes, g) for g in got[:8]]
        assert [f.result(timeout=60) for f in echoed] == got[:8]
    finally:
        pool.shutdown(wait=True)


class DyingResults(FramedResults):
    """A result queue whose worker dies in its first result longer than one frame (after
    its first whole frame): a worker the OOM killer takes while it sends."""

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        _die_while_sending(self._writer)  # type: ignore[attr-defined]
        self._write_spill = _die_while_spilling  # type: ignore[method-assign]


class DyingContext(PoolContext):
    def SimpleQueue(self) -> FramedResults:  # type: ignore[override]
        return DyingResults(ctx=self)


@pytest.mark.dovecot
def test_the_sync_ends_when_its_workers_die_sending(
        dovecot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    """The real sync, every worker killed while sending its first long result: each batch
    so failed is parsed on the ingest thread, the sync ends (it hung), every message is
    stored once, a second sync finds nothing to add, no fd is closed twice ("Bad file
    descriptor") and the process's fd count is back where it started."""
    dovecot.deliver_many(generate_corpus(400, seed=5), "INBOX")
    monkeypatch.setattr(sync, "_POOL_THRESHOLD", 300)
    monkeypatch.setattr(sync, "PoolContext", DyingContext)
    _warm()
    start = _fds()
    _config, db, engine = make_sync(write_config(tmp_path, dovecot))
    failed: list[BaseException] = []

    def run() -> None:
        try:
            engine.sync_once()
            engine.sync_once()  # resumes: nothing stored twice
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)
        finally:
            engine.close()

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(timeout=240)
    assert not runner.is_alive(), "the sync hung on a worker killed mid-result"
    assert not failed
    try:
        assert store_digests(db) == server_digests(dovecot)
        count, distinct = db.conn.execute(
            "SELECT count(*), count(DISTINCT message_id) FROM messages").fetchone()
        assert count == distinct == 400
    finally:
        db.close()
    assert _opened_since(start) == []
    out, err = capfd.readouterr()
    assert "Bad file descriptor" not in out + err
