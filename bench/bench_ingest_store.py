"""The SQLite store's share of a first sync, in-process: 10k parsed messages stored in
batches of 500 as the bulk sync stores them (bulk writes, text indexed afterwards, the
intake's red-flag pass with nothing assessed beforehand left out), for two source trees of
today's store API, A/B interleaved in fresh processes.

    python bench/bench_ingest_store.py BEFORE_SRC AFTER_SRC [N] [ROUNDS]

The corpus is generated and parsed once (parsing is not timed); each run prints the CPU
seconds of storing it. The last run of each tree also dumps the conversations, messages,
threads and the report tables' rows it made, and the bench says whether the two dumps are
the same (a store change that must not change what is stored). SQLite's virtual-machine
steps (counted by a progress handler, in thousands) are the SQL's share without the noise
of a busy machine.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r'''
import hashlib, pickle, sqlite3, sys, time
from cxinbox.store.db import Database
from cxinbox.store.records import FetchedMessage

corpus, db_path, batch, now, dump = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
with open(corpus, "rb") as f:
    items = pickle.load(f)
messages = [FetchedMessage(uid=i + 1, flags="", modseq=None, internal_date=at, raw=raw,
                           sha256=hashlib.sha256(raw).digest(), parsed=parsed)
            for i, (raw, parsed, at) in enumerate(items)]
own = frozenset({"appointments@riverside-clinic.example"})
from pathlib import Path
db = Database(Path(db_path))
db.relax_durability_for_this_thread()
with db.writing() as tx:
    state = tx.folder_state("appointments", "INBOX")
steps = [0]

def _count() -> int:
    steps[0] += 1
    return 0

db.conn.set_progress_handler(_count, 1000)
started = time.process_time()
with db.bulk_writes():
    for k in range(0, len(messages), batch):
        chunk = messages[k:k + batch]
        with db.writing() as tx:
            tx.hold_intake()
            tx.ingest_batch(state, chunk, own_addresses=own, watermark=chunk[-1].uid,
                            now=now, index_text=False)
print(f"{time.process_time() - started:.3f} {steps[0]}")
db.conn.set_progress_handler(None, 0)
if dump != "-":
    conn = sqlite3.connect(db_path)
    with open(dump, "w") as out:
        for table in ("conversations", "messages", "thread_ids", "contacts"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                out.write(f"{table} {row!r}\n")
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                    " AND name LIKE 'report%' ORDER BY name"):
            for row in conn.execute(f"SELECT * FROM {name} ORDER BY 1"):
                out.write(f"{name} {row!r}\n")
db.close()
'''


def main(argv: list[str]) -> None:
    usage = "usage: bench_ingest_store.py BEFORE_SRC AFTER_SRC [N] [ROUNDS]"
    if len(argv) < 2 or len(argv) > 4 or any(a.startswith("-") for a in argv):
        sys.exit(usage)
    trees = {"before": str(Path(argv[0]).resolve()), "after": str(Path(argv[1]).resolve())}
    if not all(Path(p, "cxinbox").is_dir() for p in trees.values()):
        sys.exit(f"bench_ingest_store.py: each tree must hold cxinbox/\n{usage}")
    try:
        n = int(argv[2]) if len(argv) > 2 else 10_000
        rounds = int(argv[3]) if len(argv) > 3 else 5
    except ValueError:
        sys.exit(usage)
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, trees["after"])
    from cxinbox.domain.mime import parse_message
    from support.mailgen import generate_corpus

    now = 1_767_000_000
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.pickle"
        items = []
        for raw in generate_corpus(n, seed=42):
            parsed = parse_message(raw)
            at = int(parsed.date.timestamp()) if parsed.date else now
            items.append((raw, parsed, at))
        corpus.write_bytes(pickle.dumps(items))
        cpu: dict[str, list[float]] = {k: [] for k in trees}
        dumps: dict[str, str] = {}
        for r in range(rounds):
            for name, src in trees.items():
                db = Path(tmp) / f"{name}{r}.db"
                dump = Path(tmp) / f"{name}.dump" if r == rounds - 1 else None
                done = subprocess.run(
                    [sys.executable, "-c", _CHILD, str(corpus), str(db), "500", str(now),
                     str(dump) if dump else "-"],
                    env=dict(os.environ, PYTHONPATH=src), capture_output=True, text=True,
                    check=False)
                if done.returncode != 0:
                    sys.exit(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
                seconds, steps = done.stdout.split()
                cpu[name].append(float(seconds))
                print(f"{name:6} run {r}: store cpu {cpu[name][-1]:.3f}s, SQLite"
                      f" {int(steps) / 1000:.1f}M VM steps", flush=True)
                if dump:
                    dumps[name] = hashlib.sha256(dump.read_bytes()).hexdigest()
                for leftover in Path(tmp).glob(f"{name}{r}.db*"):
                    leftover.unlink()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    b, a = statistics.median(cpu["before"]), statistics.median(cpu["after"])
    print(f"median store cpu: before {b:.3f}s after {a:.3f}s ratio {a / b:.3f}")
    print("stored rows: " + ("the same" if dumps["before"] == dumps["after"] else "DIFFER"))


if __name__ == "__main__":
    main(sys.argv[1:])
