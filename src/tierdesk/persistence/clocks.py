"""Reading a ticket's record as clock events, and the rows that keep its clocks' figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tierdesk.domain import sla
from tierdesk.persistence.models import Event, Ticket, TicketTarget


def clock_events(ticket: Ticket) -> list[sla.ClockEvent]:
    return clock_events_of([ticket.pk])[ticket.pk]


def clock_events_of(ticket_ids: Iterable[int]) -> dict[int, list[sla.ClockEvent]]:
    """The records of several tickets in one query, each in order."""
    out: dict[int, list[sla.ClockEvent]] = defaultdict(list)
    rows = (
        Event.objects.filter(ticket_id__in=list(ticket_ids))
        .order_by("ticket_id", "seq")
        .values_list("ticket_id", "at", "kind", "data", "public", "seq")
    )
    for ticket_id, at, kind, data, public, seq in rows:
        out[ticket_id].append(sla.ClockEvent(at, kind, data, public, seq))
    return out


def target_rows(ticket: Ticket, state: sla.ClockState) -> list[TicketTarget]:
    return [
        TicketTarget(
            ticket=ticket,
            target=t.key,
            kind=t.kind,
            calendar=t.calendar,
            state=t.state,
            limit_seconds=t.limit_seconds,
            used_seconds=t.used_seconds,
            started_at=t.started_at,
            due=t.due,
            met_at=t.met_at,
            breached_at=t.breached_at,
            stopped_at=t.stopped_at,
            severity=ticket.severity,
            opened_at=ticket.opened_at,
        )
        for t in state.targets
    ]
