"""Each SLA target of a ticket as of now, in figures and in words, for the API and the pages."""

from __future__ import annotations

from typing import Any

from tierdesk import clock, profiles
from tierdesk.domain import sla
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.models import Ticket


def ticket_sla(ticket: Ticket, record: list[sla.ClockEvent] | None = None) -> list[dict[str, Any]]:
    """Each target's clock as of now, replayed from the whole record (internal events included)."""
    profile = profiles.for_ticket(ticket.profile)
    state = sla.clocks(profile, record if record is not None else clock_events(ticket), clock.now())
    out = []
    for t in state.targets:
        zone = profile.calendars.get(t.calendar, profile.calendars[profile.default_calendar]).zone
        text = {
            "running": f"due by {t.due.astimezone(zone):%a %d %b %H:%M}" if t.due else "running",
            "paused": "paused",
            "met": f"met at {t.met_at.astimezone(zone):%a %d %b %H:%M}" if t.met_at else "met",
            "breached": f"breached at {t.breached_at.astimezone(zone):%a %d %b %H:%M}"
            if t.breached_at
            else "breached",
            "not_guaranteed": "no guaranteed time for this language",
            "not_started": f"starts {t.started_at.astimezone(zone):%a %d %b %H:%M}"
            if t.started_at
            else "not started",
        }[t.state]
        out.append(
            {
                "target": t.key,
                "label": t.label,
                "kind": t.kind,
                "state": t.state,
                "calendar": t.calendar,
                "due": t.due,
                "due_text": f"{t.label} {text}",
                "used_seconds": t.used_seconds,
                "limit_seconds": t.limit_seconds,
                "met_at": t.met_at,
                "breached_at": t.breached_at,
                "why": t.why,
            }
        )
    return out
