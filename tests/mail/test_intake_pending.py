"""Nothing received is lost: a message stored and never decided (its process or the database
stopped in between) stays pending, is decided once when taken up again, and a resend of it
completes it instead of being answered as a duplicate."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError

from tests.conftest import Desk
from tests.mail.test_intake import mail
from tierdesk import clock
from tierdesk.cli.main import main
from tierdesk.config.schedule import JOBS
from tierdesk.intake import mail as intake
from tierdesk.intake.mail import MAX_ATTEMPTS, ingest, take_up_pending, waiting
from tierdesk.persistence.models import Event, InboundMessage, Ticket


def _database_gone(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


def test_a_database_failure_while_deciding_leaves_the_message_pending_and_a_resend_completes_it(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mail(Message_ID="<lost@partner.example.com>")
    with monkeypatch.context() as patch:
        patch.setattr(intake, "_decide", _database_gone)
        with pytest.raises(OperationalError):
            ingest(raw, source="smtp", now=clock.now())  # the listener answers 451
    stored = InboundMessage.objects.get()
    assert (stored.outcome, stored.ticket_id, stored.attempts) == ("pending", None, 1)
    assert not Ticket.objects.exists()

    resent = ingest(raw, source="smtp", now=clock.now())  # the sender's retry
    assert (resent.outcome, resent.ticket) == ("ticket", "DC-000001")
    stored.refresh_from_db()
    assert (stored.outcome, stored.ticket.number, stored.attempts) == ("ticket", "DC-000001", 2)
    # Decided now, so a third copy is the duplicate it looks like.
    assert ingest(raw, source="smtp", now=clock.now()).outcome == "duplicate"
    assert Ticket.objects.count() == 1


def test_a_stop_after_the_ticket_is_made_leaves_neither_ticket_nor_outcome(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ticket and the message's outcome are one transaction: taken up again, the message
    makes its ticket once, not a second one beside an orphan."""
    raw = mail(Message_ID="<half@partner.example.com>")
    with monkeypatch.context() as patch:
        patch.setattr(intake, "_finish", _database_gone)
        with pytest.raises(OperationalError):
            ingest(raw, source="smtp", now=clock.now())
    assert InboundMessage.objects.get().outcome == "pending"
    assert (Ticket.objects.count(), Event.objects.count()) == (0, 0)

    later = clock.now() + timedelta(minutes=5)
    (result,) = take_up_pending(later)
    assert (result.outcome, result.ticket) == ("ticket", "DC-000001")
    assert Ticket.objects.count() == 1
    assert take_up_pending(later) == []


def test_pending_messages_are_taken_up_after_the_configured_age(desk: Desk, settings: Any) -> None:
    settings.TIERDESK = {**settings.TIERDESK, "MAIL_PENDING_SECONDS": 120}
    now = clock.now()
    InboundMessage.objects.create(
        dedupe_key="mid:<young@x>",
        message_id="<young@x>",
        source="smtp",
        raw=mail(Message_ID="<young@x>", subject="Young"),
        size=1,
        received_at=now - timedelta(seconds=60),
    )
    InboundMessage.objects.create(
        dedupe_key="mid:<old@x>",
        message_id="<old@x>",
        source="smtp",
        raw=mail(Message_ID="<old@x>", subject="Old"),
        size=1,
        received_at=now - timedelta(seconds=180),
    )
    listed = waiting(now)
    assert [(w.subject, w.attempts) for w in listed] == [("Old", 0), ("Young", 0)]
    assert "taken up at the next run" in listed[0].why
    assert "taken up again from" in listed[1].why

    job = next(j for j in JOBS if j.name == "mail_pending")
    assert job.run(now) == 1  # the old one only; the young one may still be in a live process
    assert Ticket.objects.get().subject == "Old"
    assert InboundMessage.objects.get(message_id="<young@x>").outcome == "pending"
    assert job.run(now + timedelta(seconds=61)) == 1
    assert not InboundMessage.objects.filter(outcome="pending").exists()


def test_a_message_that_never_finishes_is_quarantined_after_its_tries(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mail(Message_ID="<poison@partner.example.com>")
    with monkeypatch.context() as patch:
        patch.setattr(intake, "_decide", _database_gone)
        for _ in range(MAX_ATTEMPTS):
            with pytest.raises(OperationalError):
                ingest(raw, source="smtp", now=clock.now())
    result = ingest(raw, source="smtp", now=clock.now())
    assert result.outcome == "quarantined"
    assert f"did not finish in {MAX_ATTEMPTS} tries" in result.reason
    assert InboundMessage.objects.get().outcome == "quarantined"
    assert not Ticket.objects.exists()


def test_mail_pending_lists_what_waits_and_why_and_processes_it(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(intake, "_decide", _database_gone)
        with pytest.raises(OperationalError):
            ingest(
                mail(Message_ID="<w@partner.example.com>", subject="Waiting"),
                source="smtp",
                now=clock.now(),
            )
    assert main(["mail", "pending"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    listed = json.loads(line)
    assert (listed["subject"], listed["sender"], listed["attempts"]) == (
        "Waiting",
        "ned@example.com",
        1,
    )
    assert "1 try started and not finished" in listed["why"]

    assert main(["mail", "pending", "--process"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "ticket"
    assert main(["mail", "pending"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.django_db(transaction=True)
def test_the_job_skips_a_message_another_process_is_deciding_and_a_resend_waits_for_it(
    desk: Desk,
) -> None:
    """On PostgreSQL the row lock is real: a message being decided (its lock held by another
    session) is skipped by the job at once, not waited for, and is decided once."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks between sessions are PostgreSQL's; SQLite has one writer")
    raw = mail(Message_ID="<busy@partner.example.com>")
    stored = InboundMessage.objects.create(
        dedupe_key="mid:<busy@partner.example.com>",
        message_id="<busy@partner.example.com>",
        source="smtp",
        raw=raw,
        size=len(raw),
        received_at=clock.now() - timedelta(hours=1),
    )
    locked, release = threading.Event(), threading.Event()

    def deciding_elsewhere() -> None:
        try:
            with transaction.atomic():
                InboundMessage.objects.select_for_update().get(pk=stored.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=deciding_elsewhere)
    holder.start()
    try:
        assert locked.wait(30)
        assert take_up_pending(clock.now()) == []  # returned at once: skipped, not waited for
        stored.refresh_from_db()
        assert (stored.outcome, stored.attempts) == ("pending", 0)
    finally:
        release.set()
        holder.join(30)
    (result,) = take_up_pending(clock.now())
    assert result.outcome == "ticket"
    assert ingest(raw, source="smtp", now=clock.now()).outcome == "duplicate"
    assert Ticket.objects.count() == 1
