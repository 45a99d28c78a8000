"""The sweep: claim tickets whose next deadline has passed and record what the clock made happen.

A deadline is claimed once it has passed, not at its instant: an answer at the due instant meets
its target, so a sweep at that instant would have nothing to record.

An index range scan on `next_deadline`, so its cost grows with what is due, not with what is
open. On PostgreSQL tickets are claimed with FOR UPDATE SKIP LOCKED, so any number of workers
can sweep at once; each outcome is recorded once (the row lock, and a unique key per outcome).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from tierdesk.actions.automatic import put_off, record_due, record_due_together
from tierdesk.persistence.models import Ticket

log = logging.getLogger(__name__)
BATCH = 50
RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class SweepResult:
    tickets: int
    events: int


def sweep(now: datetime, *, limit: int = 10_000) -> SweepResult:
    """Record every automatic outcome due by `now`, on up to `limit` ticket claims."""
    tickets = events = 0
    while tickets < limit:
        with transaction.atomic():
            claimed = list(
                Ticket.objects.filter(next_deadline__lt=now)
                .order_by("next_deadline")
                .select_for_update(skip_locked=True)[: min(BATCH, limit - tickets)]
            )
            if not claimed:
                break
            try:
                with transaction.atomic():
                    events += record_due_together(claimed, now)
            except Exception:
                # Something in the batch failed: take its tickets one by one, so one broken ticket
                # cannot hold the others back.
                log.exception(
                    "sweep batch failed; retrying its %s tickets one at a time", len(claimed)
                )
                events += _one_by_one(claimed, now)
            tickets += len(claimed)
    return SweepResult(tickets, events)


def _one_by_one(claimed: list[Ticket], now: datetime) -> int:
    events = 0
    for ticket in claimed:
        ticket.refresh_from_db()
        try:
            with transaction.atomic():
                events += len(record_due(ticket, now))
        except Exception:
            log.exception("sweep failed on %s; retrying after %s", ticket.number, RETRY_AFTER)
            put_off(ticket, until=now + RETRY_AFTER)
    return events
