"""Appending to a ticket's record: the only place events are written and the projection saved."""

from __future__ import annotations

from datetime import datetime

from tierdesk import profiles
from tierdesk.actions.notify import enqueue
from tierdesk.domain import due, sla
from tierdesk.domain import ticket as decide
from tierdesk.domain.events import GENESIS, event_hash
from tierdesk.persistence.clocks import clock_events, store_targets
from tierdesk.persistence.mapping import state_of, write_state
from tierdesk.persistence.models import Event, Ticket, User


def append(ticket: Ticket, change: decide.Change, *, actor: User | None, now: datetime) -> Event:
    """Record `change` as the ticket's next event, fold it into the row and save both.

    Must run inside the transaction that holds the ticket row's lock (or creates the row), so
    sequence numbers and the hash chain never fork. The clocks and the next deadline are
    replayed from the whole record, the new event included, in the same transaction.
    """
    decide.check_data(change)
    creating = ticket.pk is None
    seq = 1 if creating else ticket.event_count + 1
    prev = GENESIS if creating else ticket.last_hash
    # The record stays chronological even if two workers' clocks disagree by a little.
    if not creating and now < ticket.updated_at:
        now = ticket.updated_at
    actor_ref = str(actor.pk) if actor is not None else None
    digest = event_hash(
        ticket=ticket.number,
        seq=seq,
        at=now,
        actor=actor_ref,
        kind=change.kind.value,
        public=change.public,
        data=change.data,
        prev_hash=prev,
    )
    state = None if creating else state_of(ticket)
    write_state(ticket, decide.apply(state, change.kind.value, change.data))
    ticket.event_count = seq
    ticket.last_hash = digest
    ticket.updated_at = now
    history = [] if creating else clock_events(ticket)
    events = [*history, sla.ClockEvent(now, change.kind.value, change.data, change.public, seq)]
    plan = due.plan(profiles.for_ticket(ticket.profile), events, now)
    ticket.next_deadline = plan.next_deadline
    ticket.save()
    event = Event.objects.create(
        ticket=ticket,
        seq=seq,
        at=now,
        actor=actor,
        kind=change.kind.value,
        public=change.public,
        data=dict(change.data),
        prev_hash=prev,
        hash=digest,
    )
    store_targets(ticket, plan.clocks, created=creating)
    enqueue(ticket, event, now=now)
    return event
