"""Durations as the seed processes write them: "4h", "30m", "1h30m", "2 business days", "48 business hours".

Hours and minutes are counted on the target's calendar (business time on a business calendar,
real time on a 24x7 one). Days are N times that calendar's working-day length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXAMPLES = '"4h", "30m", "1h30m", "8 support hours", "2 business days"'
_COMPACT = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
_WORDS = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*(?:(?:business|support|working|calendar|real)\s+)?"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|days?)$"
)


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    """A length of time in calendar seconds plus whole working days."""

    seconds: int
    days: float = 0.0

    def on(self, working_day_seconds: int) -> int:
        """Business seconds on a calendar whose working day has `working_day_seconds`."""
        return self.seconds + round(self.days * working_day_seconds)

    def __str__(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days:g} working day{'s' if self.days != 1 else ''}")
        if self.seconds or not parts:
            hours, rest = divmod(self.seconds, 3600)
            minutes = rest // 60
            parts.append(f"{hours}h{minutes:02d}m" if minutes else f"{hours}h")
        return " + ".join(parts)


def parse_duration(text: str) -> Duration:
    raw = text.strip().lower()
    compact = _COMPACT.match(raw.replace(" ", ""))
    if raw and compact and any(compact.groupdict().values()):
        d, h, m = (int(compact.group(k) or 0) for k in ("d", "h", "m"))
        return Duration(seconds=h * 3600 + m * 60, days=float(d))
    words = _WORDS.match(raw)
    if words:
        n = float(words.group("n"))
        unit = words.group("unit")
        if unit.startswith("d"):
            return Duration(seconds=0, days=n)
        factor = 3600 if unit.startswith("h") else 60
        return Duration(seconds=round(n * factor))
    raise DurationError(f"{text!r} is not a duration; expected e.g. {EXAMPLES}")
