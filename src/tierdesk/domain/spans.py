"""How long a ticket spent in each status and at each support level, in business time.

Reports read these spans from the database; they are derived from the record like the clocks,
so "time in status" counts the desk's opening hours, not nights and weekends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile
from tierdesk.domain.sla import CLOSED_CATEGORIES, ClockEvent


@dataclass(frozen=True)
class Span:
    dimension: str  # "status" or "level"
    value: str
    category: str  # the status's category; the level key for levels
    started_at: datetime
    ended_at: datetime | None  # None while the ticket is still there
    business_seconds: float  # up to ended_at, or up to `now` while open
    reopened: bool  # a status span entered from a resolved or closed status


def spans(profile: Profile, events: Sequence[ClockEvent], now: datetime) -> list[Span]:
    """Every status and level the ticket has been in, in order, with the business time spent.

    Status time counts on the profile's default calendar, level time on the level's calendar.
    Statuses or levels the profile no longer knows count on the default calendar.
    """
    if not events or events[0].kind != EventKind.CREATED:
        raise ValueError("a ticket's record starts with its 'created' event")
    created = events[0]
    default = profile.calendars[profile.default_calendar]

    def category(status: str) -> str:
        known = profile.statuses.get(status)
        return known.category if known else "open"

    def level_calendar(level: str) -> str:
        known = profile.levels.get(level)
        return known.calendar if known and known.calendar in profile.calendars else ""

    out: list[Span] = []
    status = (str(created.data["status"]), created.at, False)
    level = (str(created.data["level"]), created.at)

    def close_status(end: datetime | None) -> None:
        value, start, reopened = status
        out.append(
            Span(
                "status",
                value,
                category(value),
                start,
                end,
                default.business_seconds(start, max(start, end or now)),
                reopened,
            )
        )

    def close_level(end: datetime | None) -> None:
        value, start = level
        calendar = profile.calendars.get(level_calendar(value), default)
        out.append(
            Span(
                "level",
                value,
                value,
                start,
                end,
                calendar.business_seconds(start, max(start, end or now)),
                False,
            )
        )

    for event in events[1:]:
        if event.kind == EventKind.STATUS_CHANGED:
            to = str(event.data["to"])
            if to == status[0]:
                continue
            was_closed = category(status[0]) in CLOSED_CATEGORIES
            close_status(event.at)
            status = (to, event.at, was_closed and category(to) not in CLOSED_CATEGORIES)
        elif event.kind == EventKind.LEVEL_CHANGED:
            to = str(event.data["to"])
            if to == level[0]:
                continue
            close_level(event.at)
            level = (to, event.at)
    close_status(None)
    close_level(None)
    return out
