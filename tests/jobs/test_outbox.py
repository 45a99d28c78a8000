"""Notifications are written with the change and delivered once, with retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.jobs.outbox import deliver
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import Notification


def outbox(kind: str | None = None) -> list[tuple[str, str]]:
    rows = Notification.objects.order_by("id")
    if kind:
        rows = rows.filter(kind=kind)
    return [(n.recipient, n.subject) for n in rows]


def test_opening_tells_the_requester_and_the_level(desk: Desk) -> None:
    t = desk.open()
    assert outbox("created") == [
        ("ned@example.com", f"[{t.number}] Ticket received: Mailbox quota not applied"),
        ("agent1@example.com", f"[{t.number}] New ticket: Mailbox quota not applied"),
    ]


def test_internal_notes_tell_no_one_and_actors_are_not_told_their_own_change(desk: Desk) -> None:
    t = desk.open()
    before = Notification.objects.count()
    act.add_note(actor=desk.l1, number=t.number, body="internal", now=clock.now())
    act.add_reply(actor=desk.l1, number=t.number, body="Looking", now=clock.now())
    assert outbox("reply") == [
        ("ned@example.com", f"[{t.number}] Update: Mailbox quota not applied")
    ]
    assert Notification.objects.count() == before + 1


def test_breaches_reach_assignee_and_level_emergencies_the_on_call(desk: Desk) -> None:
    t = desk.open(severity="high")
    act.assign(actor=desk.l1, number=t.number, assignee=desk.l2, now=clock.now())
    sweep(clock.now() + timedelta(hours=2))
    assert sorted(r for r, _ in outbox("sla_breach")) == [
        "agent1@example.com",
        "agent2@example.com",
        "desk.manager@democloud.example.com",
    ]
    e = desk.open(subject="EMERGENCY everything is down")
    recipients = [r for r, s in outbox("created") if s.startswith(f"[{e.number}] EMERGENCY")]
    assert recipients == ["noc.oncall@democloud.example.com", "nocagent@example.com"]


def test_delivery_sends_each_once_with_a_stable_message_id(desk: Desk) -> None:
    desk.open()
    assert deliver(clock.now()).sent == 2
    assert deliver(clock.now()).sent == 0
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.extra_headers["Message-ID"] == Notification.objects.order_by("id")[0].message_id
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_failures_are_retried_with_backoff(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    desk.open()

    def broken(self, messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    result = deliver(clock.now())
    assert (result.sent, result.failed) == (0, 2)
    row = Notification.objects.order_by("id")[0]
    assert row.status == "pending" and row.attempts == 1 and "smtp down" in row.last_error
    assert row.next_attempt_at == clock.now() + timedelta(minutes=2)
    assert deliver(clock.now()).failed == 0  # not due yet
    monkeypatch.undo()
    assert deliver(clock.now() + timedelta(minutes=3)).sent == 2
