"""Business calendars: opening hours in a time zone, holidays, extra closed and open dates, 24x7.

Arithmetic runs on a table of the calendar's opening intervals (UTC microseconds) with the
cumulative business time at each interval's start, searched by bisect: the business time
between two instants and the instant a business duration has elapsed are two lookups. Outside
the table's horizon a plain day-by-day walk gives the same answers, only slower.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # numpy is imported by bulk arithmetic only: a one-message process never needs it
    import numpy as np
    import numpy.typing as npt

Interval = tuple[
    int, int
]  # seconds since local midnight, end exclusive; (0, 86400) is the whole day
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = 1_000_000
HORIZON = (2010, 2045)  # years the table covers; holidays are resolved for the same years
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def to_us(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("calendar arithmetic needs timezone-aware instants")
    return (instant - EPOCH) // timedelta(microseconds=1)


def from_us(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


@dataclass
class _Table:
    starts: list[int]
    ends: list[int]
    cum: list[int]  # business microseconds before interval i
    cum_end: list[int]  # business microseconds at the end of interval i
    lo: int
    hi: int


@dataclass(frozen=True)
class Calendar:
    key: str
    timezone: str
    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    closed_dates: frozenset[date] = frozenset()
    open_dates: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    always_open: bool = False
    working_day: int = 0  # seconds; 0 means derive from the weekly hours
    holiday_names: Mapping[date, str] = field(default_factory=dict, compare=False)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_day_seconds(self) -> int:
        """The length of one working day, the unit of "N business days"."""
        if self.working_day:
            return self.working_day
        if self.always_open:
            return 86_400
        lengths = [sum(e - s for s, e in day) for day in self.weekly if day]
        return max(set(lengths), key=lengths.count) if lengths else 0

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if self.always_open:
            return ((0, 86_400),)
        if day in self.open_dates:
            return self.open_dates[day]
        if day in self.closed_dates or day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    def _day_us(self, day: date) -> list[tuple[int, int]]:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return [
            (to_us(midnight + timedelta(seconds=s)), to_us(midnight + timedelta(seconds=e)))
            for s, e in self.intervals_on(day)
        ]

    def prepare(self) -> None:
        """Build the interval table now (before a profile is stored), not at the first sum."""
        if not self.always_open:
            self._table()

    def _table(self) -> _Table:
        table = self._cache.get("table")
        if table is None:
            starts: list[int] = []
            ends: list[int] = []
            day, last = date(HORIZON[0], 1, 1), date(HORIZON[1], 12, 31)
            while day <= last:
                for s, e in self._day_us(day):
                    if ends and s <= ends[-1]:  # touching intervals across midnight merge
                        ends[-1] = max(ends[-1], e)
                    else:
                        starts.append(s)
                        ends.append(e)
                day += timedelta(days=1)
            cum, cum_end, total = [], [], 0
            for s, e in zip(starts, ends, strict=True):
                cum.append(total)
                total += e - s
                cum_end.append(total)
            lo = to_us(datetime(HORIZON[0], 1, 2, tzinfo=UTC))
            hi = to_us(datetime(HORIZON[1], 12, 30, tzinfo=UTC))
            table = _Table(
                starts,
                ends,
                cum,
                cum_end,
                lo,
                hi,
            )
            self._cache["table"] = table
        return table

    # -- business time before an instant, on the table ------------------------------------------
    @staticmethod
    def _position(t: _Table, x: int) -> int:
        i = bisect_right(t.starts, x) - 1
        if i < 0:
            return 0
        return t.cum[i] + min(x, t.ends[i]) - t.starts[i]

    def business_us(self, start: datetime, end: datetime) -> int:
        """Signed business microseconds from `start` to `end`."""
        a, b = to_us(start), to_us(end)
        if self.always_open:
            return b - a
        t = self._table()
        if t.lo <= min(a, b) and max(a, b) <= t.hi:
            return self._position(t, b) - self._position(t, a)
        return self._walk_between(a, b) if a <= b else -self._walk_between(b, a)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        return self.business_us(start, end) / US

    def add_us(self, start_us: int, duration_us: int) -> int:
        if duration_us < 0:
            raise ValueError("business durations are not negative")
        if self.always_open or duration_us == 0:
            return start_us + duration_us
        t = self._table()
        if t.lo <= start_us <= t.hi:
            target = self._position(t, start_us) + duration_us
            j = bisect_left(t.cum_end, target)
            if j < len(t.starts):
                return t.starts[j] + (target - t.cum[j])
        return self._walk_add(start_us, duration_us)

    def add(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which `seconds` of business time have elapsed since `start`."""
        return from_us(self.add_us(to_us(start), round(seconds * US)))

    def add_many(
        self, starts_us: npt.NDArray[np.int64], durations_us: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """`add` for arrays of UTC microseconds, vectorised; all inside the table's horizon."""
        if self.always_open:
            return starts_us + durations_us
        import numpy as np

        t = self._table()
        if starts_us.size and (starts_us.min() < t.lo or starts_us.max() > t.hi):
            raise ValueError(f"bulk arithmetic covers {HORIZON[0]}-{HORIZON[1]}")
        arrays = self._cache.get("arrays")
        if arrays is None:
            arrays = self._cache["arrays"] = tuple(
                np.array(column, dtype=np.int64) for column in (t.starts, t.ends, t.cum, t.cum_end)
            )
        np_starts, ends, np_cum, np_cum_end = arrays
        i = np.searchsorted(np_starts, starts_us, side="right") - 1
        valid = i >= 0
        ic = np.where(valid, i, 0)
        pos = np.where(valid, np_cum[ic] + np.minimum(starts_us, ends[ic]) - np_starts[ic], 0)
        target = pos + durations_us
        j = np.searchsorted(np_cum_end, target, side="left")
        if j.size and j.max() >= len(t.starts):
            raise ValueError(f"bulk arithmetic covers {HORIZON[0]}-{HORIZON[1]}")
        due = np_starts[j] + (target - np_cum[j])
        return np.where(durations_us == 0, starts_us, due)

    def add_with_pauses(
        self, start: datetime, seconds: float, pauses: Sequence[tuple[datetime, datetime]]
    ) -> datetime:
        """When `seconds` of business time have elapsed from `start`, not counting the pauses.

        Pauses are (from, until) stretches during which the clock stands still; they may overlap
        and may lie partly before `start`.
        """
        left = round(seconds * US)
        cursor = to_us(start)
        for a, b in sorted((to_us(p), to_us(q)) for p, q in pauses):
            if b <= cursor:
                continue
            if a > cursor:
                before = self.business_us(from_us(cursor), from_us(a))
                if before >= left:
                    break
                left -= before
            cursor = max(cursor, b)
        return from_us(self.add_us(cursor, left))

    # -- the plain walk, outside the table ------------------------------------------------------
    def _local_date(self, micros: int) -> date:
        return from_us(micros).astimezone(self.zone).date()

    def _walk_between(self, a: int, b: int) -> int:
        total, day = 0, self._local_date(a) - timedelta(days=1)
        while True:
            for s, e in self._day_us(day):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            if to_us(datetime(day.year, day.month, day.day, tzinfo=self.zone)) > b:
                return total
            day += timedelta(days=1)

    def _walk_add(self, start: int, remaining: int) -> int:
        day = self._local_date(start) - timedelta(days=1)
        for _ in range(366 * 50):
            for s, e in self._day_us(day):
                lo = max(s, start)
                if e > lo:
                    if e - lo >= remaining:
                        return lo + remaining
                    remaining -= e - lo
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.key!r} has no opening hours within 50 years")

    # -- working days ---------------------------------------------------------------------------
    def is_open(self, instant: datetime) -> bool:
        x = to_us(instant)
        local = instant.astimezone(self.zone).date()
        return any(
            s <= x < e for d in (local - timedelta(days=1), local) for s, e in self._day_us(d)
        )

    def next_working_day_start(self, instant: datetime) -> datetime:
        """The opening of the first working day after the instant's local date."""
        day = instant.astimezone(self.zone).date() + timedelta(days=1)
        for _ in range(366 * 5):
            intervals = self._day_us(day)
            if intervals:
                return from_us(intervals[0][0])
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.key!r} has no working day within 5 years")


def parse_hours(text: str) -> Interval:
    """'08:00-17:00' to seconds since midnight; '24:00' closes a day."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        s = _clock(start)
        e = _clock(end)
    except ValueError:
        raise ValueError(f"{text!r} is not opening hours; expected e.g. '08:00-17:00'") from None
    if not 0 <= s < e <= 86_400:
        raise ValueError(f"{text!r} does not open before it closes within one day")
    return (s, e)


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(text)
    return h * 3600 + m * 60


def expand_days(spec: str) -> Sequence[int]:
    """'mon-fri', 'sat', 'daily' to weekday numbers (Monday is 0)."""
    spec = spec.strip().lower()
    if spec in ("daily", "every day", "mon-sun"):
        return range(7)
    if spec == "weekdays":
        return range(5)
    if "-" in spec:
        first, last = spec.split("-", 1)
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
        if b < a:
            raise ValueError(spec)
        return range(a, b + 1)
    return [WEEKDAYS.index(spec)]
