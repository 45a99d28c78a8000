"""The one mapping between stored rows and domain values."""

from __future__ import annotations

from tierdesk.domain.events import EventRecord
from tierdesk.domain.ticket import TicketState
from tierdesk.persistence.models import Event, Ticket


def state_of(ticket: Ticket) -> TicketState:
    return TicketState(
        subject=ticket.subject,
        status=ticket.status,
        severity=ticket.severity,
        queue=ticket.queue,
        level=ticket.level,
        language=ticket.language,
        channel=ticket.channel,
        assignee=str(ticket.assignee_id) if ticket.assignee_id is not None else None,
        supplier=ticket.supplier or None,
    )


def write_state(ticket: Ticket, state: TicketState) -> None:
    ticket.subject = state.subject
    ticket.status = state.status
    ticket.severity = state.severity
    ticket.queue = state.queue
    ticket.level = state.level
    ticket.language = state.language
    ticket.channel = state.channel
    ticket.assignee_id = int(state.assignee) if state.assignee is not None else None
    ticket.supplier = state.supplier or ""


def record_of(event: Event, number: str) -> EventRecord:
    return EventRecord(
        ticket=number,
        seq=event.seq,
        at=event.at,
        actor=str(event.actor_id) if event.actor_id is not None else None,
        kind=event.kind,
        public=event.public,
        data=event.data,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )
