"""Erasure on the indelible record: an administrator removes the text or the file of an event.

The event's content is replaced by a tombstone (`record.replace_content`, the one change the
database allows on a stored event) and a `redacted` event is appended that records the reason
and the content digests before and after, so the hash chain still verifies. Every derived copy
of the removed text goes in the same transaction: the ticket row (subject, description, form),
the outbox (queued notifications are withdrawn, sent ones keep no copy), the raw e-mail the
event came from, answers kept for idempotent retries and the duplicate check's remembered words.
The file of an attachment is deleted from storage once the transaction commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append, replace_content
from tierdesk.domain import redaction
from tierdesk.domain import ticket as decide
from tierdesk.domain.errors import Forbidden, NotFound
from tierdesk.domain.events import EventKind
from tierdesk.domain.words import N_
from tierdesk.persistence.models import (
    Attachment,
    Event,
    IdempotencyKey,
    InboundMessage,
    Notification,
    Ticket,
    User,
)
from tierdesk.queries.tickets import get_ticket

REMOVED = "[removed]"
WITHDRAWN = "withdrawn: its content was removed from the record"


def redact(*, actor: User, number: str, seq: int, part: str, reason: str, now: datetime) -> Event:
    """Remove the text (`part="text"`) or the file (`part="attachment"`) of event `seq` of ticket
    `number`, for `reason`; returns the redaction event."""
    with transaction.atomic():
        ticket = get_ticket(actor, number, for_update=True)  # a ticket not theirs: not found
        if not actor.is_active or not redaction.may_redact(actor.role):
            raise Forbidden(N_("only an administrator may remove content from the record"))
        # A sequence number the column cannot hold names no event (and must not reach the query).
        in_range = 1 <= seq <= ticket.event_count
        target = Event.objects.filter(ticket=ticket, seq=seq).first() if in_range else None
        if target is None:
            raise NotFound(
                N_("no event %(seq)s on ticket %(number)s", seq=seq, number=number),
                fields={"event": N_("no such event")},
            )
        decided = redaction.redact(
            seq=seq,
            kind=target.kind,
            public=target.public,
            data=target.data,
            part=part,
            reason=reason,
        )
        record_due(ticket, now)
        data, change = redaction.seal(decided, redaction_seq=ticket.event_count + 1)
        before = dict(target.data)
        replace_content(target, data)
        _project(ticket, target, before, data)
        event = append(ticket, change, actor=actor, now=now)
        _forget_copies(ticket, target, decided.removed, redaction_seq=event.seq)
        if part == redaction.ATTACHMENT:
            _remove_file(ticket, before.get("attachment"))
        decide.forget_words()
    return event


def _project(ticket: Ticket, target: Event, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The ticket row's copies of an opening's or a completed form's text."""
    if target.kind == EventKind.CREATED:
        ticket.subject = str(after["subject"])  # saved with the projection by `append`
        ticket.description = str(after.get("description") or "")
        removed = dict(before.get("form") or {})
    elif target.kind == EventKind.FORM_COMPLETED:
        removed = dict(before.get("fields") or {})
    else:
        return
    # Only a value that is still the removed one: a field completed later keeps its own value.
    ticket.form = {
        k: ("" if k in removed and v == removed[k] else v) for k, v in (ticket.form or {}).items()
    }
    Ticket.objects.filter(pk=ticket.pk).update(description=ticket.description, form=ticket.form)


def _pieces(removed: Iterable[str]) -> list[str]:
    """The removed texts and each of their lines: quoted copies break the text into lines."""
    out: set[str] = set()
    for text in removed:
        out.add(text)
        out.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 3)
    return sorted((p for p in out if p.strip()), key=len, reverse=True)


def _scrub(text: str, pieces: list[str]) -> str:
    for piece in pieces:
        text = text.replace(piece, REMOVED)
    return text


def _forget_copies(
    ticket: Ticket, target: Event, removed: Iterable[str], *, redaction_seq: int
) -> None:
    pieces = _pieces(removed)
    # The outbox: a queued notice of the event is withdrawn; no row keeps the text.
    for row in Notification.objects.filter(ticket=ticket):
        withdraw = row.event_id == target.pk and row.status in (
            Notification.PENDING,
            Notification.SENDING,
        )
        subject, body = _scrub(row.subject, pieces), _scrub(row.body, pieces)
        if row.event_id == target.pk:
            body = REMOVED
        if not withdraw and (subject, body) == (row.subject, row.body):
            continue
        row.subject, row.body = subject, body
        fields = ["subject", "body"]
        if withdraw:
            row.status, row.last_error, row.claimed_until, row.claim_token = (
                Notification.FAILED,
                f"{WITHDRAWN} (event {redaction_seq})",
                None,
                "",
            )
            fields += ["status", "last_error", "claimed_until", "claim_token"]
        row.save(update_fields=fields)
    # The e-mail archive: the raw message the event came from (recorded at its instant) or any
    # raw message of the ticket that holds the text.
    encoded = [p.encode("utf-8") for p in pieces]
    for message in InboundMessage.objects.filter(ticket=ticket).exclude(raw=b""):
        raw = bytes(message.raw)
        if message.processed_at != target.at and not any(p in raw for p in encoded):
            continue
        message.raw = b""
        message.subject = _scrub(message.subject, pieces)
        message.reason = f"{message.reason} · raw message removed (event {redaction_seq})"[:4000]
        message.save(update_fields=["raw", "subject", "reason"])
    # Answers kept for retried API calls that may repeat the text.
    number = ticket.number.encode("utf-8")
    stale = [
        key.pk
        for key in IdempotencyKey.objects.filter(
            Q(path__contains=f"/tickets/{ticket.number}") | Q(path__endswith="/tickets")
        )
        # The number as a whole: in the path between slashes, in the body as a JSON string.
        if b'"' + number + b'"' in bytes(key.body)
        or re.search(rf"/tickets/{re.escape(ticket.number)}(/|$)", key.path)
    ]
    IdempotencyKey.objects.filter(pk__in=stale).delete()


def _remove_file(ticket: Ticket, attachment_id: object) -> None:
    attachment = Attachment.objects.filter(ticket=ticket, pk=attachment_id).first()  # type: ignore[misc]
    if attachment is None:
        return
    stored = attachment.file
    storage, name = stored.storage, stored.name
    attachment.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
