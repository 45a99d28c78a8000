"""What comes back from a supplier's own desk: its mails thread to the ticket handed to it (by
our Message-ID, our tag, or its reference once known), each recorded as a supplier event
(internal: the desk reads it, the partner never does) that tells the agent who handed over. Its
automatic answers, bounces and auto-replies are recorded as such, not as answers. When it says
the ticket is solved (a phrase or status of its terms), or the agent says so, the ticket returns
to the status and level that handed it over."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append_many
from tierdesk.actions.supplier_mail import CHASE, HANDOFF, current_reference, last_handoff
from tierdesk.domain import support_terms
from tierdesk.domain import ticket as decide
from tierdesk.domain.errors import Conflict, Forbidden, Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.mail import ticket_tags
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.words import N_
from tierdesk.persistence.mapping import state_of
from tierdesk.persistence.models import (
    Event,
    InboundMessage,
    Notification,
    SupportTerms,
    Ticket,
    User,
)
from tierdesk.queries.tickets import get_ticket

BODY_MAX = 100_000


def supplier_of(address: str) -> SupportTerms | None:
    """The supplier an address writes for: its request address (e-mail method), one of its
    contacts or escalation contacts (whatever its method: a supplier asked on its portal still
    answers by mail), or an address at its request address's domain."""
    address = (address or "").strip().lower()
    if "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1]
    candidates = SupportTerms.objects.filter(organisation__is_active=True).select_related(
        "organisation"
    )
    by_domain = None
    for terms in candidates:
        known = {*(str(c).lower() for c in terms.contacts),
                 *(str(c).lower() for c in terms.escalation_contacts)}  # fmt: skip
        if terms.method == SupportTerms.EMAIL:
            known.add(terms.contact.lower())
        if address in known:
            return terms
        if (
            terms.method == SupportTerms.EMAIL
            and terms.contact.lower().rsplit("@", 1)[-1] == domain
            and by_domain is None
        ):
            by_domain = terms
    return by_domain


def thread(terms: SupportTerms, *, subject: str, ids: Sequence[str], prefix: str) -> Ticket | None:
    """The ticket handed to this supplier that a mail of its answers."""
    slug = terms.organisation.slug
    handed = Ticket.objects.filter(supplier=slug)
    if ids:
        sent = Notification.objects.filter(
            message_id__in=ids, kind__in=(HANDOFF, CHASE), ticket__supplier=slug
        ).values_list("ticket_id", flat=True)
        received = InboundMessage.objects.filter(
            message_id__in=ids, ticket__supplier=slug
        ).values_list("ticket_id", flat=True)
        found = handed.filter(pk__in=[*sent, *received]).order_by("-pk").first()
        if found is not None:
            return found
    tagged = handed.filter(number__in=ticket_tags(subject, prefix)).first()
    if tagged is not None:
        return tagged
    reference = support_terms.find_reference(terms.reference_pattern, subject)
    if reference:
        for ticket_id in (
            Event.objects.filter(
                kind__in=(EventKind.STATUS_CHANGED, EventKind.SUPPLIER_MAIL),
                data__supplier_ref=reference,
                ticket__supplier=slug,
            )
            .order_by("-pk")
            .values_list("ticket_id", flat=True)
        ):
            return Ticket.objects.get(pk=ticket_id)
    return None


def _returning(ticket: Ticket, handed: Event, reason: str) -> list[decide.Change]:
    """The changes that return a ticket to the status and level that handed it over."""
    profile = profiles.for_ticket(ticket.profile)
    state = state_of(ticket)
    spec = profile.statuses.get(state.status)
    if spec is None or spec.category != "on_hold":
        raise Conflict(
            N_("the ticket is not with a supplier"),
            fields={"status": N_("not on hold with a supplier")},
        )
    wanted = str(handed.data.get("from", ""))
    if wanted not in spec.to or profile.statuses[wanted].category in ("on_hold", "resolved"):
        wanted = next(
            (k for k in spec.to if profile.statuses[k].category in ("open", "new")), wanted
        )
    change = decide.change_status(state, profile, to=wanted, party=Party.SYSTEM, reason=reason)
    # Internal: the agent turns the supplier's answer into the partner's reply.
    data = {**change.data, "returned_by": str(handed.data["supplier"])}
    changes = [decide.Change(EventKind.STATUS_CHANGED, data, public=False)]
    level = str(handed.data.get("from_level") or "")
    if level and level != state.level and level in profile.levels:
        changes.append(
            decide.Change(
                EventKind.LEVEL_CHANGED,
                {"from": state.level, "to": level, "note": "returned from the supplier"},
                public=False,
            )
        )
    return changes


def receive(
    ticket: Ticket,
    terms: SupportTerms,
    *,
    sender: str,
    subject: str,
    body: str,
    machine: str,
    now: datetime,
) -> list[Event]:
    """Record one mail from the supplier on its ticket (locked here), and the return when it
    says the ticket is solved."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        record_due(ticket, now)
        handed = last_handoff(ticket)
        data: dict[str, object] = {
            "supplier": terms.organisation.slug,
            "from": sender[:320],
            "subject": subject[:300],
            "body": body[:BODY_MAX],
            "machine": machine[:200],
        }
        if handed is not None and not current_reference(ticket, handed):
            found = support_terms.find_reference(terms.reference_pattern, subject)
            if found:
                data["supplier_ref"] = found  # the first mail that carries it
        solved = (
            "" if machine else support_terms.says_solved(terms.solved_phrases, f"{subject}\n{body}")
        )
        changes = [decide.Change(EventKind.SUPPLIER_MAIL, data, public=False)]
        profile = profiles.for_ticket(ticket.profile)
        on_hold = (profile.statuses.get(ticket.status) or None) is not None and (
            profile.statuses[ticket.status].category == "on_hold"
        )
        if solved and handed is not None and on_hold:
            data["solved"] = solved
            changes += _returning(ticket, handed, "supplier_solved")
        return append_many(ticket, [(c, now) for c in changes], actor=None, now=now)


def solved(*, actor: User, number: str, note: str = "", now: datetime) -> Event:
    """The agent's word that the supplier solved it: the ticket returns to the status and level
    that handed it over, with the agent's note of the supplier's answer."""
    with transaction.atomic():
        # The ticket is looked up first: one the actor may not see is NotFound, not Forbidden.
        ticket = get_ticket(actor, number, for_update=True)
        if party_of(Role(actor.role)) is not Party.PROVIDER:
            raise Forbidden(N_("only the provider takes a ticket back from its supplier"))
        if len(note) > BODY_MAX:
            raise Invalid(
                N_("the note is too long"),
                fields={"note": N_("at most %(limit)s characters", limit=BODY_MAX)},
            )
        record_due(ticket, now)
        handed = last_handoff(ticket)
        if handed is None:
            raise Conflict(
                N_("the ticket was never handed to a supplier"),
                fields={"status": N_("not handed over")},
            )
        changes = _returning(ticket, handed, "supplier_solved")
        if note.strip():
            changes.insert(0, decide.Change(EventKind.NOTE, {"body": note.strip()}, public=False))
        return append_many(ticket, [(c, now) for c in changes], actor=actor, now=now)[0]
