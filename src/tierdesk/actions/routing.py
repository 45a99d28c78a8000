"""Agents' availability and routing new tickets to an available agent (the profile's `[routing]`).

Availability is the agent's own setting (persisted on the user, not a ticket event). Routing runs
inside the transaction that opens the ticket: the assignment is recorded as an internal
`assigned` event by the desk (no actor) naming the rule that chose the agent.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from tierdesk.actions.record import append
from tierdesk.domain import routing
from tierdesk.domain.errors import Forbidden
from tierdesk.domain.parties import Role
from tierdesk.domain.profiles import Profile
from tierdesk.domain.ticket import Change
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Ticket, User
from tierdesk.queries.availability import candidates


def set_availability(*, actor: User, available: bool) -> User:
    """An agent marks themselves available or away."""
    if not actor.is_active or actor.role != Role.AGENT:
        raise Forbidden(N_("only agents mark themselves available or away"))
    actor.away = not available
    actor.save(update_fields=["away"])
    return actor


def route_new(ticket: Ticket, profile: Profile, now: datetime) -> None:
    """Assign a new, unassigned ticket to an available agent of its level, if the profile's
    routing covers its level or channel and someone is available."""
    rules = profile.routing
    if rules is None or ticket.assignee_id is not None:
        return
    if not rules.applies(ticket.level, ticket.channel) or not ticket.is_open:
        return
    with transaction.atomic():
        chosen = routing.choose(rules.rule, candidates(ticket.level))
        if chosen is None:
            return
        # The chosen agent's row is locked while their turn is taken (`routed_at`).
        agent = User.objects.select_for_update().get(pk=int(chosen.key))
        kind, data = routing.routed(rules.rule, ticket.level, chosen)
        append(ticket, Change(kind, data, public=False), actor=None, now=now)
        agent.routed_at = now
        agent.save(update_fields=["routed_at"])
