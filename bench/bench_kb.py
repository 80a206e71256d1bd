"""Knowledge-base search over 2,000 generated articles: through the service, and through the
CLI with process start (in-process, and through a running `cxinbox serve`).

    python bench/bench_kb.py [--articles 2000] [--queries 300] [--cli-runs 30] [--pg]
                             [--pg-url URL]

Articles are built from a clinic vocabulary (English and Spanish, accents included): a
title of 3 to 6 words, 2 to 4 tags, a Markdown body of 80 to 400 words; one in five is
staff-only. Queries are what a receptionist types: one word, its first letters (a prefix),
two words, an accented word typed without its accent, and a word no article has. The
target (issue #14) is search p95 < 50 ms for 2,000 articles. Wall time on a shared host
moves with its load; the CPU time of each search is printed beside it.

`--pg` also builds the same articles in PostgreSQL (a throwaway cluster started like the
tests', tests/support/pgcluster.py) and runs the same searches through the service there:
its figures, the ratio of the p95s, and for how many queries both backends found the
same articles (the order inside the title group and the rest is each engine's own rank).
`--pg-url URL` runs them in that database instead (built there once, then kept), with the
server backend's CPU and the round trips per search (bench_pg_views.py `Backends`).
"""

from __future__ import annotations

import argparse
import os
import pwd
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT / "src"))

WORDS = (
    "parking", "appointment", "insurance", "fasting", "blood", "test", "results", "forms",
    "fees", "records", "policy", "vaccine", "flu", "shot", "prescription", "refill",
    "pharmacy", "referral", "specialist", "billing", "payment", "plan", "copay",
    "deductible", "hours", "holiday", "weekend", "directions", "entrance", "wheelchair",
    "elevator", "bus", "train", "interpreter", "language", "privacy", "consent", "portal",
    "password", "reset", "cancellation", "late", "arrival", "telehealth", "video", "visit",
    "nurse", "doctor", "urgent", "emergency", "x-ray", "ultrasound", "lab", "sample",
    "urine", "glucose", "cholesterol", "pregnancy", "pediatric", "child", "adult",
    "senior", "medicare", "medicaid", "self-pay", "receipt", "statement", "refund",
    "dental", "vision", "allergy", "asthma", "diabetes", "blood-pressure", "follow-up",
    "annual", "physical", "screening", "mammogram", "colonoscopy", "preparation", "diet",
    "water", "medication", "dose", "side-effects", "transfer", "release", "authorization",
    "fax", "mail", "análisis", "ayuno", "cita", "seguro", "horario", "aparcamiento",
    "recepción", "farmacia", "médico", "enfermería", "vacunación", "niños", "embarazo",
    "pago", "factura", "urgencias", "resultados", "información", "teléfono",
)
QUERIES_MISSING = ("zebra", "quux", "xylophone")


def article(rng: random.Random, n: int) -> tuple[str, str, str, str, str]:
    title_words = rng.sample(WORDS, rng.randint(3, 6))
    title = " ".join(title_words).capitalize()
    slug = f"article-{n}"
    tags = " ".join(sorted({w.replace("-", "") for w in rng.sample(WORDS, rng.randint(2, 4))}))
    paragraphs = []
    left = rng.randint(80, 400)
    while left > 0:
        size = min(left, rng.randint(20, 60))
        words = [rng.choice(WORDS) for _ in range(size)]
        if rng.random() < 0.2:
            words[0] = f"**{words[0]}**"
        paragraphs.append(" ".join(words).capitalize() + ".")
        left -= size
    body = "\n\n".join(paragraphs) + "\n"
    audience = "staff-only" if rng.random() < 0.2 else "patient-facing"
    return slug, title, tags, audience, body


def build(path: Path, count: int, seed: int = 14) -> None:
    from cxinbox.store.db import Database

    if path.exists():
        path.unlink()
    db = Database(path, synchronous="OFF")
    fill(db, count, seed)
    db.close()


def fill(db: object, count: int, seed: int = 14) -> None:
    """The generated articles into a store (SQLite or PostgreSQL)."""
    rng = random.Random(seed)
    now = int(time.time())
    with db.writing() as tx:
        for n in range(count):
            slug, title, tags, audience, body = article(rng, n)
            tx.kb_save(slug=slug, title=title, tags=tags, audience=audience, body=body,
                       link="", source="cli", author="bench", at=now,
                       changed="title,tags,audience,body,link", note="")


def queries(rng: random.Random, count: int) -> list[str]:
    import unicodedata

    def bare(word: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", word)
                       if not unicodedata.combining(c))

    out = []
    for n in range(count):
        word = rng.choice(WORDS)
        kind = n % 5
        if kind == 0:
            out.append(word)
        elif kind == 1:
            out.append(word[:rng.randint(2, 4)])  # typed so far: a prefix
        elif kind == 2:
            out.append(f"{word} {rng.choice(WORDS)}")
        elif kind == 3:
            out.append(bare(rng.choice([w for w in WORDS if not w.isascii()])))
        else:
            out.append(rng.choice(QUERIES_MISSING))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, ms: list[float]) -> str:
    return (f"{name:<34} n={len(ms):<4} median {statistics.median(ms):7.2f} ms"
            f"  p95 {pct(ms, 0.95):7.2f} ms  max {max(ms):7.2f} ms")


def measure(service: object, asked: list[str], timed_end: Any = None,
            ) -> tuple[list[float], list[float], list[int], list[set[str]]]:
    """Each query through `service.search` (the first 20, as the TUI asks): wall and CPU
    ms and hit counts; then, untimed, the ids of every article each matches (read from
    the full-text index itself: ranking and snippets of thousands would take minutes)."""
    service.search("warm up")  # type: ignore[attr-defined]
    took, cpu, found = [], [], []
    for text in asked:
        t0, c0 = time.perf_counter(), time.thread_time()
        hits = service.search(text, 20)  # type: ignore[attr-defined]
        took.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        found.append(len(hits))
    if timed_end is not None:
        timed_end()
    from cxinbox.domain.kb import search_words
    from cxinbox.store import kb
    from cxinbox.store.dialect import dialect_of

    slugs: list[set[str]] = []
    with service.store.read() as conn:  # type: ignore[attr-defined]
        for text in asked:
            words = search_words(text)
            if dialect_of(conn).fts_by_watermark:
                expression = kb.fts_expression(words)
                found_ids = {r[0] for r in conn.execute(
                    "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?", (expression,))
                } if expression else set()
            else:
                found_ids = {r[0] for r in conn.execute(
                    f"SELECT a.id FROM kb_articles a, {kb._PG_QUERY} AS q"
                    " WHERE a.retired = 0 AND a.search @@ q",
                    ([w for w, _ in words], [not p for _, p in words]))}
            slugs.append({f"#{i}" for i in found_ids})
    return took, cpu, found, slugs


def on_pg(count: int, config: object, me: str, asked: list[str], lite_took: list[float],
          lite_slugs: list[set[str]], url: str | None = None) -> None:
    """The same searches on PostgreSQL: in a throwaway cluster, or in the database at `url`
    (the articles are built there once, when it has none; then kept for the next run)."""
    import contextlib

    sys.path.insert(0, str(ROOT))
    from bench_pg_views import Backends
    from tests.support.pgcluster import pg_cluster

    from cxinbox.service.inbox import InboxService
    from cxinbox.service.kb import KbService
    from cxinbox.store.pg.store import PgStore

    with contextlib.ExitStack() as stack:
        if url is None:
            cluster = stack.enter_context(pg_cluster())
            cluster.create_database("bench_kb")
            url = cluster.url("bench_kb")
        store = PgStore(url)
        try:
            if not store.conn.execute("SELECT count(*) FROM kb_articles").fetchone()[0]:
                started = time.perf_counter()
                fill(store, count)
                store.conn.execute("VACUUM ANALYZE kb_articles")
                print(f"PostgreSQL: built {count} articles in"
                      f" {time.perf_counter() - started:.1f} s")
            service = KbService(InboxService(store, config, me))  # type: ignore[arg-type]
            service.search("warm up")
            backends = Backends(store)
            backends.refresh()
            before = backends.sample()
            ended: list[dict[int, tuple[float, int]]] = []
            took, cpu, _, slugs = measure(service, asked,
                                          lambda: ended.append(backends.sample()))
            spent, waited = Backends.delta(before, ended[0])
        finally:
            store.close()
    print(line("PostgreSQL KbService.search", took))
    print(line("  the same, CPU time", cpu))
    print(f"{'  server backend, per search':<34} CPU {spent * 1000 / len(asked):.2f}"
          f" ms (mean; /proc, 10 ms ticks), round trips {waited / len(asked):.2f}"
          f"; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    same = sum(1 for a, b in zip(slugs, lite_slugs, strict=True) if a == b)
    print(f"{'':<34} p95 PostgreSQL / SQLite: {pct(took, 0.95) / pct(lite_took, 0.95):.2f};"
          f" every match the same for {same} of {len(asked)} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cli-runs", type=int, default=30)
    parser.add_argument("--pg", action="store_true",
                        help="the same searches on PostgreSQL too, after SQLite's")
    parser.add_argument("--pg-url", default=None,
                        help="with --pg: this database instead of a throwaway cluster (the"
                             " articles are built there when it has none, and kept)")
    args = parser.parse_args()

    from cxinbox.config import load_config
    from cxinbox.service.inbox import InboxService
    from cxinbox.service.kb import KbService
    from cxinbox.store.db import Database

    home = OUT / "kb"  # the server serves a database only from a 0700 directory
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    work = Path(tempfile.mkdtemp(prefix="cxkb-", dir="/tmp"))
    db_path = home / f"kb-{args.articles}.db"
    started = time.perf_counter()
    build(db_path, args.articles)
    print(f"built {args.articles} articles in {time.perf_counter() - started:.1f} s"
          f" ({db_path.stat().st_size / 1e6:.1f} MB)")
    me = pwd.getpwuid(os.getuid()).pw_name
    cfg_path = work / "config.toml"
    cfg_path.write_text(f'[store]\npath = "{db_path}"\n\n[server]\nsocket = "{work / "s.sock"}"'
                        f'\n\n[[staff]]\nos_user = "{me}"\nname = "Bench"\nrole = "admin"\n')
    config = load_config(cfg_path)
    rng = random.Random(7)
    asked = queries(rng, args.queries)

    db = Database(db_path)
    took, cpu, found, slugs = measure(KbService(InboxService(db, config, me)), asked)
    db.close()
    print(line("service KbService.search", took))
    # CPU time of the calling thread: what the search costs whatever else runs on the host
    print(line("  the same, CPU time", cpu))
    print(f"{'':<34} hits per query: median {statistics.median(found):.0f},"
          f" none for {sum(1 for f in found if f == 0)} of {len(found)}")
    if args.pg:
        on_pg(args.articles, config, me, asked, took, slugs, args.pg_url)

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("CXINBOX_CONFIG", None)

    def cli(label: str, command: tuple[str, ...] = ("kb", "search")) -> None:
        runs = []
        for text in asked[:args.cli_runs]:
            words = text.split() if command == ("kb", "search") else []
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "cxinbox", *command, "--json",
                                   "--config", str(cfg_path), "--", *words],
                                  capture_output=True, env=env, check=False)
            runs.append((time.perf_counter() - t0) * 1000)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.decode())
        print(line(label, runs))

    start = []
    for _ in range(args.cli_runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cxinbox", "--version"], capture_output=True,
                       env=env, check=True)
        start.append((time.perf_counter() - t0) * 1000)
    print(line("cxinbox --version (start alone)", start))
    cli("CLI in-process (process start)")
    log = open(work / "serve.log", "wb")  # noqa: SIM115 - the server writes it until stopped
    server = subprocess.Popen([sys.executable, "-m", "cxinbox", "serve", "--config",
                               str(cfg_path)], stdout=log, stderr=log, env=env)
    try:
        deadline = time.monotonic() + 30
        while b"listening on" not in (work / "serve.log").read_bytes():
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit((work / "serve.log").read_text())
            time.sleep(0.05)
        cli("CLI through the server")
        cli("  beside it: cxinbox list --json", ("list",))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
