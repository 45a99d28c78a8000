"""Delivering the outbox: claim due notifications, send them, retry with backoff.

Each notification is sent once, even with several workers and a slow mail server:

- Rows are claimed in small batches (`OUTBOX_BATCH`, FOR UPDATE SKIP LOCKED on PostgreSQL), each
  claim with its own token and a lease counted from the moment of the claim.
- While the batch is sent, a keeper renews the lease on its own connection every third of the
  lease, so a claim outlives a slow SMTP conversation but not its worker: a worker that dies (or
  is killed) stops renewing, and its rows are taken up by another within one lease (seconds).
- Before each send the worker renews that row's lease only if it still holds the claim, and the
  "sent" (or "failed") update checks the token too: a worker that lost its claim sends nothing
  more and records nothing over the worker that took the row.

A row sent again after its worker died mid-conversation keeps its Message-ID, so a receiving
system can tell the repeat.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.db import connections
from django.db.models import Count

from tierdesk import clock
from tierdesk.actions.outbox import claim, mark_failed, mark_sent, renew
from tierdesk.outgoing.mail import build
from tierdesk.persistence.models import Notification

log = logging.getLogger(__name__)


def lease() -> timedelta:
    """How long a claim holds without renewal (`TIERDESK_OUTBOX_LEASE_SECONDS`)."""
    return timedelta(seconds=settings.TIERDESK["OUTBOX_LEASE_SECONDS"])


def batch_size() -> int:
    return int(settings.TIERDESK["OUTBOX_BATCH"])


def max_attempts() -> int:
    return int(settings.TIERDESK["OUTBOX_MAX_ATTEMPTS"])


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: the first backoff, doubled each time, capped."""
    first = settings.TIERDESK["OUTBOX_BACKOFF_SECONDS"]
    cap = settings.TIERDESK["OUTBOX_BACKOFF_MAX_SECONDS"]
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), cap))


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int
    lost: int = 0  # claims another worker had taken over before this one sent


def _claim(at: datetime, token: str, size: int) -> list[Notification]:
    return claim(at, token, size, until=at + lease())


class _Keeper:
    """Renews a claim's lease on its own database connection while the batch is being sent.

    Not started inside an outer transaction (a test's, or a caller's): there the claim is not
    committed, so no other worker can see it, and a second connection could not either.
    """

    def __init__(self, ids: list[int], token: str, claimed: datetime, at: Callable[[], datetime]):
        self.ids, self.token, self.at = ids, token, at
        # Until when the claim surely holds: from the claim, then from each renewal that began
        # before the previous one ran out (a later one may have found rows taken over).
        self.held_until = claimed + lease()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Keeper:
        if not db.in_atomic_block:
            self.thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)
            self.thread.start()
        return self

    def surely_held(self, at: datetime) -> bool:
        """True while the claim holds with room to spare (half a lease): no need to ask."""
        return at < self.held_until - lease() / 2

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _run(self) -> None:
        every = lease().total_seconds() / 3
        try:
            while not self.stop.wait(every):
                try:
                    began = self.at()
                    renew(self.ids, self.token, until=began + lease())
                    if began < self.held_until:
                        self.held_until = began + lease()
                except Exception:  # the database away for a moment: try again next time
                    log.warning("could not renew the outbox lease %s", self.token, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's connection only


def deliver(now: datetime, *, limit: int = 10_000) -> DeliveryResult:
    """Send what is due at `now`. A row that fails, to build or to send, is counted, backed off
    and, after `OUTBOX_MAX_ATTEMPTS`, parked as failed with its reason; the rows behind it go on.

    `now` is the instant the run starts; each claim, renewal and "sent" is stamped with `now` plus
    the time the clock has moved since, so a lease is counted from its own claim."""
    started = clock.now()

    def at() -> datetime:
        return now + (clock.now() - started)

    sent = failed = lost = 0
    connection = get_connection()
    while sent + failed + lost < limit:
        token, claimed = uuid.uuid4().hex, at()
        rows = _claim(claimed, token, min(batch_size(), limit - sent - failed - lost))
        if not rows:
            break
        with _Keeper([r.pk for r in rows], token, claimed, at) as keeper:
            for row in rows:
                # Still ours? Surely, while the claim or the keeper's last renewal is recent;
                # otherwise renewing this row's lease alone answers it in one statement.
                if not keeper.surely_held(at()) and not renew(
                    [row.pk], token, until=at() + lease()
                ):
                    log.warning("notification %s was taken over by another worker", row.pk)
                    lost += 1
                    continue
                attempts = row.attempts + 1
                try:
                    build(row, connection).send()
                except Exception as exc:  # building or sending: retry later, never lose the row
                    _failed(row, token, attempts, exc, at())
                    failed += 1
                    continue
                if not mark_sent(row.pk, token, attempts=attempts, at=at()):
                    log.warning("notification %s was sent after its claim was taken over", row.pk)
                    lost += 1
                    continue
                sent += 1
    return DeliveryResult(sent, failed, lost)


def _failed(row: Notification, token: str, attempts: int, exc: Exception, at: datetime) -> None:
    parked = attempts >= max_attempts()
    reason = f"{type(exc).__name__}: {exc}"[:1900]
    mark_failed(
        row.pk,
        token,
        parked=parked,
        attempts=attempts,
        next_attempt_at=at + backoff(attempts),
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
