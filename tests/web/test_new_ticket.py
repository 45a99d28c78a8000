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


def test_the_end_customer_is_chosen_from_the_accounts_not_typed_twice(desk: Desk) -> None:
    """Northwind has end-customer accounts: the profile's Account field is the list of them,
    required as the profile requires it; Contoso has none and types it."""
    page = partner(desk).get("/tickets/new/").content.decode()
    assert 'name="form_account"' not in page and 'name="customer_account"' in page
    assert '<label for="id_customer_account">Account <span class="required">' in page
    contoso = Client()
    contoso.force_login(desk.contoso_user)
    typed = contoso.get("/tickets/new/").content.decode()
    assert 'name="form_account"' in typed and 'name="customer_account"' not in typed
    refused = partner(desk).post("/tickets/new/", {"subject": "Panel down", "severity": "high"})
    assert 'id="customer_account-error"' in refused.content.decode()


def test_required_and_optional_fields_are_marked_and_severities_are_cards(desk: Desk) -> None:
    page = partner(desk).get("/tickets/new/").content.decode()
    assert page.count('class="severity-card"') == 3
    assert '<span class="optional">optional</span>' in page
    assert "<li>Password reset</li>" in page  # each example on its own line


def test_errors_are_shown_next_to_each_field_and_nothing_typed_is_lost(desk: Desk) -> None:
    contoso = Client()
    contoso.force_login(desk.contoso_user)
    response = contoso.post(
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
        "Acme",
    )
    assert Attachment.objects.get(ticket=ticket).original_name == "error.log"


def test_agents_do_not_use_the_partner_form(desk: Desk) -> None:
    agent = Client()
    agent.force_login(desk.l1)
    assert agent.get("/tickets/new/").status_code == 404
