"""Agents read and process again what the mail intake held; partners never see the page."""

from __future__ import annotations

from email.message import EmailMessage

from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions.people import create_user
from tierdesk.domain.parties import Role
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import InboundMessage


def test_agents_list_read_and_reprocess_held_mail(desk: Desk) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "new.person@example.com",
        "support@democloud.example.com",
        "<b>Hi</b>",
    )
    msg.set_content("Our customer cannot log in to the panel since this morning, please help.")
    held = ingest(msg.as_bytes(), source="smtp", now=clock.now())
    assert held.outcome == "quarantined"
    partner = Client()
    partner.force_login(desk.north_user)
    assert partner.get("/desk/quarantine/").status_code == 404
    agent = Client()
    agent.force_login(desk.l1)
    listing = agent.get("/desk/quarantine/").content.decode()
    assert (
        "new.person@example.com" in listing
        and "unknown sender" in listing
        and "&lt;b&gt;Hi&lt;/b&gt;" in listing
    )
    detail = agent.get(f"/desk/quarantine/{held.message}/").content.decode()
    assert "cannot log in to the panel" in detail
    # The sender registers; processing the held mail again now opens the ticket.
    create_user(
        username="newperson",
        email="new.person@example.com",
        organisation=desk.north,
        role=Role.PARTNER_USER,
        now=clock.now(),
    )
    response = agent.post(f"/desk/quarantine/{held.message}/process")
    assert response.status_code == 302
    stored = InboundMessage.objects.get(pk=held.message)
    assert stored.outcome == "ticket" and stored.ticket is not None and stored.attempts == 2
    assert agent.get(f"/desk/quarantine/{held.message}/").status_code == 404  # no longer held
