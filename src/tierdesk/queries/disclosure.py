"""What each side of the chain may know of a ticket: a partner sees the provider's commitments
and never the supplier; a supplier sees the hand-off, its own contributions and the fields the
profile shares with suppliers, never the partner or the end customer. The pages and the API both
read tickets through these functions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tierdesk import profiles
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.target_policies import SUPPLIER_KINDS
from tierdesk.persistence.models import Event, Ticket, User

# Keys of a hand-off to a supplier that only the provider (and that supplier) may read.
SUPPLIER_KEYS = (
    "supplier",
    "supplier_ref",
    "note",
    "supplier_severity",
    "ola_target",
    "ola_calendar",
    "ola_response",
    "ola_hours",
    "mail",
    "from_level",
    "returned_by",
)


def party(actor: User) -> Party:
    return party_of(Role(actor.role))


def _own_supplier(actor: User) -> str:
    return actor.organisation.slug if actor.organisation is not None else ""


def supplier_sees(actor: User, event: Event) -> bool:
    """A supplier contact sees the hand-offs to its organisation and its own organisation's
    replies and files; the partner's conversation with the provider is not theirs."""
    slug = _own_supplier(actor)
    if event.kind == EventKind.STATUS_CHANGED:
        return bool(slug) and event.data.get("supplier") == slug
    if event.kind in (EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED):
        return True  # the monitoring's own words about the fault the supplier is to fix
    if event.kind in (EventKind.REPLY, EventKind.ATTACHMENT_ADDED):
        author = event.actor
        return (
            author is not None
            and author.role == Role.SUPPLIER_CONTACT
            and author.organisation_id == actor.organisation_id
        )
    return False


def event_data(actor: User, event: Event) -> dict[str, Any]:
    """The event's data as this actor may read it."""
    data = dict(event.data)
    if event.kind == EventKind.REDACTED and party(actor) is not Party.PROVIDER:
        # That a part of the conversation was removed, not why nor what it was.
        return {"event": data.get("event"), "part": data.get("part")}
    if event.kind == EventKind.REDACTED and actor.role != Role.ADMINISTRATOR:
        # The digests of the content before and after are the audit's, for administrators: a
        # digest of a short secret could be guessed offline.
        data.pop("before", None)
        data.pop("after", None)
    if party(actor) is Party.REQUESTER and event.kind == EventKind.STATUS_CHANGED:
        if data.get("supplier") or data.get("supplier_ref") or data.get("returned_by"):
            data.pop("reason", None)  # the provider's words about its supplier
        for key in SUPPLIER_KEYS:
            data.pop(key, None)
    return data


def disclose_events(actor: User, events: Iterable[Event]) -> list[Event]:
    """The events as this actor may read them: their data narrowed in memory (events are never
    saved again; the record is insert-only)."""
    out = []
    for event in events:
        narrowed = event_data(actor, event)
        if narrowed != event.data:
            event.data = narrowed
        out.append(event)
    return out


def shared_with_suppliers(ticket: Ticket) -> tuple[str, ...]:
    profile = profiles.for_ticket(ticket.profile)
    return profile.suppliers.shared if profile.suppliers is not None else ("subject",)


def ticket_fields(actor: User, ticket: Ticket) -> dict[str, Any]:
    """Which of the ticket's own fields this actor may read: everything for the provider and the
    partner, the profile's shared fields for a supplier."""
    visible: dict[str, Any] = {
        "organisation": ticket.organisation,
        "requester": ticket.requester,
        "customer_account": ticket.customer_account,
        "description": ticket.description,
        "form": dict(ticket.form),
        "subject": ticket.subject,
    }
    if party(actor) is not Party.SUPPLIER:
        return visible
    shared = shared_with_suppliers(ticket)
    return {
        "organisation": None,
        "requester": None,
        "customer_account": None,
        "description": ticket.description if "description" in shared else "",
        "form": {k: v for k, v in ticket.form.items() if k in shared},
        "subject": ticket.subject if "subject" in shared else "",
    }


def targets(actor: User, figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The SLA targets this actor may read: the provider's commitments for the partner, the OLA
    for the supplier, all of them for the provider."""
    side = party(actor)
    if side is Party.REQUESTER:
        return [t for t in figures if t["kind"] not in SUPPLIER_KINDS]
    if side is Party.SUPPLIER:
        return [t for t in figures if t["kind"] == "supplier"]  # its OLA; its response: staff
    return figures


def sees_contingency(actor: User) -> bool:
    """The contingency routes are the provider's promise to the partner: the partner and the
    provider see them, a supplier does not."""
    return party(actor) is not Party.SUPPLIER
