"""Recording what the clock makes happen: SLA warnings and breaches, timed resolution and closure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tierdesk import profiles
from tierdesk.actions import supplier_mail
from tierdesk.actions.record import Prepared, prepare, write
from tierdesk.domain import due, sla
from tierdesk.domain.events import EventKind
from tierdesk.domain.ticket import Change
from tierdesk.persistence.clocks import clock_events_of
from tierdesk.persistence.models import Event, Ticket

MAX_ROUNDS = 50
SLA_KINDS = ("sla_warning", "sla_breach")


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


def _round(ticket: Ticket, history: list[sla.ClockEvent], now: datetime) -> Prepared | due.Plan:
    """The outcomes due now that can be recorded together: a run of warnings and breaches (which
    leave the clocks as they are), ended by at most one timed status change; or, when nothing is
    due, the plan that says so."""
    profile = profiles.for_ticket(ticket.profile)
    plan = due.plan(profile, history, now)
    if not plan.due:
        return plan
    batch: list[due.Outcome] = []
    for outcome in plan.due:
        batch.append(outcome)
        if outcome.kind not in SLA_KINDS:
            break
    message = profile.closure.resolved_message if profile.closure else ""
    changes: list[tuple[Change, datetime]] = []
    keys: list[str | None] = []
    ola_due = next((t.due for t in plan.clocks.targets if t.key == "supplier"), None)
    for o in batch:
        if o.kind == "auto_resolve" and message:
            # LuxCloud 2.4.3: a timed resolution (c, d) leaves the same message as a manual one.
            reply = Change(EventKind.REPLY, {"body": message, "by": "system"}, public=True)
            changes.append((reply, o.at))
            keys.append(None)
        changes.append((_change(o, ticket.status), o.at))
        keys.append(o.key)
        if o.kind == "sla_warning" and o.data.get("target") == "supplier":
            # The OLA warning chases the supplier, once: the warning's outcome key is recorded
            # once (AutomaticOutcome), and the chase is written with it.
            chased = supplier_mail.chase(ticket, due_at=ola_due)
            if chased is not None:
                changes.append((Change(EventKind.SUPPLIER_CHASED, chased, public=False), o.at))
                keys.append(None)
    return prepare(ticket, changes, actor=None, now=now, history=history, outcome_keys=keys)


def record_due(ticket: Ticket, now: datetime) -> list[Event]:
    """Record, in order, every automatic outcome of `ticket` due by `now`; return the new events.

    The caller holds the ticket row's lock. Each outcome is recorded at its own due instant (or,
    if the record has already moved past it, at the record's last instant, with `due_at` kept).
    """
    history = clock_events_of([ticket.pk])[ticket.pk]
    recorded: list[Event] = []
    for _ in range(MAX_ROUNDS):
        prepared = _round(ticket, history, now)
        if not isinstance(prepared, Prepared):
            break
        write([prepared], now=now)
        recorded += prepared.events
    ticket.clock_history = history  # the action that follows appends to the same record
    return recorded


def record_due_together(tickets: Sequence[Ticket], now: datetime) -> int:
    """One round for each of several locked tickets, written together; returns the events recorded.

    A ticket with more due after its round (a timed closure after a timed resolution) keeps a
    next deadline in the past and is taken again by the caller's next claim.
    """
    histories = clock_events_of(t.pk for t in tickets)
    batch: list[Prepared] = []
    for ticket in tickets:
        result = _round(ticket, histories[ticket.pk], now)
        if isinstance(result, Prepared):
            batch.append(result)
        elif result.next_deadline != ticket.next_deadline:
            # Nothing due after all (the record changed since the deadline was stored): store the
            # right one, so the ticket is not claimed again for nothing.
            later = (
                result.next_deadline
                if result.next_deadline is None or result.next_deadline >= now
                else None
            )
            Ticket.objects.filter(pk=ticket.pk).update(next_deadline=later)
    if batch:
        write(batch, now=now)
    return sum(len(p.events) for p in batch)


def put_off(ticket: Ticket, *, until: datetime) -> None:
    """Set a ticket's next deadline to `until` without recording anything: the sweep's retry
    of a ticket it failed on."""
    Ticket.objects.filter(pk=ticket.pk).update(next_deadline=until)
