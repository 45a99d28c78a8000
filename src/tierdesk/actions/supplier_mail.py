"""What goes to a supplier's own desk: the registry in force recorded on the hand-off, the
hand-off mail composed from the note, the fields the profile shares with suppliers and what the
agent adds, and the chase at the OLA warning. Outbox rows only; the write path sends nothing
itself. Never the partner's identity or private fields unless the agent adds them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk import profiles
from tierdesk.actions.notify import reader_language
from tierdesk.domain.errors import Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Attachment, Event, Notification, SupportTerms, Ticket
from tierdesk.queries.supplier_calendar import own_calendar_spec

# The ticket's own fields an agent may add to a hand-off mail beyond what the profile shares.
PRIVATE_FIELDS = ("description", "organisation", "requester", "customer_account")
HANDOFF, CHASE = "supplier_handoff", "supplier_chase"
MAX_FILES = 20


def supplier_address(profile: Profile) -> str:
    """The desk's supplier-facing address (`[suppliers] address`), else its own sender."""
    address = profile.suppliers.address if profile.suppliers is not None else ""
    return address or str(settings.DEFAULT_FROM_EMAIL)


def shareable_extras(ticket: Ticket) -> list[str]:
    """What an agent may add to the mail: the private fields and the form fields not shared."""
    profile = profiles.for_ticket(ticket.profile)
    shared = profile.suppliers.shared if profile.suppliers is not None else ("subject",)
    form = [f.key for f in profile.form if f.key not in shared]
    return [k for k in (*PRIVATE_FIELDS, *form) if k not in shared]


def recorded(
    ticket: Ticket,
    terms: SupportTerms | None,
    *,
    now: datetime,
    attachments: Sequence[int] = (),
    extra_fields: Sequence[str] = (),
) -> dict[str, Any]:
    """The supplier's registry in force at the hand-off, and the mail that goes with it."""
    files = sorted({int(a) for a in attachments})
    if len(files) > MAX_FILES:
        raise Invalid(
            N_("too many files"), fields={"attachments": N_("at most %(limit)s", limit=MAX_FILES)}
        )
    known = set(Attachment.objects.filter(ticket=ticket, pk__in=files).values_list("pk", flat=True))
    if set(files) - known:
        raise Invalid(
            N_("the files are not this ticket's"),
            fields={"attachments": N_("choose files of this ticket")},
        )
    allowed = shareable_extras(ticket)
    unknown = [f for f in extra_fields if f not in allowed]
    if unknown:
        raise Invalid(
            N_("those fields cannot be added"),
            fields={
                "fields": N_(
                    "%(value)r is not one of %(value2)s",
                    value=unknown[0][:40],
                    value2=", ".join(allowed),
                )
            },
        )
    if terms is None:
        if files or extra_fields:
            raise Invalid(
                N_("the supplier has no support terms"),
                fields={"supplier": N_("register how it takes requests first")},
            )
        return {}
    out: dict[str, Any] = {
        "supplier_severity": str(dict(terms.severity_map).get(ticket.severity, "")),
        "ola_response": terms.response_target,
        "ola_hours": own_calendar_spec(terms, now.date()),
    }
    if out["ola_hours"] is not None:
        out["ola_calendar"] = f"supplier:{terms.organisation.slug}"
    if terms.method == SupportTerms.EMAIL:
        out["mail"] = {
            "to": terms.contact,
            "attachments": files,
            "fields": [f for f in allowed if f in extra_fields],
        }
    elif files or extra_fields:
        raise Invalid(
            N_("files and fields go only with a hand-off by e-mail"),
            fields={
                "attachments" if files else "fields": N_("this supplier is not asked by e-mail")
            },
        )
    return out


def _field_lines(ticket: Ticket, profile: Profile, names: Sequence[str]) -> list[str]:
    labels = {f.key: f.label for f in profile.form}
    lines = []
    for name in names:
        if name == "subject":
            continue  # the mail's subject
        if name == "description":
            lines.append(f"{_('Description')}:\n{ticket.description}")
        elif name == "organisation":
            lines.append(f"{_('Partner')}: {ticket.organisation.name}")
        elif name == "requester" and ticket.requester is not None:
            who = ticket.requester.get_full_name() or ticket.requester.username
            lines.append(f"{_('Requester')}: {who} <{ticket.requester.email}>")
        elif name == "customer_account" and ticket.customer_account is not None:
            lines.append(f"{_('End customer')}: {ticket.customer_account.name}")
        elif name in ticket.form and str(ticket.form[name]).strip():
            lines.append(f"{labels.get(name, name)}: {ticket.form[name]}")
    return lines


def _row(
    ticket: Ticket, event: Event, *, kind: str, to: str, subject: str, body: str, now: datetime
) -> Notification:
    digest = hashlib.sha256(f"{event.pk}:{kind}:{to}".encode()).hexdigest()[:20]
    return Notification(
        ticket=ticket,
        event=event,
        kind=kind,
        recipient=to,
        recipient_user=None,
        subject=subject[:300],
        body=body,
        dedupe_key=f"event:{event.pk}:{to}"[:200],
        message_id=f"<s.{digest}@{settings.TIERDESK['MAIL_DOMAIN']}>",
        in_reply_to=handoff_message_id(ticket)[:990] if kind == CHASE else "",
        next_attempt_at=now,
        created_at=now,
    )


def handoff_message_id(ticket: Ticket) -> str:
    """The Message-ID of the last hand-off mail of the ticket, which the chase answers."""
    return (
        Notification.objects.filter(ticket=ticket, kind=HANDOFF)
        .order_by("-pk")
        .values_list("message_id", flat=True)
        .first()
        or ""
    )


def subject_of(ticket: Ticket, profile: Profile, reference: str = "") -> str:
    shared = profile.suppliers.shared if profile.suppliers is not None else ("subject",)
    title = ticket.subject if "subject" in shared else _("Support request")
    theirs = f" ({_('your reference %(ref)s') % {'ref': reference}})" if reference else ""
    return f"[{ticket.number}] {title}{theirs}"


def rows_for(ticket: Ticket, event: Event, *, now: datetime) -> list[Notification]:
    """The outbox rows to the supplier an event causes: the hand-off mail, the chase."""
    data = event.data
    mail = data.get("mail") if event.kind == EventKind.STATUS_CHANGED else None
    chase = event.kind == EventKind.SUPPLIER_CHASED and data.get("method") == SupportTerms.EMAIL
    if not mail and not chase:
        return []
    profile = profiles.for_ticket(ticket.profile)
    with translation.override(reader_language(None, profile)):
        if isinstance(mail, dict) and mail.get("to"):
            shared = profile.suppliers.shared if profile.suppliers is not None else ("subject",)
            severity = profile.severities.get(ticket.severity)
            ours = severity.label if severity is not None else ticket.severity
            theirs = str(data.get("supplier_severity") or "")
            parts = [str(data.get("note", "")).strip()]
            facts = [
                f"{_('Our reference')}: {ticket.number}",
                f"{_('Severity')}: {theirs} ({ours})" if theirs else f"{_('Severity')}: {ours}",
            ]
            if data.get("supplier_ref"):
                facts.append(f"{_('Your reference')}: {data['supplier_ref']}")
            parts.append("\n".join(facts))
            lines = _field_lines(ticket, profile, [*shared, *mail.get("fields", [])])
            if lines:
                parts.append("\n".join(lines))
            parts.append(
                _("Please keep [%(number)s] in the subject when you answer.")
                % {"number": ticket.number}
            )
            body = "\n\n".join(p for p in parts if p)
            subject = subject_of(ticket, profile, str(data.get("supplier_ref") or ""))
            return [
                _row(ticket, event, kind=HANDOFF, to=str(mail["to"]), subject=subject,
                     body=body, now=now)
            ]  # fmt: skip
        if chase and data.get("to"):
            subject = _("Reminder") + ": " + subject_of(ticket, profile, str(data.get("ref", "")))
            body = _(
                "We are still waiting for your answer to %(number)s, handed to you on "
                "%(since)s. The time you agreed for it runs out at %(due)s."
            ) % {
                "number": ticket.number,
                "since": str(data.get("handed_at", ""))[:16].replace("T", " ") + " UTC",
                "due": str(data.get("due_at", ""))[:16].replace("T", " ") + " UTC",
            }
            return [
                _row(ticket, event, kind=CHASE, to=str(data["to"]), subject=subject, body=body,
                     now=now)
            ]  # fmt: skip
    return []


def last_handoff(ticket: Ticket) -> Event | None:
    """The event that last handed the ticket to a supplier."""
    for event in Event.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).order_by(
        "-seq"
    ):
        if event.data.get("supplier"):
            return event
    return None


def current_reference(ticket: Ticket, since: Event | None = None) -> str:
    """The supplier's reference for the ticket's last hand-off: given at the hand-off or found in
    the first of its mails that carried one."""
    handed = since or last_handoff(ticket)
    if handed is None:
        return ""
    if handed.data.get("supplier_ref"):
        return str(handed.data["supplier_ref"])
    found = (
        Event.objects.filter(ticket=ticket, kind=EventKind.SUPPLIER_MAIL, seq__gt=handed.seq)
        .exclude(data__supplier_ref="")
        .exclude(data__supplier_ref=None)
        .order_by("seq")
        .values_list("data", flat=True)
        .first()
    )
    return str(found.get("supplier_ref", "")) if isinstance(found, dict) else ""


def chase(ticket: Ticket, *, due_at: datetime | None) -> dict[str, Any] | None:
    """What the OLA warning's chase records: to the supplier by e-mail where that is its method,
    else to the agent who handed over (who is told by the notification rules)."""
    handed = last_handoff(ticket)
    if handed is None:
        return None
    slug = str(handed.data["supplier"])
    terms = SupportTerms.objects.filter(organisation__slug=slug).first()
    method = terms.method if terms is not None else ""
    return {
        "supplier": slug,
        "method": method,
        "to": terms.contact if terms is not None and method == SupportTerms.EMAIL else "",
        "contact": terms.contact if terms is not None else "",
        "escalation": list(terms.escalation_contacts) if terms is not None else [],
        "handed_at": handed.at.isoformat(),
        "due_at": due_at.isoformat() if due_at is not None else "",
        "ref": current_reference(ticket, handed),
    }
