"""Relayed messages into tickets: the first message of a bridge's thread opens a ticket on the
profile's channel for its source, later ones are public replies from the requester.

The bridge is a person with a `messages` token. A bridge of the provider (a social network's
direct messages to the desk) relays only senders the desk knows: an active partner user with
that address. A partner's own bridge relays for its organisation: a sender the desk does not
know writes through the bridge's account, signed with their name. Threads are kept per
organisation of the bridge, so one tenant's thread ids never reach another's tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions.tickets import add_reply, open_ticket
from tierdesk.domain import inbound
from tierdesk.domain.errors import Forbidden, Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.words import N_
from tierdesk.persistence.models import (
    Event,
    InboundThread,
    Organisation,
    RelayedMessage,
    Ticket,
    User,
)

PARTNER_ROLES = [r.value for r in Role if party_of(r) is Party.REQUESTER]


@dataclass(frozen=True)
class Received:
    ticket: Ticket
    event: Event
    opened: bool
    duplicate: bool = False  # the source's message id was taken before: nothing changed


def _sender(bridge: User, party: Party, message: inbound.Message) -> tuple[User, bool]:
    """Who writes: the partner user with the sender's address, or (for a partner's bridge) the
    bridge itself, signing with the sender's name."""
    people = User.objects.filter(
        email__iexact=message.sender_address,
        is_active=True,
        role__in=PARTNER_ROLES,
        organisation__is_active=True,
    ).select_related("organisation")
    if party is Party.REQUESTER:
        people = people.filter(organisation_id=bridge.organisation_id)  # type: ignore[misc]
    person = people.first()
    if person is not None:
        return person, True
    if party is Party.REQUESTER:
        return bridge, False
    raise Invalid(
        N_("the sender is not a person of a partner of this desk"),
        fields={"sender.address": N_("is not the address of an active partner user")},
    )


def receive(*, bridge: User, message: inbound.Message, now: datetime) -> Received:
    if not bridge.is_active or not bridge.role or bridge.organisation is None:
        raise Forbidden(N_("this account may not relay messages"))
    party = party_of(Role(bridge.role))
    if party not in (Party.PROVIDER, Party.REQUESTER):
        raise Forbidden(N_("a message bridge belongs to the provider or to a partner"))
    owner: Organisation = bridge.organisation
    with transaction.atomic():
        # One message at a time per bridge organisation: a thread's first two messages arriving
        # together open one ticket, not two, and a message delivered twice at once is taken once.
        list(Organisation.objects.select_for_update().filter(pk=owner.pk))
        seen = _seen(owner, message)
        if seen is not None:
            return seen
        writer, known = _sender(bridge, party, message)
        received = _take(owner, writer, known, message, now)
        if message.message_id:
            RelayedMessage.objects.create(
                organisation=owner,
                source=message.source,
                message=message.message_id,
                ticket=received.ticket,
                seq=received.event.seq,
                opened=received.opened,
                received_at=now,
            )
        return received


def _seen(owner: Organisation, message: inbound.Message) -> Received | None:
    """What a message with this source's id became, if it was taken before."""
    if not message.message_id:
        return None
    taken = (
        RelayedMessage.objects.filter(
            organisation=owner, source=message.source, message=message.message_id
        )
        .select_related("ticket")
        .first()
    )
    if taken is None:
        return None
    event = Event.objects.get(ticket=taken.ticket, seq=taken.seq)
    return Received(taken.ticket, event, taken.opened, duplicate=True)


def _take(
    owner: Organisation, writer: User, known: bool, message: inbound.Message, now: datetime
) -> Received:
    """Inside `receive`'s transaction, holding the bridge organisation's lock."""
    thread = (
        InboundThread.objects.select_for_update()
        .filter(organisation=owner, source=message.source, thread=message.thread)
        .select_related("ticket")
        .first()
    )
    text = message.signed(known=known)
    if thread is None:
        ticket = open_ticket(
            actor=writer,
            now=now,
            subject=message.opening_subject(),
            description=text,
            channel=message.channel,
            profile=profiles.active(),
        )
        InboundThread.objects.create(
            organisation=owner,
            source=message.source,
            thread=message.thread,
            ticket=ticket,
            created_at=now,
            updated_at=now,
        )
        return Received(ticket, Event.objects.get(ticket=ticket, seq=1), True)
    if writer.organisation_id != thread.ticket.organisation_id:
        raise Invalid(
            N_("the sender is not of the organisation of this thread's ticket"),
            fields={"sender.address": N_("is not a person of this thread's organisation")},
        )
    event = add_reply(actor=writer, number=thread.ticket.number, body=text, now=now)
    if event.kind == EventKind.CREATED:
        # A reply to a closed ticket opened a follow-up: the thread goes on there.
        thread.ticket = event.ticket
    thread.updated_at = now
    thread.save(update_fields=["ticket", "updated_at"])
    return Received(event.ticket, event, event.kind == EventKind.CREATED)
