"""Opening a ticket from the portal: the profile's form, severity definitions, errors kept in place."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import FORM, Desk
from tierdesk.persistence.models import Attachment, Ticket


def partner(desk: Desk) -> Client:
    client = Client()
    client.force_login(desk.north_user)
    return client


def test_the_form_shows_the_profile(desk: Desk) -> None:
    page = partner(desk).get("/tickets/new/").content.decode()
    assert "Full or partial loss of services" in page  # the High definition
    assert "Subscription ID where the error occurs" in page  # a form field's help
    assert desk.acme.name in page  # the partner's end-customer accounts


def test_errors_are_shown_next_to_each_field_and_nothing_typed_is_lost(desk: Desk) -> None:
    response = partner(desk).post(
        "/tickets/new/",
        {
            "subject": "Panel down",
            "severity": "high",
            "form_account": "ACME-1",
            "description": "Since 9:00",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="form_subscription-error"' in page and 'id="form_situation-error"' in page
    assert 'value="Panel down"' in page and 'value="ACME-1"' in page and "Since 9:00" in page
    assert Ticket.objects.count() == 0


def test_a_complete_form_opens_the_ticket_with_its_attachment(desk: Desk) -> None:
    data = {
        "subject": "Panel down",
        "severity": "high",
        "queue": "technical",
        "customer_account": desk.acme.slug,
        **{f"form_{k}": v for k, v in FORM.items()},
        "file": SimpleUploadedFile("error.log", b"502 Bad Gateway"),
    }
    response = partner(desk).post("/tickets/new/", data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/tickets/{ticket.number}/"
    assert (ticket.severity, ticket.channel, ticket.customer_account, ticket.form["account"]) == (
        "high",
        "portal",
        desk.acme,
        "ACME-1",
    )
    assert Attachment.objects.get(ticket=ticket).original_name == "error.log"


def test_agents_do_not_use_the_partner_form(desk: Desk) -> None:
    agent = Client()
    agent.force_login(desk.l1)
    assert agent.get("/tickets/new/").status_code == 404
