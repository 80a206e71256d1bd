"""What a backup and a restore cost on a clinic-sized inbox, against the plain tools.

    python bench/bench_backup.py [--db bench/out/tui-100000.db] [--rounds 3]

  ours    `make_backup`: online snapshot (backup API in steps), integrity_check + chain +
          counts on the copy, gzip level 3, age encryption, re-read and shape check, audit;
          then `restore_backup`: decrypt, gunzip, integrity_check + chain + counts, rename;
          and a writer committing staff-like transactions (one event, synchronous=FULL)
          during one more backup: its latency against the same writer alone
  peer    the same database with `sqlite3 DB ".backup COPY"` and then `zstd -3` or
          `gzip -3` on the copy, as child processes of this one (no checks, no encryption)
  levels  what gzip levels 1, 3 and 6 make of the same snapshot, in this process

The database is copied into a temporary directory first, so the bench file is never
changed. MB/s is the database's size over wall time; each figure is the best of
`--rounds` (a shared machine's noise only ever adds time).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import pyrage

from cxinbox.config import load_config
from cxinbox.service.backup import make_backup
from cxinbox.service.restore import restore_backup
from cxinbox.store.backup import check_copy, snapshot_into
from cxinbox.store.db import Database, append_event

DEFAULT_DB = Path("/work/main/bench/out/tui-100000.db")


def timed(fn: object, *args: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - started, result


def run_ours(work: Path, source: Path) -> dict[str, float]:
    identity = pyrage.x25519.Identity.generate()
    key = work / "key.txt"
    key.write_text(f"{identity}\n")
    data = work / "data"
    data.mkdir(mode=0o700)
    shutil.copyfile(source, data / "cxinbox.db")
    config_path = work / "config.toml"
    config_path.write_text(f'[store]\npath = "{data / "cxinbox.db"}"\n\n[backup]\n'
                           f'dir = "{work / "backups"}"\nrecipients = ["{identity.to_public()}"]\n')
    config = load_config(config_path)
    db = Database(config.db_path)
    db.conn.execute("SELECT count(*) FROM conversations").fetchone()
    try:
        quiet = write_latencies(db, 3.0)
        busy: list[float] = []
        stop = threading.Event()
        writer = threading.Thread(target=write_until, args=(db, stop, busy))
        writer.start()
        try:
            make_backup(db, config, actor="bench", directory=work / "under-load")
        finally:
            stop.set()
            writer.join()
        snap_s, snap = timed(lambda: snapshot_into(db, work / "phase.db"))
        check_s, _ = timed(lambda: check_copy(work / "phase.db", snap.facts))
        (work / "phase.db").unlink()
        backup_s, report = timed(lambda: make_backup(db, config, actor="bench"))
    finally:
        db.close()
    restore_s, restored = timed(lambda: restore_backup(Path(report.path), key,
                                                       work / "drill" / "cxinbox.db",
                                                       actor="bench"))
    return {"write_p95_ms_quiet": pct(quiet, 0.95) * 1e3,
            "write_p95_ms_backup": pct(busy, 0.95) * 1e3,
            "write_max_ms_backup": max(busy) * 1e3, "writes_during_backup": len(busy),
            "backup_s": backup_s, "restore_s": restore_s, "snapshot_s": snap_s,
            "check_s": check_s, "snapshot_steps": snap.steps, "backup_bytes": report.size,
            "conversations": report.conversations, "messages": report.messages,
            "events": report.events, "restored_conversations": restored.facts.conversations}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_until(db: Database, stop: threading.Event, out: list[float]) -> None:
    """Staff-like writes: one event per transaction, synchronous=FULL, as fast as they go."""
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        with db.write() as conn:
            append_event(conn, "bench", "bench.write", str(n))
        out.append(time.perf_counter() - started)
        n += 1


def write_latencies(db: Database, seconds: float) -> list[float]:
    out: list[float] = []
    stop = threading.Event()
    writer = threading.Thread(target=write_until, args=(db, stop, out))
    writer.start()
    time.sleep(seconds)
    stop.set()
    writer.join()
    return out


def run_peer(work: Path, source: Path, compressor: str) -> dict[str, float] | None:
    if shutil.which("sqlite3") is None or shutil.which(compressor) is None:
        return None
    copy = work / f"peer-{compressor}.db"
    started = time.perf_counter()
    subprocess.run(["sqlite3", str(source), f".backup '{copy}'"], check=True)
    snap_s = time.perf_counter() - started
    subprocess.run([compressor, "-3", "-q", "-f", str(copy)], check=True)
    total_s = time.perf_counter() - started
    packed = copy.with_name(copy.name + (".zst" if compressor == "zstd" else ".gz"))
    size = packed.stat().st_size
    started = time.perf_counter()
    subprocess.run([compressor, "-d", "-q", "-f", str(packed)], check=True)
    back_s = time.perf_counter() - started
    copy.unlink()
    return {"snapshot_s": snap_s, "backup_s": total_s, "restore_s": back_s,
            "backup_bytes": size}


def gzip_levels(source: Path) -> dict[int, tuple[float, int]]:
    out: dict[int, tuple[float, int]] = {}
    for level in (1, 3, 6):
        packer = zlib.compressobj(level, zlib.DEFLATED, 31)
        size = 0
        started = time.perf_counter()
        with open(source, "rb") as stream:
            while chunk := stream.read(1 << 20):
                size += len(packer.compress(chunk))
        size += len(packer.flush())
        out[level] = (time.perf_counter() - started, size)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "backup.json")
    args = parser.parse_args()
    size = args.db.stat().st_size
    mb = size / 1e6
    results: dict[str, object] = {"db": str(args.db), "db_bytes": size}
    with tempfile.TemporaryDirectory(prefix="cxbench-backup-") as tmp:
        work = Path(tmp)
        rounds = []
        for n in range(args.rounds):
            round_dir = work / f"r{n}"
            round_dir.mkdir()
            rounds.append(run_ours(round_dir, args.db))
            shutil.rmtree(round_dir)
        best = {key: min(r[key] for r in rounds) for key in rounds[0]}  # times: the best
        results["ours"] = best
        print(f"database {mb:.0f} MB, {best['conversations']:.0f} conversations,"
              f" {best['messages']:.0f} messages")
        print(f"cxinbox backup   {best['backup_s']:6.1f} s  {mb / best['backup_s']:6.1f} MB/s"
              f"  -> {best['backup_bytes'] / 1e6:6.1f} MB (snapshot, checks, gzip -3, age)")
        print(f"  of which: online snapshot {best['snapshot_s']:.1f} s in"
              f" {best['snapshot_steps']:.0f} steps, checks of the copy {best['check_s']:.1f} s")
        print(f"  a writer meanwhile: {best['writes_during_backup']:.0f} commits, p95"
              f" {best['write_p95_ms_backup']:.1f} ms, max {best['write_max_ms_backup']:.0f} ms"
              f" (alone: p95 {best['write_p95_ms_quiet']:.1f} ms)")
        print(f"cxinbox restore  {best['restore_s']:6.1f} s  {mb / best['restore_s']:6.1f} MB/s"
              "  (decrypt, gunzip, checks)")
        for compressor in ("zstd", "gzip"):
            runs = [run_peer(work, args.db, compressor) for _ in range(args.rounds)]
            peer = min((r for r in runs if r is not None), key=lambda r: r["backup_s"],
                       default=None)
            results[f"peer_{compressor}"] = peer
            if peer is None:
                print(f"peer sqlite3 .backup + {compressor}: not installed")
                continue
            print(f"sqlite3 .backup + {compressor} -3  {peer['backup_s']:6.1f} s"
                  f"  {mb / peer['backup_s']:6.1f} MB/s -> {peer['backup_bytes'] / 1e6:6.1f} MB"
                  f" (snapshot alone {peer['snapshot_s']:.1f} s);"
                  f" {compressor} -d {peer['restore_s']:.1f} s")
        levels = gzip_levels(args.db)
        results["gzip_levels"] = {str(k): {"s": v[0], "bytes": v[1]} for k, v in levels.items()}
        print("zlib levels (in-process, compress only): " + ", ".join(
            f"{level}: {s:.1f} s {b / 1e6:.1f} MB" for level, (s, b) in levels.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
