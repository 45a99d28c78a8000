"""Reading a ticket's record as clock events, and storing the clocks' figures beside it."""

from __future__ import annotations

from tierdesk.domain import sla
from tierdesk.persistence.models import Event, Ticket, TicketTarget


def clock_events(ticket: Ticket) -> list[sla.ClockEvent]:
    rows = (
        Event.objects.filter(ticket_id=ticket.pk)
        .order_by("seq")
        .values_list("at", "kind", "data", "public", "seq")
    )
    return [sla.ClockEvent(at, kind, data, public, seq) for at, kind, data, public, seq in rows]


def store_targets(ticket: Ticket, state: sla.ClockState, *, created: bool) -> None:
    rows = [
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
        )
        for t in state.targets
    ]
    if not created:
        TicketTarget.objects.filter(ticket=ticket).delete()
    TicketTarget.objects.bulk_create(rows)
