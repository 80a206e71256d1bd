"""The one spelling of a duration and a bar that the CLI, the reports screen and the health
summary share."""

from __future__ import annotations

import pytest

from cxinbox.domain.humanize import bar, duration


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (45, "45s"), (60, "1m"), (12 * 60 + 59, "12m"), (3 * 3600 + 5 * 60, "3h05m"),
    (86400 - 1, "23h59m"), (2 * 86400 + 4 * 3600 + 59, "2d04h"), (3 * 86400, "3d00h"),
    (90.9, "1m"), (None, "-"), ("n/a", "-")])
def test_duration_reads_the_same_everywhere(seconds: object, text: str) -> None:
    assert duration(seconds) == text


def test_bar_scales_in_eighths_and_never_hides_a_nonzero_value() -> None:
    assert bar(10, 10, 4) == "\u2588" * 4
    assert bar(10, 10, 4, ascii_only=True) == "####"
    assert bar(1, 1000, 10) == "\u258f"  # one eighth, not nothing
    assert bar(1, 1000, 10, ascii_only=True) == "#"
    assert bar(5, 10, 3) == "\u2588" + "\u258c"  # a cell and a half
    assert bar(0, 10, 10) == bar(3, 0, 10) == bar(3, 10, 0) == ""
