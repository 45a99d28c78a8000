"""Verifying the indelible record: every ticket's hash chain, and that its row matches its events.

It also says what was done to the record on purpose: the re-chainings a migration made (when,
how many, from which heads; each ticket's head then must still be in its chain) and every
redaction (which event, who, when, why). They are reported, never hidden.

A live desk keeps writing while this reads, so each ticket's row and its events are read in one
snapshot: batches of tickets in one REPEATABLE READ, READ ONLY transaction on PostgreSQL; on
SQLite in one transaction, which takes the write lock the writers take (short: one batch). Read
in separate statements, a reply recorded between the two reads would look like a broken chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from tierdesk.domain import ticket as decide
from tierdesk.domain.events import ChainBreak, EventKind, verify_chain
from tierdesk.persistence.mapping import record_of, state_of
from tierdesk.persistence.models import Event, RechainedHead, Rechaining, Ticket


@dataclass(frozen=True)
class RedactionSeen:
    ticket: str
    seq: int  # the redaction event
    event: int  # the event whose content it removed
    part: str
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class RechainingSeen:
    migration: str
    at: datetime
    tickets: int
    events: int
    left_broken: int
    previous_heads: str
    # With one ticket asked for: its head before and after, and at which event.
    head: tuple[int, str, str] | None = None


@dataclass(frozen=True)
class AuditResult:
    tickets: int
    events: int
    broken: ChainBreak | None
    rechainings: list[RechainingSeen] = field(default_factory=list)
    redactions: list[RedactionSeen] = field(default_factory=list)


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


def _check(
    ticket: Ticket, rows: list[Event], heads: list[RechainedHead] | None = None
) -> ChainBreak | None:
    broken = verify_chain(
        ticket.number, (record_of(e, ticket.number) for e in rows), head=ticket.last_hash
    )
    for head in heads or ():
        if not head.head:
            return ChainBreak(
                ticket.number,
                1,
                f"its chain was already broken at the re-chaining of migration "
                f"{head.rechaining.migration}, and left as found",
            )
        if broken is None and (len(rows) < head.seq or rows[head.seq - 1].hash != head.head):
            broken = ChainBreak(
                ticket.number, head.seq, "its hash is not the head its re-chaining recorded"
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
    rechainings = _rechainings(number)
    redactions = _redactions(number)
    while True:
        with _snapshot():
            batch = list(tickets.filter(id__gt=after)[:BATCH])
            heads: dict[int, list[RechainedHead]] = {}
            for head in (
                RechainedHead.objects.filter(ticket__in=batch)
                .select_related("rechaining")
                .order_by("id")
            ):
                heads.setdefault(head.ticket_id, []).append(head)
            for ticket in batch:
                rows = list(_records(ticket))
                events += len(rows)
                checked += 1
                broken = _check(ticket, rows, heads.get(ticket.pk))
                if broken is not None:
                    return AuditResult(checked, events, broken, rechainings, redactions)
        if len(batch) < BATCH:
            return AuditResult(checked, events, None, rechainings, redactions)
        after = batch[-1].pk


def _rechainings(number: str | None) -> list[RechainingSeen]:
    seen = []
    for run in Rechaining.objects.order_by("at", "id"):
        head = None
        if number is not None:
            row = run.heads.filter(ticket__number=number).first()
            head = (row.seq, row.previous, row.head) if row is not None else None
        seen.append(
            RechainingSeen(
                run.migration,
                run.at,
                run.tickets,
                run.events,
                run.left_broken,
                run.previous_heads,
                head,
            )
        )
    return seen


def _redactions(number: str | None) -> list[RedactionSeen]:
    found = Event.objects.filter(kind=EventKind.REDACTED).select_related("ticket", "actor")
    if number is not None:
        found = found.filter(ticket__number=number)
    return [
        RedactionSeen(
            ticket=e.ticket.number,
            seq=e.seq,
            event=int(e.data.get("event", 0)),
            part=str(e.data.get("part", "")),
            by=e.actor.username if e.actor is not None else "the desk",
            at=e.at,
            reason=str(e.data.get("reason", "")),
        )
        for e in found.order_by("at", "id")
    ]
