"""The record of each message the mail intake receives (`intake/mail.py` reads and decides
it): stored once per dedupe key, each try counted, the decision kept on the row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import F

from tierdesk.persistence.models import InboundMessage, Notification, Ticket


def store(
    raw: bytes,
    *,
    key: str,
    message_id: str,
    source: str,
    envelope_from: str | None,
    envelope_to: Sequence[str],
    now: datetime,
) -> InboundMessage:
    """Keep a message as received, pending; IntegrityError when its key is already stored."""
    return InboundMessage.objects.create(
        dedupe_key=key,
        message_id=message_id,
        source=source[:40],
        raw=raw,
        size=len(raw),
        envelope_from=(envelope_from or "")[:320],
        envelope_to=[t.lower()[:320] for t in envelope_to],
        received_at=now,
        attempts=1,  # this first try, counted before it starts
    )


def count_try(pk: int) -> None:
    InboundMessage.objects.filter(pk=pk).update(attempts=F("attempts") + 1)


def decide(
    stored: InboundMessage,
    outcome: str,
    reason: str,
    *,
    now: datetime,
    ticket: Ticket | None = None,
) -> None:
    """Record the outcome (with what parsing learnt: sender, subject) on the stored message."""
    stored.outcome, stored.reason, stored.processed_at = outcome, reason[:4000], now
    stored.ticket = ticket
    stored.save(
        update_fields=[
            "outcome",
            "reason",
            "processed_at",
            "ticket",
            "sender",
            "subject",
            "attempts",
        ]
    )


def note_bounce(notification: Notification, reason: str) -> None:
    """A notification the desk sent came back: say so on it."""
    Notification.objects.filter(pk=notification.pk).update(last_error=f"bounced: {reason}")
