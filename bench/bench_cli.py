"""CLI start-up benchmark: what every scripted `cxinbox` call pays, process start included.

    python bench/bench_cli.py [--runs 40] [--conversations 200] [--src DIR] [--no-bytecode]

Each command runs as a fresh process, the way cron and scripts run it; the runs are
interleaved round by round so a burst of load elsewhere on the machine hits every command
alike. Reported per command: wall time median and p95, CPU (user+sys) median, and the
ratio of the median against `python -c pass` (the floor any Python CLI stands on).

  python -c pass          the interpreter alone
  mbsync --version        the C peer's start in the same process tree (a floor for a
                          compiled CLI; it does no work either, so it is a reference,
                          not a like-for-like peer)
  cxinbox --help          the console script, typer's help
  cxinbox --version
  cxinbox list QUERY      through a running `cxinbox serve` on its socket: config, socket
                          hello, the listing (audited by the server), the lines printed
  cxinbox list --json     the same, as JSON
  cxinbox show ID         through the server too, by the full command-line app (typer, the
                          asyncio socket client): what every other command pays

Bytecode is cached (in a scratch PYTHONPYCACHEPREFIX, warmed by a first run), as it is in an
installed package; --no-bytecode compiles every module on every start instead, as with
PYTHONDONTWRITEBYTECODE=1 and a source checkout. --src DIR measures the client of another
tree (e.g. an older commit's `git archive` for a before/after), against this tree's server.

Targets (issue #12): `cxinbox --help` and `cxinbox list QUERY` through the server at most
100 ms median.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

TARGET_S = 0.100


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cxinbox() -> list[str]:
    """The console script beside this interpreter (what people type), else `-m cxinbox`."""
    script = Path(sys.executable).parent / "cxinbox"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cxinbox"]


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user+sys of the child) and the exit code of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace')[-400:]}")
    return wall, cpu, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the cxinbox source tree whose client is measured")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile every module at every start (no .pyc)")
    args = parser.parse_args()

    from tests.test_bulk_cli import fill
    from tests.test_serve_support import ME, Server, env, socket_dir, write_config

    from cxinbox.config import load_config
    from cxinbox.store.db import Database

    cx = _cxinbox()
    with socket_dir() as work:
        run_env = {k: v for k, v in env().items() if k != "PYTHONDONTWRITEBYTECODE"}
        run_env |= {"PYTHONPATH": str(args.src.resolve()), "XDG_CACHE_HOME": str(work / "cache")}
        if args.no_bytecode:
            run_env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            run_env["PYTHONPYCACHEPREFIX"] = str(work / "pyc")
        sock = work / "s.sock"
        cfg = write_config(work, sock, {ME: "admin"})
        db = Database(load_config(cfg).db_path)
        fill(db, args.conversations)
        db.close()
        commands: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
        mbsync = shutil.which("mbsync")
        if mbsync:
            commands["mbsync --version"] = [mbsync, "--version"]
        commands |= {
            "cxinbox --help": [*cx, "--help"],
            "cxinbox --version": [*cx, "--version"],
            "cxinbox list QUERY (server)": [*cx, "list", "status:open", "--config", str(cfg)],
            "cxinbox list --json (server)": [*cx, "list", "status:open", "--json",
                                             "--config", str(cfg)],
            "cxinbox show ID (server)": [*cx, "show", "1", "--config", str(cfg)],
        }
        with Server(cfg, sock) as server:
            for name, argv in list(commands.items()):  # warm the caches and the bytecode
                try:
                    _timed(argv, run_env)
                except RuntimeError as exc:
                    print(f"skipped {name}: {exc}", file=sys.stderr)
                    del commands[name]
            seen = server.connections()
            walls: dict[str, list[float]] = {name: [] for name in commands}
            cpus: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, argv in commands.items():
                    wall, cpu, _code = _timed(argv, run_env)
                    walls[name].append(wall)
                    cpus[name].append(cpu)
            lists = sum("(server)" in name for name in commands) * args.runs
            went_through = server.connections() - seen
        if went_through != lists:
            raise SystemExit(f"only {went_through} of {lists} runs through the server reached it")

    floor = pct(walls["python -c pass"], 0.5)
    print(f"cxinbox CLI start, {args.runs} runs each, interleaved; {os.cpu_count()} cores;"
          f" {args.conversations} conversations behind the server; client from {args.src};"
          f" bytecode {'not cached' if args.no_bytecode else 'cached'};"
          f" load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':<30} {'median ms':>9} {'p95 ms':>7} {'cpu ms':>7} {'x python':>8}")
    for name in commands:
        median = pct(walls[name], 0.5)
        mark = ""
        if name.startswith(("cxinbox --help", "cxinbox list QUERY")):
            mark = "  ok" if median <= TARGET_S else f"  over {TARGET_S * 1000:.0f} ms target"
        print(f"{name:<30} {median * 1000:9.1f} {pct(walls[name], 0.95) * 1000:7.1f}"
              f" {pct(cpus[name], 0.5) * 1000:7.1f} {median / floor:8.1f}{mark}")


if __name__ == "__main__":
    main()
