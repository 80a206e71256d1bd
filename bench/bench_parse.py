"""MIME parser benchmark: time per message of `parse_message` over the project's corpus.

    python bench/bench_parse.py [--src DIR] [--baseline DIR] [--repeat 20] [--generated 2000]

The corpus: our broken-mail fixtures (tests/data/mail), CPython's test_email data, N
realistic clinic messages from tests/support/mailgen.py and its hostile messages (20 MB
attachment, 2,000-deep nesting, ...). Each message is parsed `--repeat` times and its time
is the fastest run, which filters out the other work a shared machine does; the figures are
the median and 99th percentile of those per-message times, per group and overall.

`--src` takes the parser from another source tree (default: whatever `cxinbox` imports).
`--baseline DIR` loads a second parser from DIR (e.g. a `git archive` of an earlier commit)
and times both on each message in turn, run by run, so that load from other processes on a
shared machine falls on both alike; both tables and the ratios are printed.
"""

from __future__ import annotations

import argparse
import gc
import importlib
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


Parse = Callable[[bytes], object]


def _load_parser(src: Path | None) -> tuple[Parse, str]:
    """`parse_message` from the tree at `src`, imported apart from any other copy."""
    mine = {name: sys.modules.pop(name) for name in list(sys.modules) if _ours(name)}
    if src is not None:
        sys.path.insert(0, str(src.resolve()))
    try:
        module = importlib.import_module("cxinbox.domain.mime")
    finally:
        if src is not None:
            sys.path.remove(str(src.resolve()))
        for name in [name for name in sys.modules if _ours(name)]:
            del sys.modules[name]
        sys.modules.update(mine)
    return module.parse_message, str(module.__file__)


def _ours(name: str) -> bool:
    return name == "cxinbox" or name.startswith("cxinbox.")


def _time_each(parsers: list[Parse], messages: list[bytes], repeat: int) -> list[list[float]]:
    """Fastest of `repeat` parses of each message by each parser, in microseconds."""
    clock = time.perf_counter_ns
    times: list[list[float]] = [[] for _ in parsers]
    for raw in messages:
        best = [float("inf")] * len(parsers)
        for run in range(repeat):
            order = range(len(parsers)) if run % 2 == 0 else reversed(range(len(parsers)))
            for index in order:
                start = clock()
                parsers[index](raw)
                best[index] = min(best[index], clock() - start)
        for index, fastest in enumerate(best):
            times[index].append(fastest / 1000)
    return times


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def _row(group: str, times: list[float]) -> str:
    return (
        f"{group:<10} {len(times):>8} {statistics.median(times):>10.1f}"
        f" {_p99(times):>10.1f} {max(times):>12.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="source tree to take the parser from")
    parser.add_argument("--baseline", type=Path, help="source tree of a parser to compare with")
    parser.add_argument("--repeat", type=int, default=20, help="parses per message")
    parser.add_argument("--generated", type=int, default=2000, help="mailgen messages")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    parsers = [_load_parser(args.src)]
    if args.baseline is not None:
        parsers.append(_load_parser(args.baseline))
    corpus = _corpus(args.generated)
    results: list[dict[str, list[float]]] = [{} for _ in parsers]
    gc.disable()
    try:
        for group, messages in corpus.items():
            if not messages:
                continue
            repeat = args.repeat if group != "hostile" else max(1, args.repeat // 4)
            timed = _time_each([parse for parse, _ in parsers], messages, repeat)
            for result, times in zip(results, timed, strict=True):
                result[group] = times
            gc.collect()
    finally:
        gc.enable()
    for (_, where), result in zip(parsers, results, strict=True):
        print(f"parser: {where}")
        print(f"{'group':<10} {'messages':>8} {'median us':>10} {'p99 us':>10} {'max us':>12}")
        for group, times in result.items():
            print(_row(group, times))
        print(_row("all", [t for times in result.values() for t in times]))
    if len(results) == 2:
        print("ratio parser / baseline (median, p99):")
        mine, base = results
        for group in [*mine, "all"]:
            a = mine[group] if group != "all" else [t for ts in mine.values() for t in ts]
            b = base[group] if group != "all" else [t for ts in base.values() for t in ts]
            print(
                f"{group:<10} {statistics.median(a) / statistics.median(b):>6.2f}"
                f" {_p99(a) / _p99(b):>6.2f}"
            )


if __name__ == "__main__":
    main()
