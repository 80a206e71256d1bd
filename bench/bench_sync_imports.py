"""CPU seconds of the modules `cxinbox sync` imports before it syncs, for two source trees,
interleaved (A, B, A, B ...) so both see the same machine load.

    python bench/bench_sync_imports.py BEFORE_SRC AFTER_SRC [RUNS]

Each run is a fresh interpreter (bytecode cached) that imports what the sync command does
(cli_app, the sign-in, the sync service, the wiring) and prints its own process CPU time
for that; the figure is the median per tree, and which detector modules got loaded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

_PROBE = """
import sys, time
t = time.process_time()
import cxinbox.cli_app, cxinbox.channels.signin, cxinbox.service.sync, cxinbox.wiring
from cxinbox.wiring import reap_parse_workers, rules_engine
spent = time.process_time() - t
detectors = sum(m in sys.modules for m in ("cxinbox.domain.triage", "cxinbox.domain.redflag",
                                           "cxinbox.domain.hitjudge", "cxinbox.domain.intent"))
print(f"{spent:.4f} {len(sys.modules)} {detectors}")
"""


def _run(src: str) -> tuple[float, int, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE], env=dict(os.environ, PYTHONPATH=src),
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: bench_sync_imports.py BEFORE_SRC AFTER_SRC [RUNS]")
    trees = {"before": argv[0], "after": argv[1]}
    runs = int(argv[2]) if len(argv) > 2 else 15
    for src in trees.values():
        _run(src)  # bytecode compiled and cached before the timed runs
    cpu: dict[str, list[float]] = {k: [] for k in trees}
    shape: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        for name, src in trees.items():
            spent, modules, detectors = _run(src)
            cpu[name].append(spent)
            shape[name] = (modules, detectors)
    for name in trees:
        print(f"{name:6} median import CPU {statistics.median(cpu[name]) * 1000:.1f} ms"
              f" (min {min(cpu[name]) * 1000:.1f}) modules {shape[name][0]}"
              f" detector modules {shape[name][1]}")
    b, a = statistics.median(cpu["before"]), statistics.median(cpu["after"])
    print(f"ratio after/before {a / b:.3f}; load average"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
