"""What-if: the period's tickets replayed, from their events, under the current profile and under
another one, side by side.

The records are read in chunks (one query per chunk of tickets) and replayed by the pure
`tierdesk.domain.what_if`; with `workers` > 1 the chunks are replayed in parallel processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from tierdesk import profiles
from tierdesk.domain import sla, what_if
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.clocks import clock_events_of
from tierdesk.persistence.models import Ticket, User
from tierdesk.queries.reports import Period, scoped

CHUNK = 2000


def _records(actor: User | None, period: Period) -> Iterator[list[list[sla.ClockEvent]]]:
    ids = list(
        scoped(actor, Ticket.objects.all(), "pk")
        .filter(opened_at__gte=period.start, opened_at__lt=period.end)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        records = clock_events_of(chunk)
        yield [records[t] for t in chunk if t in records]


def _replay(
    args: tuple[list[list[sla.ClockEvent]], str, str, datetime],
) -> tuple[what_if.Tally, what_if.Tally]:
    records, current, other, now = args
    return what_if.replay(records, profiles.load(current), profiles.load(other), now)


def compare(
    actor: User | None,
    period: Period,
    current_ref: str,
    other_ref: str,
    now: datetime,
    *,
    workers: int = 1,
) -> tuple[what_if.Tally, what_if.Tally]:
    """Outcomes of the period's tickets under the `current_ref` profile and under `other_ref`
    (names of shipped profiles or paths to profile files), as of `now`."""
    current, other = profiles.load(current_ref), profiles.load(other_ref)
    mine, theirs = what_if.Tally(), what_if.Tally()
    if workers <= 1:
        for records in _records(actor, period):
            a, b = what_if.replay(records, current, other, now)
            mine.merge(a)
            theirs.merge(b)
        return mine, theirs
    jobs = ((records, current_ref, other_ref, now) for records in _records(actor, period))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for a, b in pool.map(_replay, jobs):
            mine.merge(a)
            theirs.merge(b)
    return mine, theirs


def side_by_side(
    current: Profile, other: Profile, mine: what_if.Tally, theirs: what_if.Tally
) -> list[dict[str, Any]]:
    """One row per (severity, target) of either profile: counts and share met under each."""
    t = what_if.translation(current, other)
    rows = []
    keys = sorted(set(mine.counts) | {(s, g) for s, g in theirs.counts})
    seen = set()
    for severity, target in keys:
        if severity not in current.severities:
            continue
        theirs_key = (t.severity(severity), target)
        seen.add(theirs_key)
        a = mine.counts.get((severity, target), {})
        b = theirs.counts.get(theirs_key, {})
        rows.append(
            {
                "severity": severity,
                "other_severity": theirs_key[0],
                "target": target,
                "current_met": a.get("met", 0),
                "current_breached": a.get("breached", 0),
                "current_share_met": _share(mine.share_met(severity, target)),
                "other_met": b.get("met", 0),
                "other_breached": b.get("breached", 0),
                "other_share_met": _share(theirs.share_met(*theirs_key)),
            }
        )
    for key in sorted(set(theirs.counts) - seen):
        b = theirs.counts[key]
        rows.append(
            {
                "severity": None,
                "other_severity": key[0],
                "target": key[1],
                "current_met": None,
                "current_breached": None,
                "current_share_met": None,
                "other_met": b["met"],
                "other_breached": b["breached"],
                "other_share_met": _share(theirs.share_met(*key)),
            }
        )
    return rows


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
