"""The ticket page: what partners and agents see and may do, errors next to the field."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import Event, Ticket


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_partner_sees_public_timeline_and_sla_in_words(desk: Desk) -> None:
    ticket = desk.open(subject="Panel down", severity="high")
    act.add_note(
        actor=desk.l1, number=ticket.number, body="customer on the legacy plan", now=clock.now()
    )
    page = logged_in(desk.north_user).get(f"/tickets/{ticket.number}/").content.decode()
    assert "Panel down" in page and "First response due by Tue 10 Mar 11:00" in page
    assert "legacy plan" not in page and "Internal note" not in page and "Hand over" not in page
    staff = logged_in(desk.l1).get(f"/tickets/{ticket.number}/").content.decode()
    assert "legacy plan" in staff and "Hand over" in staff
    assert logged_in(desk.contoso_user).get(f"/tickets/{ticket.number}/").status_code == 404


def test_partner_replies_and_confirms(desk: Desk) -> None:
    ticket = desk.open()
    client = logged_in(desk.north_user)
    response = client.post(
        f"/tickets/{ticket.number}/reply", {"reply-body": "More detail: since 09:00"}
    )
    assert response.status_code == 302
    assert Event.objects.filter(
        ticket=ticket, kind="reply", data__body="More detail: since 09:00"
    ).exists()
    act.change_status(actor=desk.l1, number=ticket.number, to="open", now=clock.now())
    assert client.post(f"/tickets/{ticket.number}/confirm").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_errors_come_back_next_to_the_field_with_what_was_typed(desk: Desk) -> None:
    ticket = desk.open()
    agent = logged_in(desk.l1)
    response = agent.post(
        f"/tickets/{ticket.number}/level", {"level-level": "l2", "level-note": ""}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_level-note-error"' in page and "required" in page
    response = agent.post(f"/tickets/{ticket.number}/escalate", {"escalate-reason": ""})
    assert (
        response.status_code == 422
        and "required when no target is breached" in response.content.decode()
    )
    response = agent.post(f"/tickets/{ticket.number}/reply", {"reply-body": "x" * 100_001})
    assert (
        response.status_code == 422 and "x" * 100 in response.content.decode()
    )  # what was typed is kept
    assert Ticket.objects.get(pk=ticket.pk).event_count == 1


def test_agent_moves_the_ticket(desk: Desk) -> None:
    ticket = desk.open()
    agent = logged_in(desk.l1)
    assert (
        agent.post(f"/tickets/{ticket.number}/status", {"status-status": "open"}).status_code == 302
    )
    assert (
        agent.post(
            f"/tickets/{ticket.number}/level",
            {"level-level": "l2", "level-note": "Reproduced twice"},
        ).status_code
        == 302
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level) == ("open", "l2")
    partner = logged_in(desk.north_user)
    assert (
        partner.post(f"/tickets/{ticket.number}/note", {"note-body": "sneaky"}).status_code == 403
    )
    assert not Event.objects.filter(ticket=ticket, kind="note").exists()


def test_a_partner_confirms_a_resolved_ticket_and_it_closes(desk: Desk) -> None:
    """LuxCloud 2.4.3 a: confirming from Pending resolves; confirming a Resolved ticket closes it.
    The button says which."""
    ticket = desk.open()
    act.change_status(actor=desk.l1, number=ticket.number, to="open", now=clock.now())
    act.change_status(actor=desk.l1, number=ticket.number, to="pending", now=clock.now())
    client = logged_in(desk.north_user)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "mark this ticket resolved" in page
    assert client.post(f"/tickets/{ticket.number}/confirm").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "The solution works: close this ticket" in page
    assert client.post(f"/tickets/{ticket.number}/confirm").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert "close this ticket" not in client.get(f"/tickets/{ticket.number}/").content.decode()
    # The API answers the same way, and the supplier has no say.
    other = desk.open()
    act.change_status(actor=desk.l1, number=other.number, to="open", now=clock.now())
    act.change_status(actor=desk.l1, number=other.number, to="resolved", now=clock.now())
    from tests.conftest import ApiClient

    response = ApiClient(desk.north_user).post(f"/tickets/{other.number}/confirm")
    assert response.status_code == 201 and response.json()["data"]["to"] == "closed"


def test_the_hand_over_shows_each_suppliers_terms_to_agents_only(desk: Desk) -> None:
    from tierdesk.actions.suppliers import set_terms

    changes = {
        "method": "email",
        "contact": "support@vendor.example",
        "ola_target": "4h",
        "severity_map": {"high": "Sev A", "normal": "Sev B", "low": "Sev C"},
    }
    set_terms(actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes=changes)
    ticket = desk.open(severity="high")
    staff = logged_in(desk.l1).get(f"/tickets/{ticket.number}/").content.decode()
    assert "support@vendor.example" in staff and "their severity: Sev A" in staff
    partner = logged_in(desk.north_user).get(f"/tickets/{ticket.number}/").content.decode()
    assert "support@vendor.example" not in partner and "Sev A" not in partner
