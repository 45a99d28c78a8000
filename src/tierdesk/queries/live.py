"""What a live socket may follow and what it is sent: the same scope and disclosure as the pages
(`visible_tickets`, `visible_events`), read again for every notice, so a ticket that leaves a
viewer's sight stops reaching them."""

from __future__ import annotations

from dataclasses import dataclass, field

from tierdesk.domain.errors import NotFound
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import Party, Role, party_of, sees_internal
from tierdesk.persistence.models import Chat, Event, Ticket, User
from tierdesk.queries.tickets import get_ticket, visible_events

BATCH = 200  # events sent in one message; a client far behind asks again from the last one


@dataclass
class Update:
    ticket: Ticket
    events: list[Event]  # the events after the client's last, as this viewer may read them
    head: int  # how far the record now reaches: the client's next `after`
    # A chat's partner learns who answers: the engineers a chat was assigned to (by event seq).
    joined: dict[int, str] = field(default_factory=dict)


def may_follow(actor: User, number: str) -> Ticket | None:
    """The ticket, if the actor may see it (else None, as for a ticket that does not exist)."""
    try:
        return get_ticket(actor, number)
    except NotFound:
        return None


def heads(ticket_ids: list[int]) -> dict[int, int]:
    """How far each ticket's record reaches (for sockets that may follow them, already checked:
    a number, never content)."""
    return dict(Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "event_count"))


def is_staff(actor: User) -> bool:
    return bool(actor.role) and sees_internal(Role(actor.role))


def audience(actor: User) -> tuple[str, int | None]:
    """Viewers who are sent the same thing about a ticket: the provider's staff; the partner's
    users; one supplier's contacts (by organisation). What a socket sends is shared among them."""
    side = party_of(Role(actor.role))
    return (side.value, actor.organisation_id if side is Party.SUPPLIER else None)


def record_after(actor: User, ticket: Ticket, after: int) -> Update:
    """The record of a ticket the actor may see (`may_follow`) after event `after`, as the actor
    may see it."""
    events = list(
        Event.objects.filter(ticket=ticket, seq__gt=max(after, 0))
        .select_related("actor")
        .order_by("seq")[:BATCH]
    )
    for event in events:
        event.ticket = ticket
    head = events[-1].seq if events else max(after, 0)
    joined: dict[int, str] = {}
    requester = party_of(Role(actor.role)) is Party.REQUESTER
    assignments = [
        e for e in events if e.kind == EventKind.ASSIGNED and str(e.data.get("to") or "").isdigit()
    ]
    if requester and assignments and Chat.objects.filter(ticket=ticket).exists():
        names = {
            str(u.pk): u.get_full_name() or u.username
            for u in User.objects.filter(pk__in=[int(e.data["to"]) for e in assignments])
        }
        joined = {
            e.seq: names[str(e.data["to"])] for e in assignments if str(e.data["to"]) in names
        }
    return Update(ticket, visible_events(actor, events), head, joined)
