"""Reading `cxinbox doctor`'s terminal output in tests: its lines are wrapped to 80 columns."""

from __future__ import annotations


def unwrap(stdout: str) -> str:
    """Doctor's output with each wrapped line joined back into one (a continuation line is
    indented further than any label); a path broken after "/" is rejoined without a space."""
    lines: list[str] = []
    for line in stdout.splitlines():
        if lines and line.startswith("       ") and line.strip():
            sep = "" if lines[-1].endswith("/") else " "
            lines[-1] += sep + line.strip()
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
