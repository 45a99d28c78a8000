"""The chat's reads: whether the chat is open now, who is available, the waiting chats.

An engineer is available for a chat when they are an agent of the chat's level who has not
marked themselves away (`queries/availability.py`, the same answer routing uses) and is connected:
a page of the desk open in a browser, its heartbeat seen within `ALIVE`. `available_agent`
answers the longest connected of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from tierdesk import profiles
from tierdesk.domain.errors import NotFound
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile, ProfileError
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Chat, Event, LiveSocket, Ticket, User
from tierdesk.queries.availability import available_agents
from tierdesk.queries.tickets import get_ticket, visible_tickets

ALIVE = timedelta(seconds=90)  # a socket's heartbeat comes every 30 s


def level_of(profile: Profile) -> str:
    return (profile.chat.level if profile.chat else None) or profile.initial_level


def within_hours(profile: Profile, now: datetime) -> bool:
    if profile.chat is None:
        return False
    return profile.calendars[profile.chat.calendar].is_open(now)


def available_agent(profile: Profile, now: datetime) -> User | None:
    """The first available engineer of the chat's level (see the module's note), or None."""
    sockets = LiveSocket.objects.filter(
        seen_at__gte=now - ALIVE, user__in=available_agents(level_of(profile))
    ).order_by("opened_at", "pk")
    first = sockets.select_related("user").first()
    return first.user if first is not None else None


def waiting_chats(actor: User) -> QuerySet[Ticket]:
    """Live chats nobody has taken yet, longest waiting first, within what the actor may see."""
    return (
        visible_tickets(actor)
        .filter(chat__live=True, is_open=True, assignee__isnull=True)
        .select_related("organisation", "requester", "chat")
        .order_by("opened_at", "id")
    )


def current_chat(actor: User) -> Ticket | None:
    """The partner user's chat still going on: their last live chat's ticket while it is open."""
    return (
        visible_tickets(actor)
        .filter(requester=actor, chat__isnull=False, is_open=True)
        .order_by("-opened_at", "-id")
        .first()
    )


def chat_ticket(actor: User, number: str) -> Ticket:
    """A chat's ticket as the actor may see it (NotFound for any other ticket, as the API says)."""
    ticket = get_ticket(actor, number)
    if not is_chat(ticket):
        raise NotFound(N_("%(number)s is not a chat", number=number))
    return ticket


def is_chat(ticket: Ticket) -> bool:
    """Whether the ticket (one the reader may see) was opened from the chat window."""
    return Chat.objects.filter(ticket=ticket).exists()


def messages(actor: User, ticket: Ticket) -> list[Event]:
    """The chat's transcript: the opening message and every public reply, in record order."""
    return list(
        Event.objects.filter(
            ticket=ticket, public=True, kind__in=[EventKind.CREATED, EventKind.REPLY]
        )
        .select_related("actor")
        .order_by("seq")
    )


def offered() -> Profile | None:
    """The profile in force when it offers a chat window (none while it does not load: the
    pages that say why still show)."""
    try:
        profile = profiles.active()
    except ProfileError:
        return None
    return profile if profile.chat is not None else None
