"""Whether two source trees' first syncs store the same thing: `cxinbox sync --once` of
one N-message Dovecot mailbox with each tree, then every table of the two SQLite caches
compared row by row.

    python bench/sync_same_store.py BEFORE_SRC AFTER_SRC [N] [--pool-threshold K]

Each sync runs with the bench's config (batches of 500; the parse pool from 300 new
messages on). What the sync's clock writes is masked before the comparison: an integer
(seconds or milliseconds, or such a run of digits inside a text, such as an event's JSON)
from the second of the sync's start to the second of its end reads as NOW (the mailbox is
selected over a second before: its UIDVALIDITY, a time too, is not masked), and a 64-digit
hexadecimal text (the audit chain's hashes, which hold those times) as HASH. Prints each
table's row count and, for a table whose rows differ, the first few differences; exits 1
when any table differs, 0 when all are the same. --pool-threshold K: the sync parses in
its pool from K new messages on (tests use it to reach the pool with a small mailbox).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.dovecot import DovecotServer
from support.mailgen import generate_corpus
from synchelp import write_config

_HASH = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"(?<![0-9])[0-9]{10}(?:[0-9]{3})?(?![0-9])")


def _masked(value: Any, low: int, high: int) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and (
            low <= value <= high or low * 1000 <= value <= high * 1000 + 999):
        return "NOW"
    if isinstance(value, str):
        if _HASH.fullmatch(value):
            return "HASH"
        return _DIGITS.sub(lambda m: "NOW" if _masked(int(m.group()), low, high) == "NOW"
                           else m.group(), value)
    if isinstance(value, bytes) and len(value) == 32:
        return "DIGEST"  # a hash kept as bytes
    return value


def _tables(db: Path, low: int, high: int) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name")]
        out = {}
        for name in names:
            try:
                rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            except sqlite3.OperationalError:  # a virtual table's module missing here
                continue
            out[name] = sorted((tuple(_masked(v, low, high) for v in row) for row in rows),
                               key=repr)
        return out
    finally:
        conn.close()


def _sync(src: str, work: Path, server: DovecotServer, threshold: int | None) -> Path:
    work.mkdir()
    cfg = write_config(work, server, batch_size=500)
    env = dict(os.environ, PYTHONPATH=src, XDG_CACHE_HOME=str(work / "cache"))
    argv = [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config", str(cfg)]
    if threshold is not None:
        argv = [sys.executable, "-c",
                ("import sys; from cxinbox.service import sync; from cxinbox.cli import main;"
                 f" sync._POOL_THRESHOLD = {threshold}; main(sys.argv[1:])"), *argv[3:]]
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"sync_same_store.py: the sync with {src} failed: "
                 f"{done.stderr.strip().splitlines()[-1:]}")
    return work / "data" / "cxinbox.db"


def main(argv: list[str]) -> int:
    usage = "usage: sync_same_store.py BEFORE_SRC AFTER_SRC [N] [--pool-threshold K]"
    threshold = None
    if "--pool-threshold" in argv:
        i = argv.index("--pool-threshold")
        if i + 1 >= len(argv) or not argv[i + 1].isdigit():
            sys.exit(usage)
        threshold = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) not in (2, 3) or (len(argv) == 3 and not argv[2].isdigit()):
        sys.exit(usage)
    trees = [str(Path(p).resolve()) for p in argv[:2]]
    if not all(Path(p, "cxinbox").is_dir() for p in trees):
        sys.exit(f"sync_same_store.py: BEFORE_SRC and AFTER_SRC must each hold cxinbox/\n{usage}")
    n = int(argv[2]) if len(argv) == 3 else 2000
    with DovecotServer() as server, tempfile.TemporaryDirectory() as scratch:
        server.deliver_many(generate_corpus(n, seed=42), "INBOX")
        client = server.imap_client()  # the server's index (its UIDVALIDITY) made now
        client.select_folder("INBOX", readonly=True)
        client.logout()
        time.sleep(1.1)
        dumps = []
        for i, src in enumerate(trees):
            low = int(time.time())
            db = _sync(src, Path(scratch) / f"tree{i}", server, threshold)
            dumps.append(_tables(db, low, int(time.time()) + 1))
    before, after = dumps
    differ = 0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a == b:
            print(f"same    {name}: {len(a or [])} rows")
            continue
        differ += 1
        print(f"DIFFER  {name}: {len(a or [])} -> {len(b or [])} rows")
        only_a = [r for r in (a or []) if r not in set(b or [])]
        only_b = [r for r in (b or []) if r not in set(a or [])]
        for row in only_a[:3]:
            print(f"   before only: {str(row)[:300]}")
        for row in only_b[:3]:
            print(f"   after only:  {str(row)[:300]}")
    print(f"{differ} of {len(set(before) | set(after))} tables differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
