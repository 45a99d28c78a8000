"""Process verbs: resolve with a solution, confirm, ask a question or for confirmation, reject an
invalid ticket, and escalate to management. Each is atomic and records its events in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import tickets
from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append_many
from tierdesk.actions.tickets import _party
from tierdesk.domain import due, escalation, process, requester_authority
from tierdesk.domain.errors import Forbidden
from tierdesk.domain.parties import Party
from tierdesk.domain.profiles import Profile
from tierdesk.domain.ticket import Change
from tierdesk.domain.words import N_
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.mapping import state_of
from tierdesk.persistence.models import Event, Ticket, User
from tierdesk.queries.tickets import get_ticket

Verb = Callable[[Ticket, Profile, Party], Sequence[Change]]


def _run(actor: User, number: str, now: datetime, verb: Verb) -> Event:
    """Lock the ticket (an unknown one is NotFound first), record what fell due, let the domain
    decide, and record its changes together; the first new event is returned."""
    party = _party(actor)
    with transaction.atomic():
        ticket = get_ticket(actor, number, for_update=True)
        record_due(ticket, now)
        profile = profiles.for_ticket(ticket.profile)
        changes = verb(ticket, profile, party)
        opening = process.first_work(profile, state_of(ticket), changes, party=party)
        if opening is not None:  # New -> Open first, then the work decided on the Open ticket
            append_many(ticket, [(opening, now)], actor=actor, now=now)
            changes = verb(ticket, profile, party)
        return append_many(ticket, [(c, now) for c in changes], actor=actor, now=now)[0]


def resolve(
    *, actor: User, number: str, solution: str, now: datetime, any_language: bool = False
) -> Event:
    """Resolve with the solution as the desk's public reply (in the reply language, unless
    `any_language` says to send it anyway)."""

    def verb(t: Ticket, pr: Profile, pa: Party) -> list[Change]:
        tickets.check_reply_language(pr, pa, solution, any_language, "solution")
        return list(process.resolve_with_solution(pr, state_of(t), solution=solution, party=pa))

    return _run(actor, number, now, verb)


def confirm(*, actor: User, number: str, now: datetime) -> Event:
    return _run(
        actor,
        number,
        now,
        lambda t, pr, pa: [process.confirm_resolution(pr, state_of(t), party=pa)],
    )


def ask(*, actor: User, number: str, body: str, confirmation: bool, now: datetime) -> Event:
    return _run(
        actor,
        number,
        now,
        lambda t, pr, pa: process.ask(
            pr, state_of(t), text=body, party=pa, confirmation=confirmation
        ),
    )


def reject(*, actor: User, number: str, reason: str, note: str = "", now: datetime) -> Event:
    return _run(
        actor,
        number,
        now,
        lambda t, pr, pa: process.reject(pr, state_of(t), reason=reason, note=note, party=pa),
    )


def escalate_management(*, actor: User, number: str, reason: str, now: datetime) -> Event:
    def verb(ticket: Ticket, profile: Profile, party: Party) -> list[Change]:
        if party not in (Party.REQUESTER, Party.PROVIDER):
            raise Forbidden(N_("management escalation is for the requester and the provider"))
        events = clock_events(ticket)
        clocks = due.plan(profile, events, now).clocks
        return [escalation.management_escalation(profile, events, clocks, now=now, reason=reason)]

    return _run(actor, number, now, verb)


def record_contact_attempt(*, actor: User, number: str, note: str, now: datetime) -> Event:
    """Zynstra: the desk tried to reach the management step the ticket is escalated to."""

    def verb(ticket: Ticket, profile: Profile, party: Party) -> list[Change]:
        if party is not Party.PROVIDER:
            raise Forbidden(N_("contact attempts are recorded by the desk"))
        return [escalation.contact_attempt(profile, clock_events(ticket), note=note)]

    return _run(actor, number, now, verb)


def validate_authority(
    *, actor: User, number: str, authorised: bool, note: str = "", now: datetime
) -> Event:
    """Zynstra first level: the desk validates a requester's authority for the end-customer
    account; without it the ticket is rejected (no_authority)."""

    def verb(ticket: Ticket, profile: Profile, party: Party) -> list[Change]:
        history = ticket.clock_history if ticket.clock_history is not None else clock_events(ticket)
        awaiting = requester_authority.awaiting_validation((e.kind, e.data) for e in history)
        return requester_authority.validate(
            profile,
            state_of(ticket),
            account=(ticket.customer_account.slug, ticket.customer_account.name)
            if ticket.customer_account
            else ("", ""),
            requester=ticket.requester.email if ticket.requester else "",
            authorised=authorised,
            note=note,
            party=party,
            awaiting=awaiting,
        )

    return _run(actor, number, now, verb)


def reopen(*, actor: User, number: str, body: str, now: datetime) -> Event:
    """The partner's "not solved": its message and the reopening together, or neither."""
    with transaction.atomic():
        get_ticket(actor, number)  # an unseen ticket is NotFound before anything else
        if _party(actor) is not Party.REQUESTER:
            raise Forbidden(
                N_("the requester reopens a resolved ticket; the desk changes its status")
            )
        event = tickets.add_reply(actor=actor, number=number, body=body, now=now)
        ticket = get_ticket(actor, event.ticket.number, for_update=True)
        change = process.requester_reopen(profiles.for_ticket(ticket.profile), state_of(ticket))
        if change is not None:  # the desk's doing, as when a reply reopens it
            append_many(ticket, [(change, now)], actor=None, now=now)
        return event
