"""Subscriptions and end-customer accounts are chosen from what exists, not typed from memory:
the new-ticket form offers the partner's subscriptions, the desk's phone form every partner's
accounts and subscriptions; the server checks that a choice belongs to the account and partner
chosen, and says so next to the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client

from tests.conftest import FORM, Desk
from tierdesk import clock
from tierdesk.actions import organisations as orgs
from tierdesk.persistence.models import Organisation, OrganisationKind, Ticket


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _subscriptions(desk: Desk) -> Organisation:
    now = clock.now()
    orgs.add_subscription(
        actor=desk.admin, account=desk.acme, reference="SUB-1", product="Mail", now=now
    )
    other = orgs.create_account(actor=desk.admin, partner=desk.north, name="Globex", now=now)
    orgs.add_subscription(
        actor=desk.admin, account=other, reference="SUB-2", product="Web", now=now
    )
    return other


def test_the_new_ticket_form_offers_the_partners_subscriptions(desk: Desk) -> None:
    _subscriptions(desk)
    page = _client(desk.north_user).get("/tickets/new/").content.decode()
    assert '<select name="form_subscription"' in page
    assert "SUB-1 · Mail (" in page and "SUB-2 · Web (Globex)" in page
    data = {
        "subject": "Panel down", "severity": "high", "queue": "technical",
        "customer_account": desk.acme.slug, **{f"form_{k}": v for k, v in FORM.items()},
    }  # fmt: skip
    wrong = _client(desk.north_user).post("/tickets/new/", {**data, "form_subscription": "SUB-2"})
    assert wrong.status_code == 422
    page = wrong.content.decode()
    assert 'id="form_subscription-error"' in page
    assert "is not a subscription of the chosen end-customer account" in page
    unknown = _client(desk.north_user).post("/tickets/new/", {**data, "form_subscription": "SUB-9"})
    assert unknown.status_code == 422 and 'id="form_subscription-error"' in unknown.content.decode()
    assert Ticket.objects.count() == 0
    right = _client(desk.north_user).post("/tickets/new/", {**data, "form_subscription": "SUB-1"})
    assert right.status_code == 302
    assert Ticket.objects.get().form["subscription"] == "SUB-1"


def test_the_phone_form_offers_accounts_and_subscriptions_checked_against_the_partner(
    desk: Desk, fixed_clock: Any
) -> None:
    globex = _subscriptions(desk)
    fixed_clock.advance(timedelta(minutes=20))
    agent = _client(desk.l1)
    page = agent.get("/desk/phone/").content.decode()
    assert '<select name="customer_account"' in page and '<select name="form_subscription"' in page
    contoso_account = Organisation.objects.filter(
        kind=OrganisationKind.CUSTOMER, parent=desk.contoso
    ).first()
    form = {k: v for k, v in FORM.items() if k != "subscription"}
    data = {
        "organisation": desk.north.slug, "called_at": "2026-03-10T10:00", "subject": "Phones dead",
        "severity": "high", "description": "No dial tone", **{f"form_{k}": v for k, v in form.items()},
    }  # fmt: skip
    wrong = agent.post(
        "/desk/phone/", {**data, "customer_account": globex.slug, "form_subscription": "SUB-1"}
    )
    assert wrong.status_code == 422
    assert 'id="id_form_subscription-error">is not a subscription of the chosen end-customer' in (
        wrong.content.decode()
    )
    if contoso_account is not None:
        other = agent.post("/desk/phone/", {**data, "customer_account": contoso_account.slug})
        assert other.status_code == 422
        assert "is not an end-customer account of this partner" in other.content.decode()
    assert Ticket.objects.count() == 0
    right = agent.post(
        "/desk/phone/", {**data, "customer_account": desk.acme.slug, "form_subscription": "SUB-1"}
    )
    assert right.status_code == 302, right.content.decode()[:3000]
    ticket = Ticket.objects.get()
    assert ticket.customer_account == desk.acme and ticket.form["subscription"] == "SUB-1"
