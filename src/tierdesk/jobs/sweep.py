"""The sweep: claim tickets whose next deadline has passed and record what the clock made happen.

An index range scan on `next_deadline`, so its cost grows with what is due, not with what is
open. On PostgreSQL tickets are claimed with FOR UPDATE SKIP LOCKED, so any number of workers
can sweep at once; each outcome is recorded once (the row lock, and a unique key per outcome).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from tierdesk.actions.automatic import record_due
from tierdesk.persistence.models import Ticket

log = logging.getLogger(__name__)
BATCH = 50
RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class SweepResult:
    tickets: int
    events: int


def sweep(now: datetime, *, limit: int = 10_000) -> SweepResult:
    """Record every automatic outcome due by `now`, on up to `limit` tickets."""
    tickets = events = 0
    while tickets < limit:
        with transaction.atomic():
            claimed = list(
                Ticket.objects.filter(next_deadline__lte=now)
                .order_by("next_deadline")
                .select_for_update(skip_locked=True)[: min(BATCH, limit - tickets)]
            )
            if not claimed:
                break
            for ticket in claimed:
                try:
                    with transaction.atomic():
                        events += len(record_due(ticket, now))
                except Exception:
                    # One broken ticket must not stop the others: log it and look again later.
                    log.exception(
                        "sweep failed on %s; retrying after %s", ticket.number, RETRY_AFTER
                    )
                    Ticket.objects.filter(pk=ticket.pk).update(next_deadline=now + RETRY_AFTER)
                tickets += 1
    return SweepResult(tickets, events)
