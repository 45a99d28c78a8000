"""The chat window's writes: starting a chat opens a ticket (channel `chat`, the profile's chat
defaults), each message is a public reply on it, and an engineer takes a chat by assigning it to
themselves. The transcript is the ticket's record; the live sockets hear of every message after
its commit like of any other event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import tickets as act
from tierdesk.domain.errors import Conflict, Forbidden, Invalid
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Chat, Event, Ticket, User
from tierdesk.queries import chat as chats
from tierdesk.queries.tickets import get_ticket

SUBJECT_LENGTH = 80


@dataclass(frozen=True)
class Started:
    ticket: Ticket
    live: bool  # an engineer may answer now; otherwise the ticket is answered by e-mail
    reason: str  # "" when live; "closed" outside the chat's hours, "busy" with nobody available


def _subject(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= SUBJECT_LENGTH else first[: SUBJECT_LENGTH - 1].rstrip() + "…"


def start_chat(*, actor: User, body: str, now: datetime) -> Started:
    """A partner user's first message: a ticket with the profile's chat defaults, live when the
    chat is within its hours and an engineer of its level is available (`queries.chat`)."""
    if not actor.role or party_of(Role(actor.role)) is not Party.REQUESTER:
        raise Forbidden(N_("the chat is for partner users"))
    profile = profiles.active()
    rules = profile.chat
    if rules is None:
        raise Forbidden(N_("this desk offers no chat"))
    text = body.strip()
    if not text:
        raise Invalid(N_("a chat starts with a message"), fields={"body": N_("must not be empty")})
    if not chats.within_hours(profile, now):
        live, reason = False, "closed"
    elif chats.available_agent(profile, now) is None:
        live, reason = False, "busy"
    else:
        live, reason = True, ""
    with transaction.atomic():
        ticket = act.open_ticket(
            actor=actor,
            now=now,
            subject=_subject(text),
            description=text,
            channel="chat",
            severity=rules.severity,
            queue=rules.queue,
            profile=profile,
        )
        Chat.objects.create(ticket=ticket, started_at=now, live=live)
    return Started(ticket, live, reason)


def say(*, actor: User, number: str, body: str, now: datetime) -> Event:
    """A message in a chat: a public reply on its ticket, from the partner or an engineer."""
    chats.chat_ticket(actor, number)  # a chat the actor may see, or NotFound
    return act.add_reply(actor=actor, number=number, body=body, now=now)


def take(*, actor: User, number: str, now: datetime) -> Event:
    """An engineer takes a waiting chat: it is assigned to them (the assign action), once."""
    with transaction.atomic():
        chats.chat_ticket(actor, number)
        ticket = get_ticket(actor, number, for_update=True)
        if ticket.assignee_id is not None and ticket.assignee_id != actor.pk:
            raise Conflict(N_("another engineer has taken this chat"))
        return act.assign(actor=actor, number=number, assignee=actor, now=now)
