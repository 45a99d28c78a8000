"""Which tickets, events and attachments an actor may see, and the ticket list with its filters."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from tierdesk import profiles
from tierdesk.domain import sla
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import (
    ROLE_PARTY,
    OrganisationKind,
    Party,
    Role,
    party_of,
    sees_everything,
    sees_internal,
)
from tierdesk.domain.requester_authority import awaiting_validation
from tierdesk.domain.target_policies import SUPPLIER_KINDS
from tierdesk.domain.ticket import still_missing
from tierdesk.domain.visibility import EVERYTHING, LevelScope, agent_scope
from tierdesk.domain.words import N_
from tierdesk.persistence.models import (
    Attachment,
    Event,
    LevelMembership,
    Ticket,
    TicketTarget,
    User,
)
from tierdesk.queries import disclosure

ORDERINGS = {
    "updated": "updated_at",
    "-updated": "updated_at",
    "opened": "opened_at",
    "-opened": "opened_at",
    "number": "id",
    "-number": "id",
}


def level_scope(actor: User) -> LevelScope:
    """Which levels' tickets a member of the provider's staff reads and works (the profile's
    `reads`/`works` per level); managers and administrators every level."""
    if actor.role and sees_everything(Role(actor.role)):
        return EVERYTHING
    members = LevelMembership.objects.filter(user=actor).values_list("level", flat=True)
    return agent_scope(profiles.active().levels, members)


def served_levels(actor: User) -> list[str]:
    """The supplier-staffed levels of the profile a supplier contact works at."""
    levels = profiles.active().levels
    members = LevelMembership.objects.filter(user=actor).values_list("level", flat=True)
    return sorted(
        k for k in members if k in levels and levels[k].staffed_by is OrganisationKind.SUPPLIER
    )


def assignable(level: str | None = None) -> QuerySet[User]:
    """Who a ticket may be assigned to: the provider's active staff (the one rule the page
    offers and the action checks), the members of `level` first."""
    roles = [r.value for r, p in ROLE_PARTY.items() if p is Party.PROVIDER]
    staff = User.objects.filter(is_active=True, role__in=roles)
    if level is None:
        return staff.order_by("username")
    first = LevelMembership.objects.filter(user=OuterRef("pk"), level=level)
    return staff.annotate(at_level=Exists(first)).order_by("-at_level", "username")


def visible_tickets(actor: User) -> QuerySet[Ticket]:
    """Every ticket the actor may see; anything outside it must look as if it did not exist."""
    tickets = Ticket.objects.all()
    if not actor.is_active or not actor.role:
        return tickets.none()
    role = Role(actor.role)
    if sees_everything(role):
        return tickets
    if role is Role.AGENT:
        scope = level_scope(actor)
        if scope.reads is None:
            return tickets
        return tickets.filter(Q(level__in=sorted(scope.reads)) | Q(assignee=actor))
    if party_of(role) is Party.REQUESTER and actor.organisation_id is not None:
        return tickets.filter(organisation_id=actor.organisation_id)
    if role is Role.SUPPLIER_CONTACT and actor.organisation_id is not None:
        # A supplier sees the tickets handed to it (On-hold naming its organisation), and the
        # tickets at a supplier-staffed level its contact serves that are not another
        # supplier's (Zynstra: the console routes a failure straight to the vendor's L3).
        slug = actor.organisation.slug  # type: ignore[union-attr]
        served = served_levels(actor)
        if not served:
            return tickets.filter(supplier=slug)
        return tickets.filter(Q(supplier=slug) | Q(level__in=served, supplier__in=("", slug)))
    return tickets.none()


NUMBER_PATTERN = re.compile(r"[A-Z][A-Z0-9]{0,7}-[0-9]{1,12}")


def get_ticket(actor: User, number: str, *, for_update: bool = False) -> Ticket:
    if not NUMBER_PATTERN.fullmatch(number):
        raise NotFound(N_("no ticket %(value)r", value=number[:40]))
    tickets = visible_tickets(actor)
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    else:
        tickets = tickets.select_related(
            "organisation", "requester", "assignee", "customer_account"
        )
    ticket = tickets.filter(number=number).first()
    if ticket is None:
        raise NotFound(N_("no ticket %(number)s", number=number))
    if for_update and not may_work(actor, ticket):
        level = profiles.active().levels.get(ticket.level)
        raise Forbidden(
            N_(
                "your level may read this ticket but not work it while it is with %(value)s",
                value=level.label if level else ticket.level,
            )
        )
    return ticket


def may_work(actor: User, ticket: Ticket) -> bool:
    """Whether a member of the provider's staff may change a ticket they can read; everyone else
    is limited by what their party may do, which the domain decides."""
    if actor.role != Role.AGENT or ticket.assignee_id == actor.pk:
        return True
    return level_scope(actor).may_work(ticket.level)


def written_record(ticket: Ticket) -> list[Event] | None:
    """The ticket's whole record as this process just wrote it (a ticket opened in this request),
    or None when the instance does not hold all of it."""
    written = ticket.written or []
    if written and written[0].seq == 1 and len(written) == ticket.event_count:
        return list(written)
    return None


def ticket_record(
    actor: User, ticket: Ticket, events: list[Event] | None = None
) -> tuple[list[sla.ClockEvent], list[Event]]:
    """The whole record as clock events (the clocks count internal events too) and the events the
    actor may see, narrowed to what its side of the chain may read, from one query (none when
    `events`, the whole record, is given)."""
    if events is None:
        events = list(Event.objects.filter(ticket=ticket).select_related("actor").order_by("seq"))
    for event in events:
        event.ticket = ticket  # each event names its ticket without asking the database again
    record = [sla.ClockEvent(e.at, e.kind, e.data, e.public, e.seq) for e in events]
    return record, visible_events(actor, events)


def visible_events(actor: User, events: list[Event]) -> list[Event]:
    """Of a ticket's events, those the actor may see, narrowed to what its side may read: the
    timeline of the page, the API and the live sockets."""
    role = Role(actor.role)
    if role is Role.SUPPLIER_CONTACT:
        visible = [e for e in events if disclosure.supplier_sees(actor, e)]
    elif sees_internal(role):
        visible = events
    else:
        visible = [e for e in events if e.public]
    return disclosure.disclose_events(actor, visible)


def ticket_attachments(actor: User, ticket: Ticket) -> QuerySet[Attachment]:
    attachments = Attachment.objects.filter(ticket=ticket).order_by("id")
    role = Role(actor.role)
    if role is Role.SUPPLIER_CONTACT:
        return attachments.filter(  # type: ignore[misc]
            uploaded_by__role=Role.SUPPLIER_CONTACT,
            uploaded_by__organisation_id=actor.organisation_id,
        )
    if not sees_internal(role):
        attachments = attachments.filter(public=True)
    return attachments


def get_attachment(actor: User, number: str, attachment_id: int) -> Attachment:
    ticket = get_ticket(actor, number)
    attachment = ticket_attachments(actor, ticket).filter(id=attachment_id).first()
    if attachment is None:
        raise NotFound(
            N_(
                "no attachment %(attachment_id)s on ticket %(number)s",
                attachment_id=attachment_id,
                number=number,
            )
        )
    return attachment


@dataclass(frozen=True)
class TicketFilter:
    status: list[str] | None = None
    severity: list[str] | None = None
    level: list[str] | None = None
    queue: list[str] | None = None
    organisation: str | None = None
    assignee: int | None = None
    updated_since: datetime | None = None
    search: str | None = None


@dataclass(frozen=True)
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None


def _encode_cursor(ordering: str, value: object, pk: int) -> str:
    raw = json.dumps([ordering, value.isoformat() if isinstance(value, datetime) else value, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, ordering: str) -> tuple[object, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if made_for != ordering or not isinstance(pk, int):
            raise ValueError
        if ORDERINGS[ordering] != "id":
            value = datetime.fromisoformat(value)
        elif not isinstance(value, int):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid(
            N_("the cursor is not one this list gave out"),
            fields={"cursor": N_("is not valid for this ordering; start again without it")},
        ) from None


def list_tickets(
    actor: User,
    *,
    filters: TicketFilter,
    ordering: str = "-updated",
    cursor: str | None = None,
    limit: int = 50,
) -> TicketPage:
    """One page of the actor's tickets, keyset-paginated so pages stay fast however deep."""
    if ordering not in ORDERINGS:
        raise Invalid(
            N_("unknown ordering"),
            fields={"ordering": N_("expected one of %(choices)s", choices=", ".join(ORDERINGS))},
        )
    tickets = visible_tickets(actor).select_related("organisation", "requester", "assignee")
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.severity:
        tickets = tickets.filter(severity__in=filters.severity)
    if filters.level:
        tickets = tickets.filter(level__in=filters.level)
    if filters.queue:
        tickets = tickets.filter(queue__in=filters.queue)
    if filters.organisation:
        tickets = tickets.filter(organisation__slug=filters.organisation)
    if filters.assignee is not None:
        tickets = tickets.filter(assignee_id=filters.assignee)
    if filters.updated_since is not None:
        tickets = tickets.filter(updated_at__gte=filters.updated_since)
    if filters.search:
        tickets = tickets.filter(
            Q(subject__icontains=filters.search) | Q(number__iexact=filters.search)
        )

    field = ORDERINGS[ordering]
    descending = ordering.startswith("-")
    if cursor:
        value, pk = _decode_cursor(cursor, ordering)
        if field == "id":
            tickets = tickets.filter(id__lt=pk) if descending else tickets.filter(id__gt=pk)
        elif descending:
            tickets = tickets.filter(
                Q(**{f"{field}__lt": value}) | Q(**{field: value, "id__lt": pk})
            )
        else:
            tickets = tickets.filter(
                Q(**{f"{field}__gt": value}) | Q(**{field: value, "id__gt": pk})
            )
    order = [f"-{field}", "-id"] if descending else [field, "id"]
    if field == "id":
        order = order[:1]
    rows = list(tickets.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor(ordering, getattr(last, field), last.pk)
    return TicketPage(rows, next_cursor)


def stored_targets(actor: User, tickets: list[Ticket]) -> QuerySet[TicketTarget]:
    """The stored SLA figures of tickets the caller already obtained through a scoped query,
    those this actor may read (`disclosure.targets`: no supplier's target for the partner, the
    OLA alone for the supplier)."""
    rows = TicketTarget.objects.filter(ticket__in=[t.pk for t in tickets])
    side = disclosure.party(actor)
    if side is Party.REQUESTER:
        rows = rows.exclude(target__in=SUPPLIER_KINDS)
    elif side is Party.SUPPLIER:
        rows = rows.filter(target="supplier")
    return rows.order_by("ticket_id", "id")


def authority_awaiting(ticket: Ticket) -> Mapping[str, Any] | None:
    """The requester-authority check still waiting for the desk (Zynstra first level): the
    profile's flag on a requester not listed for the end-customer account, not yet validated."""
    rows = Event.objects.filter(ticket=ticket, kind=EventKind.AUTHORITY_CHECKED).order_by("seq")
    return awaiting_validation((e.kind, e.data) for e in rows.only("kind", "data"))


def missing_information(ticket: Ticket) -> list[str]:
    """The form fields the report still lacks (CloudCTI 1.3, a voicemail): keys, in order."""
    rows = Event.objects.filter(
        ticket=ticket, kind__in=(EventKind.CREATED, EventKind.FORM_COMPLETED)
    ).order_by("seq")
    return still_missing([(e.kind, e.data) for e in rows.only("kind", "data")])


def escalated_to(ticket: Ticket) -> Mapping[str, Any] | None:
    """The management step the ticket was last escalated to (its `management_escalated` data),
    or None if it never was: where the desk's contact attempts go."""
    row = (
        Event.objects.filter(ticket=ticket, kind=EventKind.MANAGEMENT_ESCALATED)
        .order_by("-seq")
        .only("data")
        .first()
    )
    return row.data if row is not None else None
