"""The database refuses to change recorded events; tampering behind its back is caught by the audit."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tests.conftest import Desk
from tierdesk.cli.main import main
from tierdesk.persistence.models import Event


def test_events_cannot_be_updated_or_deleted(desk: Desk) -> None:
    ticket = desk.open()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(ticket=ticket).update(data={"subject": "rewritten"})
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Straight to the database: the ORM would already refuse (notifications protect events).
        cursor.execute("DELETE FROM tierdesk_event WHERE ticket_id = %s", [ticket.pk])
    assert Event.objects.get(ticket=ticket).data["subject"] == "Mailbox quota not applied"


def _tamper(sql: str, params: list[object]) -> None:
    """Change a stored event with the guard switched off, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of this test's inserts must run before the table is altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE tierdesk_event DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE tierdesk_event ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER tierdesk_event_no_update")
            cursor.execute("DROP TRIGGER tierdesk_event_no_delete")
            cursor.execute(sql, params)


def test_audit_catches_a_tampered_event(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    ticket = desk.open()
    other = desk.open(subject="Invoice question for March")
    from tierdesk import clock
    from tierdesk.actions import tickets as act

    act.add_reply(
        actor=desk.north_user, number=ticket.number, body="It fails at 09:00", now=clock.now()
    )
    assert main(["audit", "verify"]) == 0
    assert "ok: 2 tickets, 3 events" in capsys.readouterr().out

    _tamper(
        "UPDATE tierdesk_event SET data = %s WHERE ticket_id = %s AND seq = 2",
        ['{"body": "It never failed", "by": "requester"}', ticket.pk],
    )
    assert main(["audit", "verify"]) == 1
    assert f"broken: {ticket.number} event 2" in capsys.readouterr().out
    assert main(["audit", "verify", "--ticket", other.number]) == 0


def test_audit_catches_a_removed_event(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    from tierdesk import clock
    from tierdesk.actions import tickets as act

    ticket = desk.open()
    act.add_reply(actor=desk.north_user, number=ticket.number, body="more detail", now=clock.now())
    with connection.cursor() as cursor:  # what points at the event goes first, as it would have to
        cursor.execute(
            "DELETE FROM tierdesk_notification WHERE event_id IN "
            "(SELECT id FROM tierdesk_event WHERE ticket_id = %s AND seq = 2)",
            [ticket.pk],
        )
    _tamper("DELETE FROM tierdesk_event WHERE ticket_id = %s AND seq = 2", [ticket.pk])
    assert main(["audit", "verify", "--ticket", ticket.number]) == 1
    assert "events removed" in capsys.readouterr().out
