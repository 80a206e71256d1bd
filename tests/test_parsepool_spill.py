"""A parse worker's long results come back through a file in RAM (service/parsepool.py,
`FramedResults`): whole, with the file gone once read, the pool's directory private and
gone after the pool; a directory a killed sync left behind is removed by the next pool."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cxinbox.service import parsepool
from cxinbox.service.parsepool import FramedResults, PoolContext

pytestmark = pytest.mark.skipif(not os.path.isdir(parsepool._SPILL_ROOT),
                                reason="no /dev/shm here")


def _spilled_here(queue: Any) -> list[str]:
    return sorted(os.listdir(queue.spill))


def test_long_results_come_whole_through_a_private_directory_that_goes_with_the_pool(
) -> None:
    pool = ProcessPoolExecutor(max_workers=2, mp_context=PoolContext())
    queue: FramedResults = pool._result_queue  # type: ignore[attr-defined]
    try:
        assert queue.spill is not None
        info = os.lstat(queue.spill)
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == os.geteuid()
        sizes = [10, 3000, 5000, 700_000, 2_000_000] * 3
        futures = [pool.submit(os.urandom, n) for n in sizes]
        got = [f.result(timeout=60) for f in futures]
        assert [len(g) for g in got] == sizes
        echoed = [pool.submit(bytes, g) for g in got[3:5]]
        assert [f.result(timeout=60) for f in echoed] == got[3:5]
        assert _spilled_here(queue) == []  # each file removed as its result was read
    finally:
        pool.shutdown(wait=True)
    queue.forget()
    assert not os.path.exists(queue.spill)


def _spill_fails(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data[:100])
    raise OSError(28, "No space left on device")


class _FullResults(FramedResults):
    """A spill directory whose writes fail (a full /dev/shm)."""

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self._write_spill = _spill_fails  # type: ignore[method-assign]


class _FullContext(PoolContext):
    def SimpleQueue(self) -> FramedResults:  # type: ignore[override]
        return _FullResults(ctx=self)


def test_a_spill_that_cannot_be_written_goes_in_frames() -> None:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=_FullContext())
    queue: FramedResults = pool._result_queue  # type: ignore[attr-defined]
    try:
        data = pool.submit(os.urandom, 300_000).result(timeout=60)
        assert len(data) == 300_000
        assert pool.submit(bytes, data).result(timeout=60) == data
        assert _spilled_here(queue) == []  # the part written was removed
    finally:
        pool.shutdown(wait=True)
        queue.forget()


def test_a_killed_syncs_directory_is_removed_by_the_next_pool(tmp_path: Path) -> None:
    """The directory of a process that is gone (killed before it removed it) is removed
    when a pool is made; a live process's is left alone."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    root = Path(parsepool._SPILL_ROOT)
    left = root / f"{parsepool._SPILL_PREFIX}{dead}-test{os.getpid()}"
    live = root / f"{parsepool._SPILL_PREFIX}{os.getppid()}-test{os.getpid()}"
    for directory in (left, live):
        directory.mkdir(mode=0o700)
        (directory / "1-0").write_bytes(b"a patient's words")
    pool = None
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=PoolContext())
        assert not left.exists()
        assert (live / "1-0").exists()
    finally:
        if pool is not None:
            queue = pool._result_queue  # type: ignore[attr-defined]
            pool.shutdown(wait=True)
            queue.forget()
        for directory in (left, live):
            if directory.exists():
                (directory / "1-0").unlink()
                directory.rmdir()
