"""Delivering the outbox: claim due notifications, send them, retry with backoff.

Rows are claimed with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so several workers share
the work; a worker that dies mid-send leaves its lease to expire and the row is sent again with
the same Message-ID, so a receiving system can tell the repeat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Q

from tierdesk.mail.outbound import build
from tierdesk.persistence.models import Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BATCH = 100


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), timedelta(hours=6))


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int


def _claim(now: datetime) -> list[Notification]:
    with transaction.atomic():
        rows = list(
            Notification.objects.filter(
                Q(status=Notification.PENDING, next_attempt_at__lte=now)
                | Q(status=Notification.SENDING, claimed_until__lt=now)
            )
            .select_related("ticket", "recipient_user")
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))[:BATCH]
        )
        ids = [r.pk for r in rows]
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.SENDING,
            claimed_until=now + timedelta(seconds=settings.TIERDESK["OUTBOX_LEASE_SECONDS"]),
        )
    return rows


def deliver(now: datetime, *, limit: int = 10_000) -> DeliveryResult:
    """Send what is due. A row that fails, to build or to send, is counted, backed off and,
    after MAX_ATTEMPTS, parked as failed with its reason; the rows behind it go on."""
    sent = failed = 0
    connection = get_connection()
    while sent + failed < limit:
        rows = _claim(now)
        if not rows:
            break
        for row in rows:
            attempts = row.attempts + 1
            try:
                build(row, connection).send()
            except Exception as exc:  # building or sending: retry later, never lose the row
                _failed(row, attempts, exc, now)
                failed += 1
                continue
            Notification.objects.filter(pk=row.pk).update(
                status=Notification.SENT, attempts=attempts, sent_at=now, claimed_until=None
            )
            sent += 1
    return DeliveryResult(sent, failed)


def _failed(row: Notification, attempts: int, exc: Exception, now: datetime) -> None:
    parked = attempts >= MAX_ATTEMPTS
    reason = f"{type(exc).__name__}: {exc}"[:1900]
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.FAILED if parked else Notification.PENDING,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        claimed_until=None,
        last_error=f"parked after {attempts} attempts: {reason}" if parked else reason,
    )
    log.warning(
        "notification %s to %s failed (%s attempts%s): %s",
        row.pk,
        row.recipient,
        attempts,
        ", parked" if parked else "",
        reason,
    )


def summary() -> dict[str, int]:
    """How many notifications are in each state."""
    counts = dict.fromkeys(
        (Notification.PENDING, Notification.SENDING, Notification.SENT, Notification.FAILED), 0
    )
    for status, count in (
        Notification.objects.values_list("status").annotate(n=Count("id")).order_by()
    ):
        counts[status] = count
    return counts


def parked(limit: int = 200) -> list[Notification]:
    """The notifications given up on, newest first, each with the reason of its last failure."""
    return list(
        Notification.objects.filter(status=Notification.FAILED)
        .select_related("ticket")
        .order_by("-next_attempt_at", "-id")[:limit]
    )
