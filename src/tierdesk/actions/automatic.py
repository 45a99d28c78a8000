"""Recording what the clock makes happen: SLA warnings and breaches, timed resolution and closure."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction

from tierdesk import profiles
from tierdesk.actions.record import append
from tierdesk.domain import due
from tierdesk.domain.events import EventKind
from tierdesk.domain.ticket import Change
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.models import AutomaticOutcome, Event, Ticket

MAX_OUTCOMES_PER_CALL = 100
log = logging.getLogger(__name__)


def _change(outcome: due.Outcome, status: str) -> Change:
    if outcome.kind == "sla_warning":
        return Change(EventKind.SLA_WARNING, dict(outcome.data), public=False)
    if outcome.kind == "sla_breach":
        return Change(EventKind.SLA_BREACH, dict(outcome.data), public=False)
    data = {
        "from": status,
        "to": outcome.data["to"],
        "reason": outcome.data["reason"],
        "by": "system",
        "due_at": outcome.at.isoformat(),
    }
    return Change(EventKind.STATUS_CHANGED, data, public=True)


def record_due(ticket: Ticket, now: datetime) -> list[Event]:
    """Record, in order, every automatic outcome of `ticket` due by `now`; return the new events.

    The caller holds the ticket row's lock. Each outcome is recorded at its own due instant (or,
    if the record has already moved past it, at the record's last instant, with `due_at` kept).
    """
    recorded: list[Event] = []
    profile = profiles.for_ticket(ticket.profile)
    for _ in range(MAX_OUTCOMES_PER_CALL):
        plan = due.plan(profile, clock_events(ticket), now)
        if not plan.due:
            break
        outcome = plan.due[0]
        try:
            with transaction.atomic():
                marker = AutomaticOutcome.objects.create(
                    ticket=ticket, key=outcome.key, recorded_at=now
                )
        except IntegrityError:
            # Recorded before, yet absent from the record: only tampering does that. Never record
            # it twice; stop here and let `tierdesk audit verify` tell.
            log.error(
                "outcome %s of %s is marked recorded but missing from its record",
                outcome.key,
                ticket.number,
            )
            break
        event = append(ticket, _change(outcome, ticket.status), actor=None, now=outcome.at)
        AutomaticOutcome.objects.filter(pk=marker.pk).update(event=event)
        recorded.append(event)
    return recorded
