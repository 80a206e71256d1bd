"""Where two trees' first syncs spend their CPU, function by function: one `cxinbox sync
--once` of a 10k Dovecot mailbox per tree and round (runs interleaved), under cProfile in
the sync process's main thread (the fetch and the SQLite store) and in the parse-pool
worker (each task profiled, the worker's tasks summed), then the two trees' profiles
diffed by function; and each thread's CPU seconds in the sync process (threads of the
same name prefix summed). The profiles count each thread's own CPU time (`time.thread_time`),
not the clock, so a busy machine or a wait for the pool does not show up as work.

    python bench/sync_profile.py BEFORE_SRC AFTER_SRC [N] [ROUNDS] [--bytecode] [--top K]

A function is named by its file's path from the package (`cxinbox/...`, or from
site-packages, or the standard library's file name) so the two trees' functions match.
Printed per process (main, worker): the total profiled seconds of each tree, then the K
functions whose own time (tottime) grew most, and the K whose cumulative time grew most,
with their call counts; medians over the rounds. cProfile slows Python-heavy code more
than SQLite's, so read the deltas as where the extra work is, not as its wall cost; the
statistics files stay in --keep DIR when given. --threads-only: no profiler, only each
thread's CPU ("process": the sync process's whole CPU), for figures without its overhead.
"""

from __future__ import annotations

import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync_ab import mailbox_and_trees

from synchelp import write_config

_HELPER = '''
import cProfile, os, time
_OUT = os.environ["PROF_DIR"]
_PROFILE = cProfile.Profile(time.thread_time)

def profiled(fn, *args, **kwargs):
    if os.environ.get("PROF_OFF"):
        return fn(*args, **kwargs)
    _PROFILE.enable()
    try:
        return fn(*args, **kwargs)
    finally:
        _PROFILE.disable()
        _PROFILE.dump_stats(os.path.join(_OUT, "worker-%d.prof" % os.getpid()))
'''

_WRAPPER = '''
import cProfile, os, runpy, sys, time
import concurrent.futures.process as cfp
import _prof
_submit = cfp.ProcessPoolExecutor.submit
def submit(self, fn, *args, **kwargs):
    return _submit(self, _prof.profiled, fn, *args, **kwargs)
cfp.ProcessPoolExecutor.submit = submit
import json, threading
_THREADS = []
_run = threading.Thread.run
def _counted(self):
    try:
        _run(self)
    finally:
        _THREADS.append((self.name.split("-")[0], time.thread_time()))
threading.Thread.run = _counted
sys.argv = ["cxinbox"] + sys.argv[1:]
_main = cProfile.Profile(time.thread_time)
_ON = not os.environ.get("PROF_OFF")
if _ON:
    _main.enable()
try:
    runpy.run_module("cxinbox", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    if exc.code not in (None, 0):
        raise
finally:
    _main.disable()
    if _ON:
        _main.dump_stats(os.path.join(os.environ["PROF_DIR"], "main.prof"))
    _THREADS.append(("main", time.thread_time()))
    _THREADS.append(("process", time.process_time()))
    with open(os.path.join(os.environ["PROF_DIR"], "threads.json"), "w") as f:
        json.dump(_THREADS, f)
'''

_PACKAGE = re.compile(r"(?:.*/site-packages/|.*/src/)(.*)$")


def _name(key: tuple[str, int, str]) -> str:
    path, _line, func = key
    found = _PACKAGE.match(path)
    where = found.group(1) if found else os.path.basename(path)
    return f"{where}:{func}"


def _table(paths: list[Path]) -> dict[str, tuple[float, float, int]]:
    """function -> (tottime, cumtime, calls), summed over the profiles `paths`."""
    out: dict[str, tuple[float, float, int]] = {}
    for path in paths:
        stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
        for key, (_cc, nc, tt, ct, _callers) in stats.items():
            name = _name(key)
            old = out.get(name, (0.0, 0.0, 0))
            out[name] = (old[0] + tt, old[1] + ct, old[2] + nc)
    return out


def _run(src: str, cfg: Path, cache: Path, out: Path, profile: bool) -> None:
    out.mkdir()
    (out / "_prof.py").write_text(_HELPER)
    env = dict(os.environ, PYTHONPATH=f"{out}:{src}", XDG_CACHE_HOME=str(cache),
               PROF_DIR=str(out), PROF_OFF="" if profile else "1")
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, "sync", "--once", "--quiet",
                           "--config", str(cfg)], env=env, stdout=subprocess.DEVNULL,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"sync with {src} failed")


def _median_tables(tables: list[dict[str, tuple[float, float, int]]]
                   ) -> dict[str, tuple[float, float, int]]:
    names = set().union(*tables)
    return {n: (statistics.median(t.get(n, (0.0, 0.0, 0))[0] for t in tables),
                statistics.median(t.get(n, (0.0, 0.0, 0))[1] for t in tables),
                int(statistics.median(t.get(n, (0.0, 0.0, 0))[2] for t in tables)))
            for n in names}


def _diff(label: str, before: dict[str, tuple[float, float, int]],
          after: dict[str, tuple[float, float, int]], top: int) -> None:
    total_b = sum(v[0] for v in before.values())
    total_a = sum(v[0] for v in after.values())
    print(f"=== {label}: profiled own time before {total_b:.2f}s after {total_a:.2f}s"
          f" (+{total_a - total_b:.2f}s)")
    names = set(before) | set(after)
    zero = (0.0, 0.0, 0)
    for col, title in ((0, "own time (tottime)"), (1, "cumulative time")):
        rows = sorted(names, key=lambda n: after.get(n, zero)[col] - before.get(n, zero)[col],
                      reverse=True)[:top]
        print(f"--- {label}: grew most by {title}")
        print(f"  {'delta':>7} {'before':>7} {'after':>7} {'calls b':>8} {'calls a':>8}  function")
        for n in rows:
            b, a = before.get(n, zero), after.get(n, zero)
            print(f"  {a[col] - b[col]:7.3f} {b[col]:7.3f} {a[col]:7.3f} {b[2]:8d} {a[2]:8d}  {n}")


def main(argv: list[str]) -> None:
    bytecode = "--bytecode" in argv
    profile = "--threads-only" not in argv
    argv = [a for a in argv if a not in ("--bytecode", "--threads-only")]
    top, keep = 30, None
    usage = ("usage: sync_profile.py BEFORE_SRC AFTER_SRC [N] [ROUNDS] [--bytecode]"
             " [--top K] [--keep DIR] [--threads-only]")
    for flag in ("--top", "--keep"):
        if flag in argv:
            i = argv.index(flag)
            if i + 1 >= len(argv):
                sys.exit(usage)
            value = argv[i + 1]
            del argv[i:i + 2]
            if flag == "--top":
                if not value.isdigit():
                    sys.exit(usage)
                top = int(value)
            else:
                keep = Path(value)
    if len(argv) < 2 or len(argv) > 4 or any(a.startswith("-") for a in argv):
        sys.exit(usage)
    if not all(Path(p, "cxinbox").is_dir() for p in argv[:2]):
        sys.exit(f"sync_profile.py: each source tree must hold cxinbox/\n{usage}")
    if not all(a.isdigit() for a in argv[2:]):
        sys.exit(usage)
    n = int(argv[2]) if len(argv) > 2 else 10_000
    rounds = int(argv[3]) if len(argv) > 3 else 1
    trees = {"before": str(Path(argv[0]).resolve()), "after": str(Path(argv[1]).resolve())}
    tables: dict[str, dict[str, list[dict[str, tuple[float, float, int]]]]] = {
        k: {"main": [], "worker": []} for k in trees}
    cpu: dict[str, dict[str, list[float]]] = {k: {} for k in trees}
    with mailbox_and_trees(trees, n, bytecode) as (server, tmp):
        for r in range(rounds):
            for name, src in trees.items():
                work = Path(tmp) / f"{name}{r}"
                work.mkdir()
                cfg = write_config(work, server, batch_size=500)
                out = work / "prof"
                _run(src, cfg, Path(tmp) / f"cache-{name}", out, profile)
                if profile:
                    tables[name]["main"].append(_table([out / "main.prof"]))
                    tables[name]["worker"].append(_table(sorted(out.glob("worker-*.prof"))))
                threads: dict[str, float] = {}
                for thread, seconds in json.loads((out / "threads.json").read_text()):
                    threads[thread] = threads.get(thread, 0.0) + seconds
                for thread, seconds in threads.items():
                    cpu[name].setdefault(thread, []).append(seconds)
                print(f"{name} round {r}: thread CPU{' (main profiled)' if profile else ''} "
                      + ", ".join(f"{t} {s:.2f}s" for t, s in sorted(threads.items())),
                      flush=True)
                if keep is not None:
                    shutil.copytree(out, keep / f"{name}{r}", dirs_exist_ok=True)
                shutil.rmtree(work)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, by_thread in cpu.items():
        print(f"median thread CPU {name}: " + ", ".join(
            f"{t} {statistics.median(v):.3f}s" for t, v in sorted(by_thread.items())))
    if not profile:
        return
    for proc in ("main", "worker"):
        _diff(proc, _median_tables(tables["before"][proc]),
              _median_tables(tables["after"][proc]), top)


if __name__ == "__main__":
    main(sys.argv[1:])
