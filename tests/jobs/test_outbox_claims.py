"""Outbox claims: small batches, a lease counted from each claim, and a claim token that every
update checks, so a worker that lost its claim records nothing over the worker that took it.
(The same with real worker processes and a real SMTP sink: tests/faults/test_outbox_*.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.jobs.outbox import backoff, deliver, lease
from tierdesk.persistence.models import Notification


@pytest.fixture
def tune(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def set_(**values: int) -> None:
        for key, value in values.items():
            monkeypatch.setitem(settings.TIERDESK, key, value)

    return set_


def test_each_claim_is_a_small_batch_leased_from_its_own_claim(
    desk: Desk, fixed_clock: clock.FixedClock, monkeypatch: pytest.MonkeyPatch, tune: Any
) -> None:
    tune(OUTBOX_BATCH=1, OUTBOX_LEASE_SECONDS=15)
    desk.open()
    first, second = Notification.objects.order_by("id")
    start = clock.now()
    seen: list[tuple[str, object, str]] = []
    real = EmailBackend.send_messages

    def slow(self: EmailBackend, messages: list[Any]) -> int:
        mine = Notification.objects.get(message_id=messages[0].extra_headers["Message-ID"])
        other = Notification.objects.exclude(pk=mine.pk).get()
        seen.append((mine.status, mine.claimed_until, other.status))
        fixed_clock.advance(timedelta(seconds=10))  # a slow mail server
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow)
    assert deliver(start).sent == 2
    assert seen == [
        ("sending", start + timedelta(seconds=15), "pending"),  # the second was not yet claimed
        ("sending", start + timedelta(seconds=25), "sent"),  # claimed 10 s later, leased from then
    ]
    for row in (first, second):
        row.refresh_from_db()
        assert (row.status, row.attempts, row.claimed_until) == ("sent", 1, None)
    assert second.sent_at == start + timedelta(seconds=20)  # when its send ended


def test_a_worker_whose_claim_was_taken_over_sends_no_more_and_records_nothing(
    desk: Desk, fixed_clock: clock.FixedClock, monkeypatch: pytest.MonkeyPatch, tune: Any
) -> None:
    tune(OUTBOX_BATCH=2)
    desk.open()
    first, second = Notification.objects.order_by("id")
    real = EmailBackend.send_messages
    other: list[Any] = []
    stalled: list[bool] = []

    def stalls_beyond_its_lease(self: EmailBackend, messages: list[Any]) -> int:
        if not stalled:
            # The first worker stalls past its lease without renewing (a paused process): a
            # second worker finds the claim expired, takes both rows and sends them.
            stalled.append(True)
            fixed_clock.advance(lease() + timedelta(seconds=1))
            other.append(deliver(clock.now()))
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", stalls_beyond_its_lease)
    result = deliver(clock.now())
    assert (other[0].sent, other[0].lost) == (2, 0)
    assert (result.sent, result.failed, result.lost) == (0, 0, 2)
    # The stalled worker finished the conversation it was in, and sent nothing more.
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert sorted(ids) == sorted([first.message_id, first.message_id, second.message_id])
    for row in (first, second):
        row.refresh_from_db()
        assert (row.status, row.attempts, row.claimed_until) == ("sent", 1, None)


def test_backoff_and_attempts_follow_the_settings(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tune: Any
) -> None:
    tune(OUTBOX_BACKOFF_SECONDS=30, OUTBOX_BACKOFF_MAX_SECONDS=100, OUTBOX_MAX_ATTEMPTS=2)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    desk.open()

    def down(self: EmailBackend, messages: list[Any]) -> int:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    now = clock.now()
    assert deliver(now).failed == 2
    row = Notification.objects.order_by("id")[0]
    assert (row.status, row.next_attempt_at) == ("pending", now + timedelta(seconds=30))
    assert deliver(now + timedelta(seconds=30)).failed == 2
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 2)


def test_the_outbox_counts_for_an_operator(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    from tierdesk.queries.outbox import counts

    opened = clock.now()
    desk.open()
    fixed_clock.advance(timedelta(minutes=5))
    desk.open(subject="Second")
    first, second, *_ = Notification.objects.order_by("id")
    Notification.objects.filter(pk=first.pk).update(
        status="sending", claimed_until=clock.now() - timedelta(seconds=1), claim_token="x"
    )
    Notification.objects.filter(pk=second.pk).update(status="failed")
    state = counts(clock.now())
    assert (state.pending, state.sending, state.sent, state.failed) == (2, 1, 0, 1)
    assert state.oldest_unsent == opened and state.expired_claims == 1
    assert state.oldest_age_seconds(clock.now()) == 300
    assert deliver(clock.now()).sent == 3  # the expired claim is taken up with the rest
    assert counts(clock.now()).oldest_age_seconds(clock.now()) == 0
