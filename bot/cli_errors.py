"""The exception a command raises for a user's mistake (a bad file, input line or option).

`bot.cli.main` prints it as one line and exits with status 2. It has its own module so
that command modules (`classify_cli`, `watchlist_cli`) need not import the CLI that wires them.
"""


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""
