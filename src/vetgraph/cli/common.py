"""What every command module shares: exit codes and printing to standard output."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


def echo(text: str) -> None:
    """Write and flush at once, so a pipe sees each part as soon as it is done."""
    sys.stdout.write(text)
    sys.stdout.flush()
