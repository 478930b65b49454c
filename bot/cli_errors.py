"""The exception a command raises for a user's mistake (a bad file, input line or option).

`bot.cli.main` prints it as one line and exits with status 2. It has its own module so
that command modules (`classify_cli`, `watchlist_cli`) need not import the CLI that wires them.
"""

from __future__ import annotations

from pathlib import Path


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


def unwritable(path: object, what: str, error: OSError) -> CommandError:
    """The one line for an output file that cannot be written (a folder, a missing folder, …)."""
    reason = error.strerror or type(error).__name__
    return CommandError(f"cannot write {what} to {path}: {reason}; give a file path in a folder you can write to")


def write_output(path: Path, data: bytes | str, what: str) -> None:
    """Write a command's output file, or raise a CommandError naming it (never a traceback)."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as error:
        raise unwritable(path, what, error) from None
