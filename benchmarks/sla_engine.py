"""Due-instant arithmetic on the LuxCloud calendar, against businesstimedelta and pandas.

One call at a time: aware datetimes in (Europe/Luxembourg), the instant `hours` business hours
later out, for Tierdesk's Calendar.add, businesstimedelta and pandas' CustomBusinessHour, on the
same (start, duration) pairs; the three answers are compared. In bulk: 1,000,000 pairs through
Calendar.add_many after a holiday is added (the table rebuilt, then every due instant recomputed).

    make bench-deps && .venv/bin/python benchmarks/sla_engine.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import numpy as np
import pandas as pd
import pytz

from tierdesk.domain.calendars import from_us, to_us
from tierdesk.profiles import load

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

LUX = ZoneInfo("Europe/Luxembourg")
PYTZ_LUX = pytz.timezone("Europe/Luxembourg")  # businesstimedelta works with pytz zones


def pairs(n: int, seed: int = 1) -> list[tuple[datetime, int]]:
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=LUX)
    out = []
    for _ in range(n):
        start = base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        out.append((start, rng.randrange(1, 46)))  # 1 hour to 5 business days, whole hours
    return out


def timed(fn, items):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    results = [fn(s, h) for s, h in items]
    return time.perf_counter() - start, results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--bulk", type=int, default=1_000_000)
    args = parser.parse_args()

    desk = load("luxcloud").calendars["desk"]
    holidays = sorted(d for d in desk.holidays if 2025 <= d.year <= 2028)
    items = pairs(args.calls)
    desk.add(items[0][0], 3600)  # build the table once, outside the timing

    ours_t, ours = timed(lambda s, h: desk.add(s, h * 3600), items)

    rules = btd.Rules(
        [
            btd.WorkDayRule(
                start_time=datetime.min.time().replace(hour=8),
                end_time=datetime.min.time().replace(hour=17),
                working_days=[0, 1, 2, 3, 4],
                tz=PYTZ_LUX,
            ),
            btd.HolidayRule(holidays, tz=PYTZ_LUX),
        ]
    )

    def with_btd(start: datetime, hours: int) -> datetime:
        return start + btd.BusinessTimeDelta(rules, hours=hours)

    btd_t, btd_r = timed(with_btd, items)

    offsets = {
        h: pd.offsets.CustomBusinessHour(n=h, start="08:00", end="17:00", holidays=holidays)
        for h in range(1, 46)
    }

    def with_pandas(start: datetime, hours: int) -> datetime:
        return (pd.Timestamp(start) + offsets[hours]).to_pydatetime()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd_t, pd_r = timed(with_pandas, items)

    def agree(results: list[datetime]) -> int:
        return sum(a == b for a, b in zip(ours, results, strict=True))

    # Bulk: add a holiday (a new calendar, so its table is rebuilt) and recompute every due instant.
    rng = np.random.default_rng(2)
    lo, hi = to_us(datetime(2026, 1, 1, tzinfo=LUX)), to_us(datetime(2027, 1, 1, tzinfo=LUX))
    starts = rng.integers(lo, hi, args.bulk, dtype=np.int64)
    durations = rng.integers(1, 46 * 60, args.bulk, dtype=np.int64) * 60_000_000
    t0 = time.perf_counter()
    changed = dataclasses.replace(desk, holidays=desk.holidays | {date(2026, 7, 14)}, _cache={})
    changed.add_us(lo, 1)
    t1 = time.perf_counter()
    due = changed.add_many(starts, durations)
    t2 = time.perf_counter()
    sample = rng.integers(0, args.bulk, 1000)
    bulk_ok = all(changed.add_us(int(starts[i]), int(durations[i])) == int(due[i]) for i in sample)

    per = {
        "tierdesk Calendar.add": ours_t,
        "businesstimedelta": btd_t,
        "pandas CustomBusinessHour": pd_t,
    }
    faster = min(btd_t, pd_t)
    print(machine(f"pandas {pd.__version__}", f"numpy {np.__version__}"))
    print(
        f"workload: {args.calls} (start, whole hours 1-45) pairs in 2026, LuxCloud desk calendar "
        "(Mon-Fri 08:00-17:00 Europe/Luxembourg, Luxembourg holidays), aware datetimes in and out\n"
    )
    print("| one call at a time | calls/s | µs per call | same answer as tierdesk |")
    print("|---|---:|---:|---:|")
    results = {
        "tierdesk Calendar.add": ours,
        "businesstimedelta": btd_r,
        "pandas CustomBusinessHour": pd_r,
    }
    for name, seconds in per.items():
        print(
            f"| {name} | {args.calls / seconds:,.0f} | {seconds / args.calls * 1e6:.1f} | "
            f"{agree(results[name])} / {args.calls} |"
        )
    print(f"\ntierdesk per call vs the faster of the two: {faster / ours_t:.1f}x (aim: >= 30x)")
    print(
        f"\nbulk: {args.bulk:,} due instants after adding a holiday: table rebuilt in {t1 - t0:.3f} s, "
        f"recomputed in {t2 - t1:.3f} s, total {t2 - t0:.3f} s (aim: < 1 s); "
        f"1000 sampled against one-at-a-time: {'equal' if bulk_ok else 'DIFFERENT'}"
    )
    first = from_us(int(due[0])).astimezone(LUX)
    print(
        f"(first bulk answer: {from_us(int(starts[0])).astimezone(LUX):%a %d %b %H:%M} + "
        f"{durations[0] / 3.6e9:.2f}h -> {first:%a %d %b %H:%M})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
