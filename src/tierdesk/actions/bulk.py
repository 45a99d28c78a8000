"""One change to many tickets (assign, set status, change level), each through the same action
as on its own page and in its own transaction: a ticket the rules refuse keeps what it had and
says why, the others go ahead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import tickets as act
from tierdesk.domain.errors import DomainError, Invalid
from tierdesk.domain.words import N_
from tierdesk.persistence.models import User
from tierdesk.queries.tickets import assignable, get_ticket

OPERATIONS = ("assign", "status", "level")
MAX_TICKETS = 100


@dataclass(frozen=True)
class Outcome:
    number: str
    done: bool
    code: str  # "done", "unchanged", or the refusal's code ("illegal_transition", ...)
    message: str = ""
    before: str = ""  # the ticket's value before (status or level key, assignee's username)
    fields: dict[str, str] | None = None


def _check(
    operation: str, value: str, note: str, numbers: Sequence[str], profile_name: str
) -> list[str]:
    """The whole request, checked before the first ticket is touched."""
    profile = profiles.for_ticket(profile_name)
    problems: dict[str, str] = {}
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    if not wanted:
        problems["tickets"] = N_("select at least one ticket")
    elif len(wanted) > MAX_TICKETS:
        problems["tickets"] = N_(
            "at most %(MAX_TICKETS)s tickets at a time", MAX_TICKETS=MAX_TICKETS
        )
    if operation not in OPERATIONS:
        problems["operation"] = N_("must be one of: %(choices)s", choices=", ".join(OPERATIONS))
    elif operation == "status" and value not in profile.statuses:
        problems["value"] = N_("expected one of %(choices)s", choices=", ".join(profile.statuses))
    elif operation == "level" and value not in profile.levels:
        problems["value"] = N_("expected one of %(choices)s", choices=", ".join(profile.levels))
    elif operation == "level" and not note.strip():
        problems["note"] = N_("a hand-off note is required")
    elif operation == "assign" and value and not assignable().filter(username=value).exists():
        problems["value"] = N_("is not an active agent of the provider")
    if problems:
        raise Invalid(N_("the bulk change has invalid fields"), fields=problems)
    return wanted


def apply(
    *,
    actor: User,
    numbers: Sequence[str],
    operation: str,
    value: str,
    note: str = "",
    reason: str = "",
    now: datetime,
) -> list[Outcome]:
    """`value`: the status or level key, or the assignee's username ("" unassigns)."""
    wanted = _check(operation, value, note, numbers, profiles.active().name)
    outcomes = []
    for number in wanted:
        before = ""
        try:
            # A savepoint per ticket: a refusal rolls back that ticket alone.
            with transaction.atomic():
                ticket = get_ticket(actor, number)
                before = {
                    "status": ticket.status,
                    "level": ticket.level,
                    "assign": ticket.assignee.username if ticket.assignee else "",
                }[operation]
                if before == value:
                    outcomes.append(Outcome(number, True, "unchanged", before=before))
                    continue
                if operation == "assign":
                    act.assign(actor=actor, number=number, assignee=value or None, now=now)
                elif operation == "status":
                    act.change_status(actor=actor, number=number, to=value, reason=reason, now=now)
                else:
                    act.change_level(actor=actor, number=number, to=value, note=note, now=now)
        except DomainError as exc:
            outcomes.append(Outcome(number, False, exc.code, exc.message, before, dict(exc.fields)))
        else:
            outcomes.append(Outcome(number, True, "done", before=before))
    return outcomes
