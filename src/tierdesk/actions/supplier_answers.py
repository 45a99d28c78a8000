"""What comes back from a supplier's own desk: its mails thread to the ticket handed to it (by
our Message-ID, our tag, or its reference once known), each recorded as a supplier event
(internal: the desk reads it, the partner never does) that tells the agent who handed over. Its
automatic answers, bounces and auto-replies are recorded as such, not as answers. When it says
the ticket is solved (a phrase or status of its terms), or the agent says so, the ticket returns
to the status and level that handed it over."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction

from tierdesk import profiles
from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append_many
from tierdesk.actions.supplier_mail import CHASE, HANDOFF, current_reference, last_handoff
from tierdesk.actions.tickets import upload_limit
from tierdesk.domain import support_terms, uploads
from tierdesk.domain import ticket as decide
from tierdesk.domain.errors import Conflict, Forbidden, Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.mail import ticket_tags
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.words import N_
from tierdesk.persistence.mapping import state_of
from tierdesk.persistence.models import (
    Attachment,
    Event,
    InboundMessage,
    Notification,
    SupportTerms,
    Ticket,
    User,
)
from tierdesk.queries.tickets import get_ticket

BODY_MAX = 100_000


@dataclass(frozen=True)
class File:
    """A file that came with the supplier's mail, as the intake parsed it."""

    name: str
    content_type: str
    data: bytes


def _keep_files(
    ticket: Ticket, files: Sequence[File], *, slug: str, now: datetime
) -> tuple[list[Attachment], dict[str, object], list[decide.Change]]:
    """Store the supplier's files as a partner's are stored (the desk's size limit, the
    sanitised name, a generated path), internal to the desk: the kept rows, what the mail's event
    says of them (the kept files' ids, those over the limit), and one internal attachment event
    each (what the ticket's file list, its page and redaction read)."""
    limit = upload_limit()
    kept: list[Attachment] = []
    listed: list[int] = []
    refused: list[dict[str, object]] = []
    changes: list[decide.Change] = []
    for item in files:
        if len(item.data) > limit:
            refused.append(
                {"name": uploads.clean_filename(item.name), "size": len(item.data), "limit": limit}
            )
            continue
        checked = uploads.check_upload(
            name=item.name, size=len(item.data), content_type=item.content_type, limit=limit
        )
        row = Attachment(
            ticket=ticket,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=hashlib.sha256(item.data).hexdigest(),
            public=False,  # the desk reads a supplier's files; the partner never does
            uploaded_by=None,
            uploaded_at=now,
        )
        row.file.save(checked.name, ContentFile(item.data), save=False)
        kept.append(row)
        try:
            row.save()
        except BaseException:
            for done in kept:
                done.file.delete(save=False)
            raise
        listed.append(row.pk)
        change = decide.attachment(
            attachment_id=row.pk,
            name=checked.name,
            size=checked.size,
            sha256=row.sha256,
            content_type=checked.content_type,
            public=False,
            party=Party.SUPPLIER,
        )
        changes.append(decide.Change(change.kind, {**change.data, "supplier": slug}, public=False))
    said: dict[str, object] = {}
    if listed:
        said["attachments"] = listed
    if refused:
        said["refused_files"] = refused
    return kept, said, changes


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
    files: Sequence[File] = (),
) -> list[Event]:
    """Record one mail from the supplier on its ticket (locked here), with the files it brought,
    and the return when it says the ticket is solved."""
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
        kept, said, stored = _keep_files(ticket, files, slug=terms.organisation.slug, now=now)
        data.update(said)
        changes = [decide.Change(EventKind.SUPPLIER_MAIL, data, public=False), *stored]
        profile = profiles.for_ticket(ticket.profile)
        on_hold = (profile.statuses.get(ticket.status) or None) is not None and (
            profile.statuses[ticket.status].category == "on_hold"
        )
        if solved and handed is not None and on_hold:
            data["solved"] = solved
            changes += _returning(ticket, handed, "supplier_solved")
        try:
            return append_many(ticket, [(c, now) for c in changes], actor=None, now=now)
        except BaseException:
            for row in kept:
                row.file.delete(save=False)
            raise


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
