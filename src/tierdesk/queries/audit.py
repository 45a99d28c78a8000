"""Verifying the indelible record: every ticket's hash chain, and that its row matches its events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tierdesk.domain import ticket as decide
from tierdesk.domain.events import ChainBreak, verify_chain
from tierdesk.persistence.mapping import record_of, state_of
from tierdesk.persistence.models import Event, Ticket


@dataclass(frozen=True)
class AuditResult:
    tickets: int
    events: int
    broken: ChainBreak | None


def _records(ticket: Ticket) -> Iterator[Event]:
    return Event.objects.filter(ticket_id=ticket.pk).order_by("seq").iterator(chunk_size=2000)


def verify(number: str | None = None) -> AuditResult:
    """Recompute the chains (of one ticket, or all) and stop at the first broken link.

    This reads every ticket regardless of tenant: it is the operator's tool, run from the CLI.
    """
    tickets = Ticket.objects.order_by("id")
    if number is not None:
        tickets = tickets.filter(number=number)
    checked = events = 0
    for ticket in tickets.iterator(chunk_size=500):
        rows = list(_records(ticket))
        events += len(rows)
        checked += 1
        broken = verify_chain(
            ticket.number, (record_of(e, ticket.number) for e in rows), head=ticket.last_hash
        )
        if broken is None:
            state = None
            for event in rows:
                state = decide.apply(state, event.kind, event.data)
            if state != state_of(ticket):
                broken = ChainBreak(
                    ticket.number, len(rows), "the ticket row does not match its events"
                )
        if broken is not None:
            return AuditResult(checked, events, broken)
    return AuditResult(checked, events, None)
