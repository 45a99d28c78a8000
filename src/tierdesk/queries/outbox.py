"""The outbox as an operator sees it: how many notifications are in each state, how long the
oldest unsent one has waited, and how many claims a dead worker left to expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from tierdesk.persistence.models import Notification


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sending: int
    sent: int
    failed: int
    oldest_unsent: datetime | None  # when the longest-waiting pending or sending row was written
    expired_claims: int  # rows being sent whose lease has passed: their worker stopped renewing

    def oldest_age_seconds(self, now: datetime) -> float:
        return 0.0 if self.oldest_unsent is None else (now - self.oldest_unsent).total_seconds()


def counts(now: datetime) -> OutboxCounts:
    """Two statements: the states by count, then the unsent rows' oldest and expired claims."""
    by_state = dict.fromkeys(
        (Notification.PENDING, Notification.SENDING, Notification.SENT, Notification.FAILED), 0
    )
    for status, n in Notification.objects.values_list("status").annotate(n=Count("id")).order_by():
        by_state[status] = n
    unsent = Notification.objects.filter(
        status__in=(Notification.PENDING, Notification.SENDING)
    ).aggregate(
        oldest=Min("created_at"),
        expired=Count("id", filter=Q(status=Notification.SENDING, claimed_until__lt=now)),
    )
    return OutboxCounts(
        pending=by_state[Notification.PENDING],
        sending=by_state[Notification.SENDING],
        sent=by_state[Notification.SENT],
        failed=by_state[Notification.FAILED],
        oldest_unsent=unsent["oldest"],
        expired_claims=unsent["expired"],
    )
