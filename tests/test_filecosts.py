"""The order a parallel run hands out test files in (tests/support/filecosts.py): costliest
first by the checked-in table, a file missing from it placed by its number of tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.filecosts import TABLE, costliest_first, from_junit, main, read_table, render

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="5">
<testcase classname="tests.test_many" name="a" time="0.5"/>
<testcase classname="tests.test_many" name="b" time="0.25"/>
<testcase classname="tests.test_many" name="c" time="0.25"/>
<testcase classname="tests.test_slow.TestGroup" name="only" time="42.0"/>
<testcase classname="tests.test_slow" name="other" time="8.0"/>
<testcase classname="" name="collect error" time="0"/>
</testsuite></testsuites>
"""


def test_a_junit_report_becomes_a_table_that_reads_back(tmp_path: Path) -> None:
    xml = tmp_path / "run.xml"
    xml.write_text(JUNIT)
    table = from_junit(xml)
    assert table == {"tests/test_many.py": (1.0, 3), "tests/test_slow.py": (50.0, 2)}
    text = render(table)
    assert text.index("tests/test_slow.py") < text.index("tests/test_many.py")
    saved = tmp_path / "file_costs.txt"
    saved.write_text(text)
    assert read_table(saved) == table
    assert read_table(tmp_path / "missing.txt") == {}


def test_the_costliest_file_goes_first_whatever_its_count() -> None:
    table = {"tests/test_many.py": (1.0, 3), "tests/test_slow.py": (50.0, 2)}
    names = ["tests/test_many.py", "tests/test_new.py", "tests/test_slow.py"]
    # test_new is not in the table: 40 tests at the mean 51/5 s a test comes first
    counts = {"tests/test_many.py": 3, "tests/test_new.py": 40, "tests/test_slow.py": 2}
    assert costliest_first(names, counts, table) == [
        "tests/test_new.py", "tests/test_slow.py", "tests/test_many.py"]
    counts["tests/test_new.py"] = 1  # one test: ~10 s, between the two
    assert costliest_first(names, counts, table) == [
        "tests/test_slow.py", "tests/test_new.py", "tests/test_many.py"]


def test_the_checked_in_table_reads() -> None:
    """The conftest reads it on every worker: it must parse (a file named there that is gone
    costs nothing; a new file is placed by its count until the table is refreshed)."""
    table = read_table(TABLE)
    assert len(table) > 100
    assert all(seconds >= 0 and tests > 0 for seconds, tests in table.values())


def test_a_bad_report_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuites>")
    assert main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("filecosts: cannot read ") and err.count("\n") == 1
    assert main([]) == 2
