"""CPU seconds of the modules `cxinbox sync` imports before it syncs, for two source trees,
interleaved (A, B, A, B ...) so both see the same machine load.

    python bench/bench_sync_imports.py BEFORE_SRC AFTER_SRC [RUNS] [--bytecode]

Each run is a fresh interpreter (bytecode cached) that imports what the sync command does
(cli, cli_app, the sign-in, the sync service, the wiring) and prints its own process CPU time
for that; the figure is the median per tree, and which detector modules got loaded.
--bytecode: each tree is copied and compiled first, as bench_sync_ab.py --bytecode does
(otherwise a PYTHONDONTWRITEBYTECODE environment compiles the sources on every run).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_PROBE = """
import importlib, sys, time
t = time.process_time()
import cxinbox.cli, cxinbox.service.sync
# the typer app (cli.py in older trees), the sign-in and the wiring: an older tree may lack one
for name in ("cxinbox.cli_app", "cxinbox.channels.signin", "cxinbox.wiring"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
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
    bytecode = "--bytecode" in argv
    argv = [a for a in argv if a != "--bytecode"]
    if not bytecode:
        _measure(argv)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_sync_ab import _compiled_copy

    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for i, src in enumerate(argv[:2]):
            (Path(tmp) / str(i)).mkdir()
            copies.append(_compiled_copy(src, Path(tmp) / str(i)))
        _measure(copies + argv[2:])


def _measure(argv: list[str]) -> None:
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
