"""Reading an instant or a day someone typed: ISO 8601, bounded years.

One rule for a time written without a zone, on every edge (pages, API, CLI): it is the writer's
own time, read in their zone (their account's setting, else the desk's); `aware` applies it."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from tierdesk.domain.errors import Invalid
from tierdesk.domain.words import N_

# Far enough for any ticket, report or maintenance window; near enough that adding a day or a
# year of business time never leaves the calendar.
EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)


def aware(value: datetime, zone: tzinfo) -> datetime:
    """`value` as an instant: a time without a zone is the writer's, read in `zone`."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def read_instant(text: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 date and time (a page's datetime-local field, or one with its offset), or
    None when the text is not one or falls outside the bounded years. A time without a zone is
    read in `zone`, the writer's (see `aware`)."""
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    if not EARLIEST <= value.date() <= LATEST:
        return None
    return aware(value, zone)


def check_days(first: date, last: date) -> None:
    """Invalid, naming `from` or `to`, for a period of days outside the bounded years."""
    if first < EARLIEST:
        raise Invalid(
            N_("the period starts too early"),
            fields={"from": N_("is before %(EARLIEST)s", EARLIEST=EARLIEST)},
        )
    if last > LATEST:
        raise Invalid(
            N_("the period ends too late"), fields={"to": N_("is after %(LATEST)s", LATEST=LATEST)}
        )
