"""The boundary to time: every edge asks this for "now" and passes it down; tests install a fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware instant")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> datetime:
        self.at = self.at + delta
        return self.at


_current: Clock = SystemClock()


def now() -> datetime:
    return _current.now()


def install(clock: Clock) -> Clock:
    """Make `clock` the one edges read; returns the previous one so it can be put back."""
    global _current
    previous, _current = _current, clock
    return previous
