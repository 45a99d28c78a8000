"""Process verbs: resolve with a solution, confirm, ask a question or for confirmation, reject an
invalid ticket, and escalate to management. Each is atomic and records its events in order."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append
from tierdesk.actions.tickets import _party
from tierdesk.domain import due, escalation, process
from tierdesk.domain.errors import Forbidden
from tierdesk.domain.parties import Party
from tierdesk.domain.ticket import Change
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.mapping import state_of
from tierdesk.persistence.models import Event, Ticket, User
from tierdesk.queries.tickets import get_ticket


def _locked(actor: User, number: str, now: datetime) -> Ticket:
    ticket = get_ticket(actor, number, for_update=True)
    record_due(ticket, now)
    return ticket


def _append_all(
    ticket: Ticket, changes: tuple[Change, ...], *, actor: User | None, now: datetime
) -> Event:
    first = None
    for change in changes:
        event = append(ticket, change, actor=actor, now=now)
        first = first or event
    assert first is not None
    return first


def resolve(*, actor: User, number: str, solution: str, now: datetime) -> Event:
    party = _party(actor)
    with transaction.atomic():
        ticket = _locked(actor, number, now)
        profile = profiles.for_ticket(ticket.profile)
        changes = process.resolve_with_solution(
            profile, state_of(ticket), solution=solution, party=party
        )
        return _append_all(ticket, changes, actor=actor, now=now)


def confirm(*, actor: User, number: str, now: datetime) -> Event:
    party = _party(actor)
    with transaction.atomic():
        ticket = _locked(actor, number, now)
        change = process.confirm_resolution(
            profiles.for_ticket(ticket.profile), state_of(ticket), party=party
        )
        return append(ticket, change, actor=actor, now=now)


def ask(*, actor: User, number: str, body: str, confirmation: bool, now: datetime) -> Event:
    party = _party(actor)
    with transaction.atomic():
        ticket = _locked(actor, number, now)
        changes = process.ask(
            profiles.for_ticket(ticket.profile),
            state_of(ticket),
            text=body,
            party=party,
            confirmation=confirmation,
        )
        return _append_all(ticket, changes, actor=actor, now=now)


def reject(*, actor: User, number: str, reason: str, note: str = "", now: datetime) -> Event:
    party = _party(actor)
    with transaction.atomic():
        ticket = _locked(actor, number, now)
        changes = process.reject(
            profiles.for_ticket(ticket.profile),
            state_of(ticket),
            reason=reason,
            note=note,
            party=party,
        )
        return _append_all(ticket, changes, actor=actor, now=now)


def escalate_management(*, actor: User, number: str, reason: str, now: datetime) -> Event:
    party = _party(actor)
    with transaction.atomic():
        ticket = _locked(actor, number, now)  # an unknown ticket is NotFound before anything else
        if party not in (Party.REQUESTER, Party.PROVIDER):
            raise Forbidden("management escalation is for the requester and the provider")
        profile = profiles.for_ticket(ticket.profile)
        events = clock_events(ticket)
        plan = due.plan(profile, events, now)
        change = escalation.management_escalation(
            profile, events, plan.clocks, now=now, reason=reason
        )
        return append(ticket, change, actor=actor, now=now)
