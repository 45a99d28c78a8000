"""Calendar arithmetic: DST, holidays, edges at opening and closing, and a slow reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.domain.calendars import Calendar, from_us, parse_hours, to_us

LUX = ZoneInfo("Europe/Luxembourg")
LU_HOLIDAYS = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 9),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 6, 23),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }
)
DESK = Calendar(
    "desk",
    "Europe/Luxembourg",
    weekly=(((8 * 3600, 17 * 3600),),) * 5 + ((), ()),
    holidays=LU_HOLIDAYS,
)
SPLIT = Calendar(
    "split",
    "Europe/Amsterdam",
    weekly=(((8 * 3600 + 1800, 12 * 3600), (13 * 3600, 17 * 3600)),) * 5
    + (((9 * 3600, 12 * 3600),), ()),
    closed_dates=frozenset({date(2026, 3, 20)}),
    open_dates={date(2026, 3, 22): ((10 * 3600, 11 * 3600),)},
)
NOC = Calendar("noc", "Europe/Luxembourg", always_open=True)


def lux(*args: int) -> datetime:
    return datetime(*args, tzinfo=LUX)


def test_one_business_day_from_tuesday_10_is_wednesday_10() -> None:
    assert DESK.working_day_seconds == 9 * 3600
    assert DESK.add(lux(2026, 3, 10, 10), 9 * 3600) == lux(2026, 3, 11, 10)


def test_a_day_is_nine_hours_in_summer_and_in_winter() -> None:
    assert DESK.business_seconds(lux(2026, 1, 13, 0), lux(2026, 1, 14, 0)) == 9 * 3600
    assert DESK.business_seconds(lux(2026, 7, 14, 0), lux(2026, 7, 15, 0)) == 9 * 3600
    # Friday before and Monday after the spring switch (29 March 2026): still 9 hours each.
    assert DESK.add(lux(2026, 3, 27, 8), 18 * 3600) == lux(2026, 3, 30, 17)


def test_24x7_counts_real_hours_across_a_switch() -> None:
    start = lux(2026, 10, 24, 23)  # the night clocks go back
    due = NOC.add(start, 5 * 3600)
    assert due - start == timedelta(hours=5)
    assert due.astimezone(LUX).hour == 3  # 5 real hours, 4 on the wall clock


def test_starts_outside_hours_and_on_holidays() -> None:
    assert DESK.add(lux(2026, 3, 10, 19), 3600) == lux(2026, 3, 11, 9)  # evening: from next opening
    assert DESK.add(lux(2026, 3, 14, 12), 3600) == lux(2026, 3, 16, 9)  # Saturday
    assert DESK.add(lux(2026, 12, 24, 16), 2 * 3600) == lux(
        2026, 12, 28, 9
    )  # Christmas and St Stephen
    assert DESK.add(lux(2026, 6, 22, 16, 30), 3600) == lux(2026, 6, 24, 8, 30)  # National Day


def test_due_at_closing_time_not_next_opening() -> None:
    assert DESK.add(lux(2026, 3, 10, 8), 9 * 3600) == lux(2026, 3, 10, 17)
    assert DESK.add(lux(2026, 3, 10, 17), 0) == lux(2026, 3, 10, 17)
    assert DESK.add(lux(2026, 3, 10, 17), 1) == lux(2026, 3, 11, 8, 0, 1)


def test_split_shifts_closed_and_extra_open_dates() -> None:
    ams = ZoneInfo("Europe/Amsterdam")
    assert SPLIT.add(datetime(2026, 3, 16, 11, 30, tzinfo=ams), 3600) == datetime(
        2026, 3, 16, 13, 30, tzinfo=ams
    )
    assert (
        SPLIT.business_seconds(
            datetime(2026, 3, 20, 0, tzinfo=ams), datetime(2026, 3, 21, 0, tzinfo=ams)
        )
        == 0
    )
    sunday = SPLIT.business_seconds(
        datetime(2026, 3, 22, 0, tzinfo=ams), datetime(2026, 3, 23, 0, tzinfo=ams)
    )
    assert sunday == 3600


def test_signed_difference() -> None:
    a, b = lux(2026, 3, 10, 9), lux(2026, 3, 11, 9)
    assert DESK.business_seconds(a, b) == 9 * 3600 == -DESK.business_seconds(b, a)


def test_next_working_day_start() -> None:
    assert DESK.next_working_day_start(lux(2026, 3, 10, 7)) == lux(2026, 3, 11, 8)
    assert DESK.next_working_day_start(lux(2026, 3, 13, 16)) == lux(2026, 3, 16, 8)
    assert DESK.next_working_day_start(lux(2026, 12, 24, 9)) == lux(2026, 12, 28, 8)


def test_hundreds_of_business_days() -> None:
    start = lux(2026, 1, 2, 8)
    due = DESK.add(start, 400 * 9 * 3600)
    assert DESK.business_seconds(start, due) == 400 * 9 * 3600
    assert due == reference_add(DESK, start, 400 * 9 * 3600)


def test_outside_the_table_the_walk_agrees() -> None:
    start = lux(2061, 3, 1, 10)
    assert DESK.add(start, 20 * 3600) == reference_add(DESK, start, 20 * 3600)
    assert DESK.business_seconds(lux(2061, 3, 1), lux(2061, 3, 31)) == reference_between(
        DESK, lux(2061, 3, 1), lux(2061, 3, 31)
    )


def test_bulk_matches_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    starts = rng.integers(to_us(lux(2026, 1, 1)), to_us(lux(2027, 1, 1)), 2000, dtype=np.int64)
    durations = rng.integers(0, 30 * 9 * 3600, 2000, dtype=np.int64) * 1_000_000
    bulk = DESK.add_many(starts, durations)
    assert [
        DESK.add_us(int(s), int(d)) for s, d in zip(starts, durations, strict=True)
    ] == bulk.tolist()


def test_opening_hours_are_checked() -> None:
    assert parse_hours("08:30-17:00") == (30600, 61200)
    assert parse_hours("00:00-24:00") == (0, 86400)
    for bad in ("17:00-08:00", "8-17", "25:00-26:00", "08:00-24:30"):
        with pytest.raises(ValueError):
            parse_hours(bad)


# -- the slow, obviously correct reference ----------------------------------------------------
def _open_stretches(cal: Calendar, first: date, last: date) -> list[tuple[datetime, datetime]]:
    out = []
    day = first
    while day <= last:
        for s, e in cal.intervals_on(day):
            midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(cal.timezone))
            out.append((midnight + timedelta(seconds=s), midnight + timedelta(seconds=e)))
        day += timedelta(days=1)
    return out


def reference_between(cal: Calendar, a: datetime, b: datetime) -> float:
    total = 0.0
    for s, e in _open_stretches(
        cal,
        a.astimezone(ZoneInfo(cal.timezone)).date() - timedelta(days=1),
        b.astimezone(ZoneInfo(cal.timezone)).date() + timedelta(days=1),
    ):
        lo, hi = max(s, a), min(e, b)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


def reference_add(cal: Calendar, start: datetime, seconds: float) -> datetime:
    if seconds == 0:
        return start
    left = timedelta(seconds=seconds)
    day = start.astimezone(ZoneInfo(cal.timezone)).date() - timedelta(days=1)
    while True:
        for s, e in _open_stretches(cal, day, day):
            lo = max(s, start)
            if e > lo:
                if e - lo >= left:
                    return (lo + left).astimezone(UTC)
                left -= e - lo
        day += timedelta(days=1)


instants = st.integers(
    to_us(datetime(2025, 1, 1, tzinfo=UTC)), to_us(datetime(2027, 12, 31, tzinfo=UTC))
).map(lambda us: from_us(us - us % 60_000_000))
durations = st.integers(0, 40 * 9 * 60).map(lambda minutes: minutes * 60)


@settings(max_examples=300, deadline=None)
@given(start=instants, seconds=durations, cal=st.sampled_from([DESK, SPLIT]))
def test_add_agrees_with_the_reference(start: datetime, seconds: int, cal: Calendar) -> None:
    assert cal.add(start, seconds) == reference_add(cal, start, seconds)


@settings(max_examples=300, deadline=None)
@given(a=instants, b=instants, cal=st.sampled_from([DESK, SPLIT]))
def test_between_agrees_with_the_reference(a: datetime, b: datetime, cal: Calendar) -> None:
    lo, hi = min(a, b), max(a, b)
    assert cal.business_seconds(lo, hi) == reference_between(cal, lo, hi)


@settings(max_examples=200, deadline=None)
@given(start=instants, seconds=durations)
def test_add_then_measure_round_trips(start: datetime, seconds: int) -> None:
    due = DESK.add(start, seconds)
    assert DESK.business_seconds(start, due) == seconds


def test_pauses_stop_the_count() -> None:
    start = lux(2026, 3, 10, 10)
    pauses = [(lux(2026, 3, 10, 11), lux(2026, 3, 11, 11))]  # a business day standing still
    assert DESK.add_with_pauses(start, 2 * 3600, pauses) == lux(2026, 3, 11, 12)
    assert DESK.add_with_pauses(start, 3600, pauses) == lux(
        2026, 3, 10, 11
    )  # reached as the pause begins
    overlapping = [
        (lux(2026, 3, 10, 9), lux(2026, 3, 10, 12)),
        (lux(2026, 3, 10, 11), lux(2026, 3, 10, 13)),
    ]
    assert DESK.add_with_pauses(start, 3600, overlapping) == lux(2026, 3, 10, 14)
    assert DESK.add_with_pauses(start, 3600, []) == DESK.add(start, 3600)


@settings(max_examples=150, deadline=None)
@given(
    start=instants,
    seconds=durations,
    gaps=st.lists(st.tuples(instants, st.integers(1, 72 * 60)), max_size=4),
)
def test_pauses_agree_with_counting_minus_the_paused_time(
    start: datetime, seconds: int, gaps: list[tuple[datetime, int]]
) -> None:
    pauses = [(a, a + timedelta(minutes=m)) for a, m in gaps]
    due = DESK.add_with_pauses(start, seconds, pauses)

    def counted(until: datetime) -> float:
        # Business time from start to `until`, minus the business time inside the (merged) pauses.
        merged: list[list[datetime]] = []
        for a, b in sorted(
            (max(a, start), min(b, until)) for a, b in pauses if b > start and a < until
        ):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return reference_between(DESK, start, until) - sum(
            reference_between(DESK, a, b) for a, b in merged
        )

    assert counted(due) == seconds
    if seconds:
        assert counted(due - timedelta(microseconds=1)) < seconds
