"""Erasure on the indelible record: an administrator removes an event's text or file, every copy
goes, the chain still verifies and the audit says what was removed; tampering is still caught."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.actions.redaction import redact
from tierdesk.cli.main import main
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.events import TOMBSTONE
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import (
    Attachment,
    Event,
    IdempotencyKey,
    InboundMessage,
    Notification,
    Ticket,
)
from tierdesk.queries.audit import verify

SECRET = "the admin password is Hunter2-Hunter2"


def stored_text() -> str:
    """Every value the database holds, as one string (bytes read as Latin-1)."""
    rows: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("latin-1")
                    rows.append(str(value))
    return "\n".join(rows)


def _reply(desk: Desk, body: str = f"Here you go: {SECRET}") -> Event:
    ticket = desk.open()
    return act.add_reply(actor=desk.north_user, number=ticket.number, body=body, now=clock.now())


def test_an_administrator_removes_a_pasted_password_from_every_copy(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    event = _reply(desk)
    number = event.ticket.number
    assert Notification.objects.filter(event=event, body__contains=SECRET).exists()
    assert SECRET in stored_text()
    done = redact(
        actor=desk.admin,
        number=number,
        seq=event.seq,
        part="text",
        reason="a pasted password",
        now=clock.now(),
    )
    assert SECRET not in stored_text()
    event.refresh_from_db()
    assert event.data == {"body": "", "by": "requester", TOMBSTONE: [done.seq]}
    assert (done.kind, done.public, done.actor, done.data["event"]) == (
        "redacted",
        True,
        desk.admin,
        event.seq,
    )
    # The queued notice of the reply is withdrawn, not sent with or without the text.
    notice = Notification.objects.get(event=event)
    assert notice.status == Notification.FAILED and "withdrawn" in notice.last_error
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert f"redacted: {number} event {event.seq} (text) by admin" in out
    assert "a pasted password" in out and "1 redactions, every chain intact" in out


def test_only_an_administrator_may_redact_and_a_refusal_changes_nothing(desk: Desk) -> None:
    event = _reply(desk)
    number = event.ticket.number
    for who in (desk.manager, desk.l1, desk.north_user, desk.north_admin):
        with pytest.raises(Forbidden):
            redact(actor=who, number=number, seq=2, part="text", reason="x", now=clock.now())
    for who in (desk.vendor, desk.contoso_user):  # not theirs to know of
        with pytest.raises(NotFound):
            redact(actor=who, number=number, seq=2, part="text", reason="x", now=clock.now())
    with pytest.raises(Invalid) as refused:
        redact(actor=desk.admin, number=number, seq=2, part="text", reason=" ", now=clock.now())
    assert "reason" in refused.value.fields
    with pytest.raises(NotFound):
        redact(actor=desk.admin, number=number, seq=99, part="text", reason="r", now=clock.now())
    assert Event.objects.filter(ticket=event.ticket).count() == 2
    assert SECRET in Event.objects.get(pk=event.pk).data["body"]


def test_the_opening_text_leaves_the_ticket_row_and_the_search(desk: Desk) -> None:
    ticket = desk.open(subject="Carl Meyer's mailbox", description=f"PIN {SECRET}")
    redact(
        actor=desk.admin,
        number=ticket.number,
        seq=1,
        part="text",
        reason="personal data",
        now=clock.now(),
    )
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.description) == ("(removed)", "")
    assert all(v == "" for v in ticket.form.values())
    assert "Carl Meyer" not in stored_text() and SECRET not in stored_text()
    assert verify(ticket.number).broken is None
    # The ticket search reads the subject: it no longer finds the person.
    assert not Ticket.objects.filter(subject__icontains="Carl Meyer").exists()


def test_an_attachment_leaves_the_record_and_the_storage(
    desk: Desk, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    ticket = desk.open()
    attachment = act.attach_file(
        actor=desk.north_user,
        number=ticket.number,
        content=io.BytesIO(SECRET.encode()),
        name="password-for-carl.txt",
        size=len(SECRET),
        now=clock.now(),
    )
    path = Path(attachment.file.path)
    assert path.exists()
    seq = Event.objects.get(ticket=ticket, kind="attachment_added").seq
    with django_capture_on_commit_callbacks(execute=True):
        redact(
            actor=desk.admin,
            number=ticket.number,
            seq=seq,
            part="attachment",
            reason="a password in a file",
            now=clock.now(),
        )
    assert not path.exists()
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert "password-for-carl" not in stored_text()
    assert verify(ticket.number).broken is None


def test_the_raw_mail_the_text_came_in_is_removed(desk: Desk) -> None:
    from tests.mail.test_intake import mail

    result = ingest(mail(body=f"Urgent. {SECRET}"), source="smtp", now=clock.now())
    message = InboundMessage.objects.get(ticket__number=result.ticket)
    assert SECRET.encode() in bytes(message.raw)
    redact(
        actor=desk.admin,
        number=str(result.ticket),
        seq=1,
        part="text",
        reason="password",
        now=clock.now(),
    )
    message.refresh_from_db()
    assert bytes(message.raw) == b"" and "raw message removed" in message.reason
    assert SECRET not in stored_text()


def test_a_kept_api_answer_does_not_keep_the_text(desk: Desk) -> None:
    from tests.conftest import ApiClient

    ticket = desk.open()
    client = ApiClient(desk.north_user)
    answer = client.client.post(
        f"/api/v1/tickets/{ticket.number}/replies",
        {"body": SECRET},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert answer.status_code == 201, answer.content
    assert IdempotencyKey.objects.exists()
    redact(
        actor=desk.admin,
        number=ticket.number,
        seq=2,
        part="text",
        reason="password",
        now=clock.now(),
    )
    assert not IdempotencyKey.objects.exists()


def test_the_database_allows_only_a_tombstone(desk: Desk) -> None:
    event = _reply(desk)
    rows = Event.objects.filter(pk=event.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(data={"body": "rewritten", "by": "requester"})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(data={"body": "", TOMBSTONE: [9]}, hash="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(data={"body": "", TOMBSTONE: "9"})
    assert SECRET in Event.objects.get(pk=event.pk).data["body"]


def test_a_forged_tombstone_is_caught_by_the_audit(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database lets a tombstone through; only a redaction event makes it verify."""
    event = _reply(desk)
    Event.objects.filter(pk=event.pk).update(data={"body": "", "by": "requester", TOMBSTONE: [3]})
    assert main(["audit", "verify"]) == 1
    assert f"broken: {event.ticket.number} event 2" in capsys.readouterr().out


def test_content_changed_after_a_redaction_is_caught_by_the_audit(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.persistence.test_append_only import _tamper

    event = _reply(desk)
    number = event.ticket.number
    redact(actor=desk.admin, number=number, seq=2, part="text", reason="r", now=clock.now())
    _tamper(
        "UPDATE tierdesk_event SET data = %s WHERE ticket_id = %s AND seq = 2",
        ['{"body": "words nobody wrote", "by": "requester", "redacted_by": [3]}', event.ticket_id],
    )
    assert main(["audit", "verify", "--ticket", number]) == 1
    assert f"broken: {number} event 2" in capsys.readouterr().out


def test_the_cli_redacts_as_an_administrator(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    event = _reply(desk)
    number = event.ticket.number
    args = ["audit", "redact", number, "2", "--reason", "pasted password"]
    assert main([*args, "--user", "agent1"]) == 1
    assert "administrator" in capsys.readouterr().err
    assert main([*args, "--user", "admin"]) == 0
    assert f"redacted: {number} event 2 (text), recorded as event 3" in capsys.readouterr().out
    assert SECRET not in stored_text()
    assert Ticket.objects.get(number=number).event_count == 3


def test_the_api_redacts_for_an_administrator_and_refuses_everyone_else(desk: Desk) -> None:
    from tests.conftest import ApiClient

    event = _reply(desk)
    number = event.ticket.number
    url = f"/tickets/{number}/events/2/redaction"
    for who in (desk.l1, desk.manager, desk.north_user):
        answer = ApiClient(who).post(url, {"part": "text", "reason": "password"})
        assert answer.status_code in (403, 404), (who.username, answer.content)
    admin = ApiClient(desk.admin)
    answer = admin.post(url, {"part": "text", "reason": " "})
    assert answer.status_code == 422 and "reason" in answer.json()["fields"]
    for seq in ("9", "0", "-1", "99999999999999999999"):
        answer = admin.post(f"/tickets/{number}/events/{seq}/redaction", {"reason": "password"})
        assert answer.status_code == 404, (seq, answer.content)
    assert SECRET in stored_text()
    answer = admin.post(url, {"part": "text", "reason": "a pasted password"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["kind"] == "redacted" and answer.json()["data"]["event"] == 2
    assert SECRET not in stored_text()
    # The partner reads that something was removed, not why; the record keeps the reason.
    record = ApiClient(desk.north_user).get(f"/tickets/{number}").json()
    seen = next(e for e in record["events"] if e["kind"] == "redacted")
    assert seen["data"] == {"event": 2, "part": "text"}
    assert any(e["data"].get("redacted_by") == [3] for e in record["events"])


def test_only_administrators_read_the_digests_of_removed_content(desk: Desk) -> None:
    """A digest of a short secret could be guessed offline: agents read that and why a part was
    removed, administrators also the audit's digests."""
    from tierdesk.queries.disclosure import event_data

    event = _reply(desk)
    done = redact(
        actor=desk.admin,
        number=event.ticket.number,
        seq=2,
        part="text",
        reason="password",
        now=clock.now(),
    )
    assert "before" in event_data(desk.admin, done)
    for reader in (desk.l1, desk.manager):
        seen = event_data(reader, done)
        assert "before" not in seen and "after" not in seen and seen["reason"] == "password"


def test_a_field_completed_later_keeps_its_value_when_the_opening_is_redacted(desk: Desk) -> None:
    ticket = desk.open(description=f"PIN {SECRET}")
    key = next(iter(ticket.form))
    # The field was completed later with another value (a form_completed event's projection).
    Ticket.objects.filter(pk=ticket.pk).update(form={**ticket.form, key: "completed later"})
    redact(
        actor=desk.admin, number=ticket.number, seq=1, part="text", reason="pin", now=clock.now()
    )
    ticket.refresh_from_db()
    assert ticket.form[key] == "completed later"
    assert all(v == "" for k, v in ticket.form.items() if k != key)
