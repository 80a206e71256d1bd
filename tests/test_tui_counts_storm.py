"""A storm of changes reads the header's counts a few times, not once per change
(review27 #2: 30 assignments read them 30 times, six audited list reads each, on every
terminal), while the rows follow each change and the counts end as the rows say
(tui/countpace.py). The first change after a quiet spell keeps rows and counts in one
frame: tests/test_tui_counts_frame.py."""

from __future__ import annotations

from pathlib import Path

from tests.support.countstorm import run_storm

from cxinbox.tui.countpace import BURST, EVERY_S, CountPace

CHANGES = 30


def test_the_pace_allows_a_burst_then_one_per_period() -> None:
    pace = CountPace()
    assert [pace.take(100.0) for _ in range(BURST + 1)] == [True] * BURST + [False]
    assert pace.take(100.0 + EVERY_S * 0.9) is False
    assert pace.take(100.0 + EVERY_S * 1.01) is True
    assert pace.take(100.0 + EVERY_S * 1.02) is False
    assert pace.take(1000.0) is True  # a quiet spell refills the burst
    assert pace.take(1000.0) is True


async def test_a_storm_of_changes_reads_the_counts_a_few_times(tmp_path: Path) -> None:
    storm = await run_storm(tmp_path, CHANGES)
    ceiling = BURST + int(storm.took_s / EVERY_S) + 1
    print(f"\n{CHANGES} changes in {storm.took_s:.1f} s: {storm.count_reads} count reads"
          f" (ceiling {ceiling}), {storm.list_reads} list reads in all")
    assert storm.count_reads <= ceiling, (storm.count_reads, storm.took_s)
