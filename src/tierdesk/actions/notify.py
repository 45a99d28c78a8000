"""Writing notifications to the outbox, in the transaction of the change that causes them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat, translation

from tierdesk import profiles
from tierdesk.domain import notify
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Event, Notification, Ticket, User
from tierdesk.queries.zones import zone_for

# Languages the desk's catalogue does not carry, and the one their readers get instead
# (Luxembourgish partners read German; docs/profiles.md says so).
FALLBACK = {"lb": "de"}
CATALOGUE = ("en", "de", "fr", "nl")


def reader_language(user: User | None, profile: Profile) -> str:
    """The language a notification is worded in for `user`: the desk's own people read their
    own; everyone outside the desk (partners, suppliers, plain addresses) the profile's reply
    language (LuxCloud 2.5: "responded to in English only")."""
    staff = user is not None and bool(user.role) and party_of(Role(user.role)) is Party.PROVIDER
    language = (user.language if user is not None and staff else "") or profile.languages.reply
    language = FALLBACK.get(language, language)
    return language if language in CATALOGUE else "en"


def worded(notice: notify.Notice, user: User | None, profile: Profile) -> tuple[str, str]:
    """A notice's subject and body in the recipient's language and zone."""
    zone = zone_for(user)

    def moment(at: datetime) -> str:
        local = at.astimezone(zone)
        named = f" ({zone.key})" if isinstance(zone, ZoneInfo) else ""
        return dateformat.format(local, "D d M Y H:i T") + named

    with translation.override(reader_language(user, profile)):
        return notice.worded(translation.gettext, moment)


def _level_agents(level: str) -> list[User]:
    return list(
        User.objects.filter(level_memberships__level=level, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


# What a supplier's contacts serving a level are told as its people: a ticket opened at their
# level and a hand-over to it. The partner's replies and the desk's SLA talk are not theirs.
SUPPLIER_TOLD = frozenset({"created", "level_changed"})


def _handed_over_by(ticket: Ticket) -> User | None:
    """The agent who last handed the ticket to a supplier."""
    for event in Event.objects.filter(ticket=ticket, kind="status_changed").order_by("-seq"):
        if event.data.get("supplier"):
            return event.actor if event.actor is not None and event.actor.is_active else None
    return None


def notifications_for(
    ticket: Ticket, event: Event, *, now: datetime, agents: dict[str, list[User]] | None = None
) -> list[Notification]:
    """Outbox rows (unsaved) for everyone the event concerns; the actor is not told of their own
    change. `agents` caches each level's agents across the events of one write."""
    agents = {} if agents is None else agents

    def level_agents(level: str) -> list[User]:
        if level not in agents:
            agents[level] = _level_agents(level)
        return agents[level]

    profile = profiles.for_ticket(ticket.profile)
    emergency = bool(event.data.get("emergency")) if event.seq == 1 else False
    notices = notify.notices(
        event.kind,
        event.data,
        public=event.public,
        subject=ticket.subject,
        number=ticket.number,
        emergency=emergency,
        profile=profile,
    )
    if not notices:
        return []
    rows: dict[str, Notification] = {}
    for notice in notices:
        people: list[tuple[str, User | None]] = []
        if notice.role == notify.REQUESTER and ticket.requester is not None:
            people = [(ticket.requester.email, ticket.requester)]
        elif notice.role == notify.ASSIGNEE and ticket.assignee is not None:
            people = [(ticket.assignee.email, ticket.assignee)]
        elif notice.role == notify.LEVEL:
            people = [
                (u.email, u)
                for u in level_agents(ticket.level)
                if u.role != Role.SUPPLIER_CONTACT or event.kind in SUPPLIER_TOLD
            ]
        elif notice.role == notify.TECHNICIANS:
            # The ticket's own technician when it has one, else every agent of its level.
            people = (
                [(ticket.assignee.email, ticket.assignee)]
                if ticket.assignee is not None
                else [
                    (u.email, u)
                    for u in level_agents(ticket.level)
                    if u.role != Role.SUPPLIER_CONTACT or event.kind in SUPPLIER_TOLD
                ]
            )
        elif notice.role == notify.HANDED_OVER_BY:
            agent = _handed_over_by(ticket)
            people = [(agent.email, agent)] if agent is not None else []
        elif notice.role == notify.ON_CALL and profile.emergency is not None:
            people = [(a, None) for a in profile.emergency.notify]
            if profile.emergency.level:
                people += [(u.email, u) for u in level_agents(profile.emergency.level)]
        elif notice.role == notify.SLA_CONTACTS:
            people = [(a, None) for a in profile.sla_notify]
        elif notice.role == notify.ESCALATION and event.data.get("routed_contact"):
            people = [(str(event.data["routed_contact"]), None)]
        for address, user in people:
            # The provider's people are not told of their own changes; requesters get confirmations.
            own = user is not None and user.pk == event.actor_id and notice.role != notify.REQUESTER
            if not address or own or address in rows:
                continue
            digest = hashlib.sha256(f"{event.pk}:{address}".encode()).hexdigest()[:20]
            subject, body = worded(notice, user, profile)
            rows[address] = Notification(
                ticket=ticket,
                event=event,
                kind=event.kind,
                recipient=address,
                recipient_user=user,
                subject=f"[{ticket.number}] {subject}"[:300],
                body=body,
                dedupe_key=f"event:{event.pk}:{address}"[:200],
                message_id=f"<n.{digest}@{settings.TIERDESK['MAIL_DOMAIN']}>",
                next_attempt_at=now,
                created_at=now,
            )
    return list(rows.values())


def system_notice(
    *, recipient: str, key: str, subject: str, body: str, now: datetime, in_reply_to: str = ""
) -> None:
    """A notification that belongs to no ticket (the answer to an unknown sender)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    Notification.objects.get_or_create(
        dedupe_key=key[:200],
        defaults={
            "kind": "notice",
            "recipient": recipient,
            "subject": subject[:300],
            "body": body,
            "message_id": f"<n.{digest}@{settings.TIERDESK['MAIL_DOMAIN']}>",
            "next_attempt_at": now,
            "created_at": now,
            "in_reply_to": in_reply_to[:990],
        },
    )
