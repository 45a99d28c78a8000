"""The outbox's claims on notifications (`jobs/outbox.py` sends them): claim a batch under a
token, renew the lease, and record each as sent or failed only while the token still holds it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from tierdesk.persistence.models import Notification


def claim(at: datetime, token: str, size: int, *, until: datetime) -> list[Notification]:
    """Up to `size` notifications due at `at` (or whose claim ran out), claimed until `until`."""
    with transaction.atomic():
        rows = list(
            Notification.objects.filter(
                Q(status=Notification.PENDING, next_attempt_at__lte=at)
                | Q(status=Notification.SENDING, claimed_until__lt=at)
            )
            .select_related("ticket", "recipient_user")
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))[:size]
        )
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=Notification.SENDING, claimed_until=until, claim_token=token
        )
    return rows


def _held(ids: list[int], token: str) -> Q:
    return Q(pk__in=ids, claim_token=token, status=Notification.SENDING)


def renew(ids: list[int], token: str, *, until: datetime) -> int:
    """Extend the lease of the rows the token still holds; how many it still holds."""
    return Notification.objects.filter(_held(ids, token)).update(claimed_until=until)


def mark_sent(pk: int, token: str, *, attempts: int, at: datetime) -> int:
    """1 when recorded as sent, 0 when the claim was taken over meanwhile."""
    return Notification.objects.filter(_held([pk], token)).update(
        status=Notification.SENT, attempts=attempts, sent_at=at, claimed_until=None
    )


def mark_failed(
    pk: int,
    token: str,
    *,
    parked: bool,
    attempts: int,
    next_attempt_at: datetime,
    last_error: str,
) -> None:
    """Back off (or park, given up on) a notification that could not be built or sent."""
    Notification.objects.filter(_held([pk], token)).update(
        status=Notification.FAILED if parked else Notification.PENDING,
        attempts=attempts,
        next_attempt_at=next_attempt_at,
        claimed_until=None,
        last_error=last_error,
    )
