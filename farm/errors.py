"""The root of farm's error types.

Every module raises its own subclass, so the command line can tell them apart and
print the message alone: each message says what is wrong and what to do about it.
"""

from __future__ import annotations

__all__ = ["FarmError"]


class FarmError(Exception):
    """An error a user can act on; the command line prints its message and exits 1."""

    exit_code: int = 1
