"""The order in which a parallel run (scripts/test: pytest-xdist, `--dist loadfile`) hands
out test files: the costliest first.

xdist gives each worker whole files, by default the files with the most tests first. Our
costliest files are not those: a file of one or two tests may start Dovecot, PostgreSQL and
several servers and take a minute, and started last it runs alone on one worker while the
other waits. The conftest orders the collected files by the cost recorded in
tests/file_costs.txt (seconds each file took, setup and teardown included), and scripts/test
passes `--no-loadscope-reorder` so that xdist keeps that order. A file not in the table
(a new one) is placed by its number of tests at the table's mean cost per test.

Refresh the table from a run's JUnit XML (figures are a guide, not a pass mark; any recent
run of the whole suite does):

    scripts/test --junitxml=/tmp/suite.xml
    python -m tests.support.filecosts /tmp/suite.xml > tests/file_costs.txt
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "file_costs.txt"


def read_table(path: Path = TABLE) -> dict[str, tuple[float, int]]:
    """{"tests/test_x.py": (seconds, tests)} from the table; empty if it is missing."""
    table: dict[str, tuple[float, int]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return table
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 3 or line.lstrip().startswith("#"):
            continue
        seconds, tests, name = fields
        table[name] = (float(seconds), int(tests))
    return table


def estimate(table: dict[str, tuple[float, int]], name: str, tests: int) -> float:
    """A file's expected seconds: the table's figure, or `tests` at the mean cost per test."""
    if name in table:
        return table[name][0]
    total_tests = sum(n for _, n in table.values())
    per_test = sum(s for s, _ in table.values()) / total_tests if total_tests else 1.0
    return tests * per_test


def costliest_first(names: Sequence[str], counts: dict[str, int],
                    table: dict[str, tuple[float, int]]) -> list[str]:
    """`names` (files in collection order) with the costliest first; ties keep their order."""
    return sorted(names, key=lambda name: -estimate(table, name, counts.get(name, 1)))


def from_junit(xml_path: Path) -> dict[str, tuple[float, int]]:
    """Seconds and test count per file from a pytest JUnit XML report."""
    seconds: Counter[str] = Counter()
    tests: Counter[str] = Counter()
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        # classname is "tests.test_x" or "tests.test_x.TestClass"
        if len(module) < 2 or not module[1].startswith("test_"):
            continue
        name = f"{module[0]}/{module[1]}.py"
        seconds[name] += float(case.get("time", "0") or 0)
        tests[name] += 1
    return {name: (seconds[name], tests[name]) for name in seconds}


def render(table: dict[str, tuple[float, int]]) -> str:
    lines = ["# seconds tests file: each test file's cost in a run of the whole suite (setup and",
             "# teardown included), costliest first; tests/support/filecosts.py says how to",
             "# refresh it. It orders the files a parallel run hands out, nothing else."]
    for name, (secs, count) in sorted(table.items(), key=lambda kv: (-kv[1][0], kv[0])):
        lines.append(f"{secs:8.1f} {count:5d} {name}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.support.filecosts JUNIT.xml > tests/file_costs.txt",
              file=sys.stderr)
        return 2
    try:
        table = from_junit(Path(argv[0]))
    except (OSError, ET.ParseError) as exc:
        print(f"filecosts: cannot read {argv[0]}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render(table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
