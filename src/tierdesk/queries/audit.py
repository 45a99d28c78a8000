"""Verifying the indelible record: every ticket's hash chain, and that its row matches its events.

A live desk keeps writing while this reads, so each ticket's row and its events are read in one
snapshot: batches of tickets in one REPEATABLE READ, READ ONLY transaction on PostgreSQL; on
SQLite in one transaction, which takes the write lock the writers take (short: one batch). Read
in separate statements, a reply recorded between the two reads would look like a broken chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

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


BATCH = 200


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for the reads inside (see the module's note). Inside
    a caller's transaction, that transaction is the view."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _check(ticket: Ticket, rows: list[Event]) -> ChainBreak | None:
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
    return broken


def verify(number: str | None = None) -> AuditResult:
    """Recompute the chains (of one ticket, or all) and stop at the first broken link.

    This reads every ticket regardless of tenant: it is the operator's tool, run from the CLI.
    """
    tickets = Ticket.objects.order_by("id")
    if number is not None:
        tickets = tickets.filter(number=number)
    checked = events = 0
    after = 0
    while True:
        with _snapshot():
            batch = list(tickets.filter(id__gt=after)[:BATCH])
            for ticket in batch:
                rows = list(_records(ticket))
                events += len(rows)
                checked += 1
                broken = _check(ticket, rows)
                if broken is not None:
                    return AuditResult(checked, events, broken)
        if len(batch) < BATCH:
            return AuditResult(checked, events, None)
        after = batch[-1].pk
