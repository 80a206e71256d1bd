"""Ingest cost of a change: `cxinbox sync --once` of one 10k Dovecot mailbox with two source
trees, runs interleaved so both see the same machine load.

    python bench/bench_sync_ab.py BEFORE_SRC AFTER_SRC [N] [ROUNDS] [--bytecode]
    python bench/bench_sync_ab.py /work/main/src src 10000 5

--bytecode: each tree is copied to a temporary directory and compiled there (compileall)
first, so the sync imports cached bytecode as an installed package does (pip compiles it
at install). Without it, a PYTHONDONTWRITEBYTECODE environment makes every run compile
the package's sources again (about 0.3 s of CPU per run for today's tree).

Each tree has a cache directory of its own ($XDG_CACHE_HOME), kept from one round to the
next as an installed client's is: the first round of a tree that keeps its detectors'
compiled patterns there (service/pattern_cache.py) runs without them.

Prints wall and CPU seconds of the sync process per run (the parse-pool workers are
children of the forkserver, so their CPU is not in that figure), the CPU of the whole
process tree ("tree": the sync process, its forkserver and the parse-pool workers; this
bench makes itself the subreaper that collects them), how many messages the red-flag and
intent detectors assessed, and the median ratios after/before.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.dovecot import DovecotServer
from support.mailgen import generate_corpus
from synchelp import write_config


def _assessed(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT count(*) FROM messages WHERE intent IS NOT NULL"
                                ).fetchone()[0])
    except sqlite3.OperationalError:  # a tree without the triage fields
        return "-"
    finally:
        conn.close()


_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    """Orphans of the sync process (its forkserver, and through it the pool's workers)
    become this process's children when it exits, so their CPU can be collected."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _children() -> set[int]:
    me = os.getpid()
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        if int(stat[stat.rindex(b")") + 2:].split()[1]) == me:
            found.add(int(entry))
    return found


def _own_cpu(pid: int) -> tuple[str, float]:
    """A child's role (forkserver, resource tracker, other) and its own CPU seconds, not
    counting children it waited for, read from /proc while it is still there (a zombie
    keeps its figures until it is waited for)."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return "other", 0.0
    role = ("forkserver" if b"forkserver" in cmdline
            else "tracker" if b"resource_tracker" in cmdline else "other")
    return role, (int(fields[11]) + int(fields[12])) / tick


def _reap_orphans(keep: set[int], roles: dict[str, float] | None = None) -> float:
    """Wait for every child of ours not in `keep` (orphans the sync left: they exit once
    its pipes close) and return their CPU seconds, their own waited children included.
    `roles`, when given, gets each orphan's own CPU by role and, as "worker", what the
    forkserver's waited children (the parse workers) spent."""
    total = 0.0
    while True:
        orphans = _children() - keep
        if not orphans:
            return total
        for pid in orphans:
            try:  # exited but not yet waited for: its own figures are still readable
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:
                continue
            role, own = _own_cpu(pid)
            try:
                _pid, _status, usage = os.wait4(pid, 0)
            except ChildProcessError:
                continue
            spent = usage.ru_utime + usage.ru_stime
            total += spent
            if roles is not None:
                roles[role] = roles.get(role, 0.0) + own
                roles["worker"] = roles.get("worker", 0.0) + max(0.0, spent - own)


def _compiled_copy(src: str, into: Path) -> str:
    """A copy of the source tree `src` with its bytecode compiled (see --bytecode)."""
    copy = into / "src"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return str(copy)


@contextmanager
def mailbox_and_trees(trees: dict[str, str], n: int,
                      bytecode: bool) -> Iterator[tuple[DovecotServer, Path]]:
    """A Dovecot holding the `n`-message corpus (seed 42) and a scratch directory; with
    `bytecode`, each of `trees` (name -> source tree, replaced in place) is a compiled copy
    in it, so neither side pays for compiling. Shared by the A/B and timeline benches."""
    with DovecotServer() as server, tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        if bytecode:
            for name in list(trees):
                (tmp / f"tree-{name}").mkdir()
                trees[name] = _compiled_copy(trees[name], tmp / f"tree-{name}")
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        client = server.imap_client()
        client.select_folder("INBOX", readonly=True)
        client.logout()
        yield server, tmp


def main(argv: list[str]) -> None:
    bytecode = "--bytecode" in argv
    argv = [a for a in argv if a != "--bytecode"]
    usage = "usage: bench_sync_ab.py BEFORE_SRC AFTER_SRC [N] [ROUNDS] [--bytecode]"
    if len(argv) < 2 or len(argv) > 4 or any(a.startswith("-") for a in argv):
        sys.exit(usage)
    before, after = (str(Path(p).resolve()) for p in argv[:2])
    if not all(Path(p, "cxinbox").is_dir() for p in (before, after)):
        sys.exit(f"bench_sync_ab.py: BEFORE_SRC and AFTER_SRC must each hold cxinbox/\n{usage}")
    try:
        n = int(argv[2]) if len(argv) > 2 else 10_000
        rounds = int(argv[3]) if len(argv) > 3 else 5
    except ValueError:
        sys.exit(usage)
    trees = {"before": before, "after": after}
    wall: dict[str, list[float]] = {k: [] for k in trees}
    cpu: dict[str, list[float]] = {k: [] for k in trees}
    tree: dict[str, list[float]] = {k: [] for k in trees}
    parts: dict[str, dict[str, list[float]]] = {k: {} for k in trees}
    subreaper = _become_subreaper()
    with mailbox_and_trees(trees, n, bytecode) as (server, tmp):
        for r in range(rounds):
            for name, src in trees.items():
                work = Path(tmp) / f"{name}{r}"
                work.mkdir()
                cfg = write_config(work, server, batch_size=500)
                keep = _children()
                started = time.perf_counter()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config",
                     str(cfg)], env=dict(os.environ, PYTHONPATH=src,
                                         XDG_CACHE_HOME=str(Path(tmp) / f"cache-{name}")),
                    stdout=subprocess.DEVNULL)
                _pid, status, usage = os.wait4(proc.pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise SystemExit(f"sync with {src} failed")
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(usage.ru_utime + usage.ru_stime)
                roles: dict[str, float] = {}
                orphans = _reap_orphans(keep, roles) if subreaper else 0.0
                tree[name].append(cpu[name][-1] + orphans)
                for role, seconds in roles.items():
                    parts[name].setdefault(role, []).append(seconds)
                print(f"{name:6} run {r}: wall {wall[name][-1]:.2f}s cpu {cpu[name][-1]:.2f}s"
                      f" tree {tree[name][-1]:.2f}s ("
                      + " ".join(f"{k} {v:.2f}" for k, v in sorted(roles.items())) + ")"
                      f" assessed {_assessed(work / 'data' / 'cxinbox.db')}", flush=True)
                shutil.rmtree(work)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, values in (("wall", wall), ("cpu", cpu), ("tree", tree)):
        b, a = statistics.median(values["before"]), statistics.median(values["after"])
        print(f"median {label}: before {b:.2f}s after {a:.2f}s ratio {a / b:.3f}")
    for role in sorted(set(parts["before"]) | set(parts["after"])):
        b, a = (statistics.median(parts[k].get(role) or [0.0]) for k in trees)
        print(f"median {role} CPU: before {b:.2f}s after {a:.2f}s (+{a - b:.2f}s)")


if __name__ == "__main__":
    main(sys.argv[1:])
