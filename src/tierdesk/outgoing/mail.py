"""Notification e-mails: threaded into the ticket's conversation, tagged, marked automatic, with
a reply address that comes back to the desk; text and HTML from templates per language, which a
provider may override per profile under DATA_DIR/templates/mail/<profile>/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import select_template

from tierdesk import profiles
from tierdesk.actions.notify import reader_language
from tierdesk.actions.supplier_mail import CHASE, HANDOFF, supplier_address
from tierdesk.persistence.models import Attachment, InboundMessage, Notification

MAX_REFERENCES = 20


def _templates(profile: str, language: str, extension: str) -> list[str]:
    return [
        f"mail/{profile}/notification.{language}.{extension}",
        f"mail/{profile}/notification.{extension}",
        f"mail/notification.{language}.{extension}",
        f"mail/notification.{extension}",
    ]


def thread_of(row: Notification) -> list[str]:
    """The Message-IDs of the ticket's conversation so far, oldest first."""
    if row.ticket is None:
        return [row.in_reply_to] if row.in_reply_to else []
    inbound = list(
        InboundMessage.objects.filter(ticket=row.ticket)
        .exclude(message_id="")
        .order_by("received_at")
        .values_list("message_id", flat=True)[:MAX_REFERENCES]
    )
    sent = list(
        Notification.objects.filter(ticket=row.ticket, recipient=row.recipient, pk__lt=row.pk)
        .order_by("-pk")
        .values_list("message_id", flat=True)[:MAX_REFERENCES]
    )
    return [*inbound[:1], *reversed(sent), *inbound[1:]][-MAX_REFERENCES:]


def build_for_supplier(row: Notification, connection: BaseEmailBackend) -> EmailMessage:
    """A mail to a supplier's own desk: from the desk's supplier-facing address, with our tag in
    the subject and our Message-ID (its answers thread back by either), the files the agent
    picked; the chase answers the hand-off mail. Written by a person's hand-off, so no
    Auto-Submitted on it (a supplier's system may drop automatic mail); the chase is automatic."""
    profile = profiles.active()
    address = supplier_address(profile)
    headers = {"Message-ID": row.message_id}
    if row.ticket is not None:
        headers["X-Tierdesk-Ticket"] = row.ticket.number
    if row.kind == CHASE:
        headers["Auto-Submitted"] = "auto-generated"
    if row.in_reply_to:
        headers["In-Reply-To"] = row.in_reply_to
        headers["References"] = row.in_reply_to
    message = EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=address,
        to=[row.recipient],
        headers=headers,
        connection=connection,
        reply_to=[address],
    )
    files = (row.event.data.get("mail") or {}).get("attachments", []) if row.event else []
    if files and row.ticket is not None:
        for item in Attachment.objects.filter(ticket=row.ticket, pk__in=files).order_by("pk"):
            with item.file.open("rb") as handle:
                message.attach(item.original_name, handle.read(), item.content_type)
    return message


def build(row: Notification, connection: BaseEmailBackend) -> EmailMessage:
    if row.kind in (HANDOFF, CHASE):
        return build_for_supplier(row, connection)
    profile = profiles.active()
    ticket = row.ticket
    # LuxCloud 2.5: "Tickets will be responded to in English only": what reaches a partner (or
    # any address outside the desk) is in the reply language; the desk's own people read theirs.
    language = reader_language(row.recipient_user, profile)
    context = {
        "body": row.body,
        "number": ticket.number if ticket else "",
        "subject": ticket.subject if ticket else "",
        "provider": profile.provider_name,
        "language": language,
    }
    text = select_template(_templates(profile.name, language, "txt")).render(context)
    markup = select_template(_templates(profile.name, language, "html")).render(context)
    thread = thread_of(row)
    headers = {
        "Message-ID": row.message_id,
        # RFC 3834: an automatic answer to a mail is auto-replied (the confirmation of a ticket
        # opened by mail, the notice to an unknown sender); everything else is auto-generated.
        "Auto-Submitted": "auto-replied"
        if row.in_reply_to or (row.kind == "created" and thread)
        else "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if ticket is not None:
        headers["X-Tierdesk-Ticket"] = ticket.number
        reply_to = next((a for a, q in profile.email_queues.items() if q == ticket.queue), None)
    else:
        reply_to = None
    parent = row.in_reply_to or (thread[-1] if thread else "")
    if parent:
        headers["In-Reply-To"] = parent
        headers["References"] = " ".join(dict.fromkeys([*thread, parent]))
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        headers=headers,
        connection=connection,
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(markup, "text/html")
    return message
