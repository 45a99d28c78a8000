"""Canned replies as the desk reads them: the ones an agent may pick (the profile's shared ones
and their own), the ones they may manage, and each filled for one ticket in its language."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import dateformat, translation

from tierdesk import profiles
from tierdesk.domain import macros
from tierdesk.domain.errors import NotFound
from tierdesk.domain.parties import Role
from tierdesk.domain.words import N_
from tierdesk.persistence.models import CannedReply, Ticket, User
from tierdesk.queries.sla import ticket_sla


def _role(user: User) -> Role | None:
    return Role(user.role) if user.role and user.is_active else None


def may_use(user: User) -> bool:
    return macros.may_use(_role(user))


def readable(user: User) -> QuerySet[CannedReply]:
    """The active profile's shared canned replies and the user's own, active or not."""
    if not macros.may_use(_role(user)):
        return CannedReply.objects.none()
    return (
        CannedReply.objects.filter(profile=profiles.active().name)
        .filter(Q(owner__isnull=True) | Q(owner=user))
        .select_related("owner")
        .prefetch_related("texts")
    )


def usable(user: User) -> QuerySet[CannedReply]:
    """What the composer's picker offers: the readable ones still active."""
    return readable(user).filter(is_active=True)


def listing(user: User, *, active: bool | None = None, q: str = "") -> QuerySet[CannedReply]:
    found = readable(user)
    if active is not None:
        found = found.filter(is_active=active)
    if q:
        found = found.filter(title__icontains=q[:200])
    return found.order_by("-is_active", "title", "id")


def get(user: User, pk: int) -> CannedReply:
    reply = readable(user).filter(pk=pk).first()
    if reply is None:
        raise NotFound(N_("no such canned reply"))
    return reply


def may_manage(user: User, reply: CannedReply | None = None) -> bool:
    """Whether the user may change this reply (or, with none, add shared ones)."""
    owner = reply.owner_id if reply is not None else None
    return macros.may_manage(_role(user), user.pk, owner)


def texts(reply: CannedReply) -> dict[str, str]:
    return {t.language: t.body for t in reply.texts.all()}


def _moment(moment: datetime | None, zone: tzinfo, language: str) -> str:
    if moment is None:
        return ""
    with translation.override(language):
        return dateformat.format(moment.astimezone(zone), "D d M H:i T")


def values(
    user: User, ticket: Ticket, language: str, figures: list[dict[str, Any]] | None = None
) -> dict[str, str]:
    """Each placeholder's value for this ticket, times in the desk's zone with the zone named."""
    profile = profiles.for_ticket(ticket.profile)
    zone = profile.calendars[profile.default_calendar].zone
    if figures is None:
        figures = ticket_sla(ticket)

    def due(kinds: tuple[str, ...]) -> str:
        running = [t["due"] for t in figures if t["kind"] in kinds and t["state"] == "running"]
        return _moment(min(running), zone, language) if running else ""

    requester = ticket.requester
    severity = profile.severities.get(ticket.severity)
    account = ticket.customer_account
    return {
        "requester.name": (requester.get_full_name() or requester.username) if requester else "",
        "partner.name": ticket.organisation.name,
        "account.name": account.name if account is not None else ticket.organisation.name,
        "ticket.number": ticket.number,
        "ticket.subject": ticket.subject,
        "ticket.severity": severity.label if severity is not None else ticket.severity,
        "due.response": due(("response", "update")),
        "due.resolution": due(("resolution",)),
        "agent.name": user.get_full_name() or user.username,
    }


def for_ticket(
    user: User, ticket: Ticket, figures: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Each canned reply the user may pick, filled for the ticket in its language where a text
    in that language exists (else the profile's reply language, else its standard one).
    `figures`: the ticket's clocks as `queries.sla.ticket_sla` gives them, when already read."""
    profile = profiles.for_ticket(ticket.profile)
    fallbacks = (profile.languages.reply, profile.languages.standard)
    out = []
    filled: dict[str, dict[str, str]] = {}
    for reply in usable(user):
        language, body = macros.text_for(texts(reply), wanted=ticket.language, fallbacks=fallbacks)
        if not body:
            continue
        if language not in filled:
            filled[language] = values(user, ticket, language, figures)
        out.append(
            {
                "id": reply.pk,
                "title": reply.title,
                "language": language,
                "body": macros.fill(body, filled[language]),
                "suggests": reply.suggests,
                "personal": reply.owner_id is not None,
            }
        )
    return out
