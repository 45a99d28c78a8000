"""A supplier's own calendar as a hand-off records it (and the what-if reads it): its zone, its
weekly hours and its country's public holidays, looked up in the `holidays` package."""

from __future__ import annotations

from datetime import date
from typing import Any

from tierdesk import profiles
from tierdesk.persistence.models import SupportTerms


def own_calendar_spec(terms: SupportTerms, on: date) -> dict[str, Any] | None:
    """The supplier's own calendar as a hand-off records it: zone, weekly hours and its country's
    holidays this year and next (so the record alone replays the OLA)."""
    if not terms.time_zone:
        return None
    days: list[str] = []
    if terms.holiday_country:
        country, _sep, region = terms.holiday_country.partition("-")
        try:
            found = profiles.public_holidays(country, region or None, (on.year, on.year + 1))
        except (KeyError, NotImplementedError, ValueError, AttributeError):
            found = {}
        days = sorted(d.isoformat() for d in found)
    return {"timezone": terms.time_zone, "hours": terms.hours or "24x7", "holidays": days}
