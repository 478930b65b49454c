"""What a command printed, as tests read it."""

from __future__ import annotations


def one_line(err: str) -> str:
    """The one non-blank line of `err`; fails when there are more, or a traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]
