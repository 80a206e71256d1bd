"""What a bulk sync's process spends taking its parse pool's results back: a pool of one
worker (the sync's, service/parsepool.py) parses 20 batches of 500 of the bench corpus's
messages (a 10k first sync's), and this process's CPU from the first hand-over to the last
result is measured, with the long results spilled through /dev/shm and in PIPE_BUF frames
(no spill directory), rounds interleaved.

    python bench/pool_results_cpu.py [ROUNDS]

The worker's parsing is the same either way; what differs is this process's share: the
pool's manager thread woken, reading and unpickling ~190 frames a batch, or one frame and
one file. Prints each run's CPU and wall, and the medians.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cxinbox.service import parsepool
from support.mailgen import generate_corpus


def _run(raws: list[bytes], spill: bool) -> tuple[float, float, bool]:
    root = parsepool._SPILL_ROOT
    if not spill:
        parsepool._SPILL_ROOT = "/nonexistent/cxinbox-bench"
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=parsepool.PoolContext(),
                                   initializer=parsepool.mark_worker)
    finally:
        parsepool._SPILL_ROOT = root
    queue = pool._result_queue  # type: ignore[attr-defined]
    try:
        pool.submit(parsepool.parse_batch, [b"warm"]).result()
        batches = [raws[i:i + 500] for i in range(0, len(raws), 500)]
        cpu, wall = time.process_time(), time.perf_counter()
        futures = [pool.submit(parsepool.parse_batch, b) for b in batches]
        for future in futures:
            future.result()
        return time.process_time() - cpu, time.perf_counter() - wall, queue.spill is not None
    finally:
        pool.shutdown(wait=True)
        queue.forget()


def main(argv: list[str]) -> None:
    if len(argv) > 1 or (argv and not argv[0].isdigit()):
        sys.exit("usage: pool_results_cpu.py [ROUNDS]")
    rounds = int(argv[0]) if argv else 5
    raws = list(generate_corpus(10_000, seed=42))
    cpu: dict[str, list[float]] = {"frames": [], "spill": []}
    for r in range(rounds):
        for name in ("frames", "spill"):
            spent, wall, spilled = _run(raws, name == "spill")
            if (name == "spill") != spilled:
                sys.exit("pool_results_cpu.py: no usable /dev/shm here: nothing to compare")
            cpu[name].append(spent)
            print(f"{name:6} run {r}: this process's CPU {spent:.3f}s wall {wall:.2f}s",
                  flush=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    before, after = statistics.median(cpu["frames"]), statistics.median(cpu["spill"])
    print(f"median CPU: frames {before:.3f}s spill {after:.3f}s ({after - before:+.3f}s);"
          f" load average {load}")


if __name__ == "__main__":
    main(sys.argv[1:])
