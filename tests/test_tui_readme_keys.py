"""The README's TUI key table names every key of the key registry (tui/actions.py).

The help screen and the palette are generated from the registry, the README's table is
written by hand: a key added to the registry and left out of the table (the away toggle
`Z` was) fails here, naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

from cxinbox.tui.actions import ACTIONS

README = Path(__file__).resolve().parent.parent / "README.md"

SPELLED = {"down": "↓", "up": "↑", "home": "Home", "end": "End", "pagedown": "PgDn",
           "pageup": "PgUp", "enter": "Enter", "escape": "Esc", "space": "Space",
           "slash": "/", "asterisk": "*", "question_mark": "?"}
"""Textual's key names as the README writes them (letters and digits: in backticks)."""

_TOKEN = re.compile(r"`([^`]+)`|(Ctrl\+[A-Z]|F\d+|Enter|Esc|Space|Home|End|PgUp|PgDn|↑|↓)")


def readme_spelling(key: str) -> str:
    if key in SPELLED:
        return SPELLED[key]
    if key.startswith("ctrl+"):
        return "Ctrl+" + key.removeprefix("ctrl+").upper()
    if re.fullmatch(r"f\d+", key):
        return key.upper()
    return key


def table_keys(text: str) -> set[str]:
    """The keys in the key columns (the first and third) of the table after `## The TUI`."""
    section = text.split("\n## The TUI\n", 1)[1].split("\n## ", 1)[0]
    lines = section.split("| key | action | key | action |\n", 1)[1].splitlines()
    keys: set[str] = set()
    for line in lines[1:]:  # after the |---| line
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for cell in cells[0::2]:
            ranged = re.fullmatch(r"`(\d)`…`(\d)`", cell)
            if ranged:
                keys.update(str(d) for d in range(int(ranged[1]), int(ranged[2]) + 1))
                continue
            keys.update(quoted or named for quoted, named in _TOKEN.findall(cell))
    return keys


def test_every_registry_key_is_in_the_readme_table() -> None:
    keys = table_keys(README.read_text(encoding="utf-8"))
    assert {"j", "Z", "1", "7", "Ctrl+P", "↓"} <= keys, sorted(keys)
    missing = sorted({f"{readme_spelling(key)} ({spec.id})" for spec in ACTIONS
                      for key in spec.keys.split(",") if readme_spelling(key) not in keys})
    assert not missing, f"keys of tui/actions.py the README's key table leaves out: {missing}"


def test_the_table_reader_finds_a_key_left_out() -> None:
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `Z` |"))
    assert "Z" not in table_keys(text.replace(row + "\n", ""))
