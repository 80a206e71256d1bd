"""MIME parser benchmark: time per message of `parse_message` over the project's corpus.

    python bench/bench_parse.py [--src DIR] [--repeat 20] [--generated 2000]

The corpus: our broken-mail fixtures (tests/data/mail), CPython's test_email data, N
realistic clinic messages from tests/support/mailgen.py and its hostile messages (20 MB
attachment, 2,000-deep nesting, ...). Each message is parsed `--repeat` times and its time
is the fastest run, which filters out the other work a shared machine does; the figures are
the median and 99th percentile of those per-message times, per group and overall.

`--src` puts another source tree first on sys.path, so the same corpus can time an older
version of the parser (e.g. a `git archive` of an earlier commit); the module actually used
is printed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _corpus(generated: int) -> dict[str, list[bytes]]:
    from tests.support.mailgen import generate_corpus, hostile_messages

    fixtures = sorted((ROOT / "tests" / "data" / "mail").glob("*.eml"))
    stdlib = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    return {
        "fixtures": [p.read_bytes() for p in fixtures],
        "cpython": [p.read_bytes() for p in sorted(stdlib.iterdir()) if p.is_file()]
        if stdlib.is_dir()
        else [],
        "generated": list(generate_corpus(generated, seed=42)),
        "hostile": [raw for _name, raw in hostile_messages()],
    }


def _time_each(parse: Callable[[bytes], object], messages: list[bytes], repeat: int) -> list[float]:
    """Fastest of `repeat` parses of each message, in microseconds."""
    clock = time.perf_counter_ns
    times: list[float] = []
    for raw in messages:
        best = None
        for _ in range(repeat):
            start = clock()
            parse(raw)
            elapsed = clock() - start
            best = elapsed if best is None or elapsed < best else best
        times.append((best or 0) / 1000)
    return times


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="source tree to import cxinbox from")
    parser.add_argument("--repeat", type=int, default=20, help="parses per message")
    parser.add_argument("--generated", type=int, default=2000, help="mailgen messages")
    args = parser.parse_args()
    if args.src is not None:
        sys.path.insert(0, str(args.src.resolve()))
    sys.path.insert(1 if args.src is not None else 0, str(ROOT))

    from cxinbox.domain import mime

    corpus = _corpus(args.generated)
    print(f"parser: {mime.__file__}")
    print(f"{'group':<10} {'messages':>8} {'median us':>10} {'p99 us':>10} {'max us':>12}")
    every: list[float] = []
    gc.disable()
    try:
        for group, messages in corpus.items():
            if not messages:
                continue
            repeat = args.repeat if group != "hostile" else max(1, args.repeat // 4)
            times = _time_each(mime.parse_message, messages, repeat)
            every.extend(times)
            print(
                f"{group:<10} {len(messages):>8} {statistics.median(times):>10.1f}"
                f" {_p99(times):>10.1f} {max(times):>12.1f}"
            )
            gc.collect()
    finally:
        gc.enable()
    print(
        f"{'all':<10} {len(every):>8} {statistics.median(every):>10.1f}"
        f" {_p99(every):>10.1f} {max(every):>12.1f}"
    )


if __name__ == "__main__":
    main()
