"""Timeline of one `cxinbox sync --once` of a 10k Dovecot mailbox, for one or two source
trees (runs interleaved): when each batch was fetched, when its parse-pool task ran in the
worker, when its result came back, when it was stored; and when the process ended.

    python bench/sync_timeline.py BEFORE_SRC [AFTER_SRC] [N] [ROUNDS] [--bytecode]

Times are milliseconds from the moment the sync process was started. The sync runs under
a small wrapper (written to a temporary directory) that times `ImapSession.fetch_bodies`,
`MailSync._store_batch`, `_Indexer.finish` and every parse-pool task (in the worker, by
wrapping the task's function), so the figures are for the critical path, not for CPU. The
wrapper's own cost is a few clock readings per batch. The start-up is timed too: when the
sync service was built, the IMAP session opened, the folder selected and its UIDs searched
("main, done:").

The summary line per run: `fetched` (the last fetch's end), `tail` (from there to the
process's exit), `last-wait` (how long the last store waited for its pool result), and the
worker's busy time on the last batch; `pool-wait`, how long the stores waited for their
batches' own pool tasks, in all.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync_ab import mailbox_and_trees

from synchelp import write_config

_HELPER = '''
import json, os, time
_OUT = os.environ["TL_DIR"]

def timed(fn, *args, **kwargs):
    started = time.monotonic()
    result = fn(*args, **kwargs)
    with open(os.path.join(_OUT, "worker-%d.jsonl" % os.getpid()), "a") as f:
        f.write(json.dumps({"fn": fn.__name__, "start": started, "end": time.monotonic(),
                            "n": len(args[0]) if args and hasattr(args[0], "__len__")
                            else 0}) + "\\n")
    return result
'''

_WRAPPER = '''
import atexit, json, os, runpy, sys, time
_EV = []
_OUT = os.environ["TL_DIR"]
_EV.append({"kind": "main", "start": time.monotonic()})

@atexit.register
def _dump():
    _EV.append({"kind": "exit", "start": time.monotonic()})
    with open(os.path.join(_OUT, "main.json"), "w") as f:
        json.dump(_EV, f)

import concurrent.futures.process as cfp
import _tl
_submit = cfp.ProcessPoolExecutor.submit
def submit(self, fn, *args, **kwargs):
    t = time.monotonic()
    fut = _submit(self, _tl.timed, fn, *args, **kwargs)
    rec = {"kind": "task", "fn": fn.__name__, "submit": t, "batch": _NOW[0]}
    _EV.append(rec)
    fut.add_done_callback(lambda _f: rec.__setitem__("back", time.monotonic()))
    return fut
cfp.ProcessPoolExecutor.submit = submit

_NOW = [False]
try:
    import cxinbox.service.fetchahead as fa
except ImportError:  # a tree from before the fetch-ahead: every task is a batch's
    _NOW[0] = True
else:
    _now = fa.IdleFeeder.now
    def now(self, *a, **k):
        _NOW[0] = True
        try:
            return _now(self, *a, **k)
        finally:
            _NOW[0] = False
    fa.IdleFeeder.now = now

import cxinbox.channels.imap as imap
_fetch = imap.ImapSession.fetch_bodies
def fetch_bodies(self, uids, *a, **k):
    t = time.monotonic()
    r = _fetch(self, uids, *a, **k)
    _EV.append({"kind": "fetch", "start": t, "end": time.monotonic(), "last": uids[-1]})
    return r
imap.ImapSession.fetch_bodies = fetch_bodies

import cxinbox.service.sync as s
_store = s.MailSync._store_batch
def _store_batch(self, account, folder, state, own, watermark, *rest, **kw):
    t = time.monotonic()
    r = _store(self, account, folder, state, own, watermark, *rest, **kw)
    _EV.append({"kind": "store", "start": t, "end": time.monotonic(), "last": watermark})
    return r
s.MailSync._store_batch = _store_batch

def _phase(owner, name):
    inner = getattr(owner, name)
    def timed(*a, **k):
        r = inner(*a, **k)
        _EV.append({"kind": "phase", "name": name, "start": time.monotonic()})
        return r
    setattr(owner, name, timed)
for _name in ("__init__", "open_session"):
    _phase(s.MailSync, _name)
for _name in ("select", "uids_above"):
    _phase(imap.ImapSession, _name)
_finish = s._Indexer.finish
def finish(self):
    t = time.monotonic()
    r = _finish(self)
    _EV.append({"kind": "index-finish", "start": t, "end": time.monotonic()})
    return r
s._Indexer.finish = finish

sys.argv = ["cxinbox"] + sys.argv[1:]
runpy.run_module("cxinbox", run_name="__main__", alter_sys=True)
'''


def _run(src: str, cfg: Path, cache: Path, out: Path) -> dict[str, object]:
    out.mkdir()
    (out / "_tl.py").write_text(_HELPER)
    env = dict(os.environ, PYTHONPATH=f"{out}:{src}", XDG_CACHE_HOME=str(cache),
               TL_DIR=str(out))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, "sync", "--once", "--quiet",
                           "--config", str(cfg)], env=env, stdout=subprocess.DEVNULL,
                          check=False)
    ended = time.monotonic()
    if proc.returncode != 0:
        raise SystemExit(f"sync with {src} failed")
    events = json.loads((out / "main.json").read_text())
    worker: list[dict[str, float]] = []
    for path in out.glob("worker-*.jsonl"):
        worker += [json.loads(line) for line in path.read_text().splitlines()]
    worker.sort(key=lambda w: w["start"])
    return {"t0": started, "wall": ended, "events": events, "worker": worker}


def _report(name: str, run: dict[str, object]) -> dict[str, float]:
    t0 = float(run["t0"])  # type: ignore[arg-type]

    def ms(t: float) -> float:
        return (t - t0) * 1000

    events: list[dict[str, object]] = run["events"]  # type: ignore[assignment]
    worker: list[dict[str, float]] = run["worker"]  # type: ignore[assignment]
    fetches = [e for e in events if e["kind"] == "fetch"]
    stores = [e for e in events if e["kind"] == "store"]
    tasks = [e for e in events if e["kind"] == "task"]
    main = next(e for e in events if e["kind"] == "main")
    exit_ = next(e for e in events if e["kind"] == "exit")
    finish = [e for e in events if e["kind"] == "index-finish"]
    print(f"--- {name}: python up {ms(main['start']):.0f} ms, wall "
          f"{ms(float(run['wall'])):.0f} ms")  # type: ignore[arg-type]
    # The worker's tasks, in the order it ran them, each with the task as submitted
    # (same order with one worker) and when its result was back in the sync process.
    print("  worker task            n   submit   start-end        back")
    for w, t in zip(worker, tasks, strict=False):
        back = f"{ms(t['back']):7.0f}" if "back" in t else ""  # type: ignore[arg-type]
        print(f"  {w['fn']:18} {w['n']:4} {ms(t['submit']):7.0f}"  # type: ignore[arg-type]
              f"  {ms(w['start']):7.0f}-{ms(w['end']):6.0f}  {back}")
    print("  main, done: " + "  ".join(
        f"{e['name']} {ms(e['start']):.0f}" for e in events if e["kind"] == "phase"))
    print("  main: fetch (last uid)        store (watermark)")
    for e in sorted(fetches + stores, key=lambda e: e["start"]):  # type: ignore[arg-type,return-value]
        print(f"  {e['kind']:6} {e['last']:6} {ms(e['start']):7.0f}-{ms(e['end']):6.0f}")  # type: ignore[arg-type]
    parse = [w for w in worker if w["fn"] in ("parse_batch", "parse_and_assess")]
    batch_tasks = [t for t in tasks if t["fn"] in ("parse_batch", "parse_and_assess")]
    for e in finish:
        print(f"  index finish {ms(e['start']):7.0f} -> {ms(e['end']):7.0f}")  # type: ignore[arg-type]
    last_fetch = ms(float(fetches[-1]["end"]))  # type: ignore[arg-type]
    # How long the stores waited for their batches' own pool tasks, in all (the k-th
    # batch task is the k-th store's: a batch joined with fetched-ahead messages may also
    # wait for theirs, not counted here).
    own = [t for t in tasks if t.get("batch") and "back" in t]
    pool_wait = sum(max(0.0, ms(float(t["back"])) - ms(float(st["start"])))  # type: ignore[arg-type]
                    for t, st in zip(own, stores, strict=False))
    last_store = stores[-1]
    last_task = batch_tasks[-1] if batch_tasks else None
    wait = (max(0.0, ms(float(last_task["back"])) - ms(float(last_store["start"])))  # type: ignore[arg-type]
            if last_task and "back" in last_task else 0.0)
    last_w = parse[-1] if parse else None
    summary = {
        "fetched": last_fetch,
        "tail": ms(float(run["wall"])) - last_fetch,  # type: ignore[arg-type]
        "last-wait": wait,
        "pool-wait": pool_wait,
        "last-worker": (last_w["end"] - last_w["start"]) * 1000 if last_w else 0.0,
        "last-store": (float(last_store["end"]) - float(last_store["start"])) * 1000,  # type: ignore[arg-type]
        "after-store": ms(float(exit_["start"])) - ms(float(last_store["end"])),  # type: ignore[arg-type]
        "wall": ms(float(run["wall"])),  # type: ignore[arg-type]
    }
    print("  " + "  ".join(f"{k} {v:.0f}" for k, v in summary.items()))
    return summary


def main(argv: list[str]) -> None:
    bytecode = "--bytecode" in argv
    argv = [a for a in argv if a != "--bytecode"]
    usage = "usage: sync_timeline.py BEFORE_SRC [AFTER_SRC] [N] [ROUNDS] [--bytecode]"
    if not argv or any(a.startswith("-") for a in argv):
        sys.exit(usage)
    srcs = [a for a in argv if not a.isdigit()]
    nums = [int(a) for a in argv if a.isdigit()]
    if not 1 <= len(srcs) <= 2 or len(nums) > 2:
        sys.exit(usage)
    if not all(Path(p, "cxinbox").is_dir() for p in srcs):
        sys.exit(f"sync_timeline.py: each source tree must hold cxinbox/\n{usage}")
    n = nums[0] if nums else 10_000
    rounds = nums[1] if len(nums) > 1 else 2
    trees = {("before" if i == 0 else "after"): str(Path(p).resolve())
             for i, p in enumerate(srcs)}
    summaries: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    with mailbox_and_trees(trees, n, bytecode) as (server, tmp):
        for r in range(rounds):
            for name, src in trees.items():
                work = Path(tmp) / f"{name}{r}"
                work.mkdir()
                cfg = write_config(work, server, batch_size=500)
                run = _run(src, cfg, Path(tmp) / f"cache-{name}", work / "tl")
                summaries[name].append(_report(f"{name} round {r}", run))
                shutil.rmtree(work)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, rows in summaries.items():
        keys = rows[0].keys()
        print(f"median {name}: " + "  ".join(
            f"{k} {statistics.median(r[k] for r in rows):.0f}" for k in keys))


if __name__ == "__main__":
    main(sys.argv[1:])
