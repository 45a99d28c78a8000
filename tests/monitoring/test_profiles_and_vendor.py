"""Every shipped profile answers the receiver clearly; on Zynstra a console alert goes straight to
Third Level, where the vendor's contacts serving L3 and L4 see it and are told (issue 12, 6)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tests.monitoring.conftest import Source, real_payload, resolved, system_user
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import Notification, Ticket, User

URL = "/alerts/alertmanager"
SHIPPED = ["demo", "luxcloud", "zynstra", "cloudcti", "cloudsoft", "exponential-e"]
# Where each profile routes a monitoring alert, or None when it takes none.
ROUTE = {"demo": "noc", "zynstra": "l3"}


@pytest.fixture
def zynstra(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": "zynstra"}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_answers_the_receiver_clearly(
    desk: Desk, settings, name: str
) -> None:  # type: ignore[no-untyped-def]
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": name}
    source = Source(system_user("prometheus", desk.north, Role.PARTNER_USER), "monitoring")
    response = source.post(URL, real_payload())
    if name not in ROUTE:
        assert response.status_code == 404, response.content
        assert "takes no monitoring alerts" in response.json()["message"]
        assert not Ticket.objects.exists()
        return
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(number=response.json()["results"][0]["ticket"])
    assert (ticket.channel, ticket.level, ticket.profile) == ("monitoring", ROUTE[name], name)
    again = source.post(URL, real_payload()).json()["results"][0]["outcome"]
    assert again == "duplicate"
    outcome = source.post(URL, resolved(real_payload())).json()["results"][0]["outcome"]
    ticket.refresh_from_db()
    if name == "zynstra":  # the vendor reports back to Second Level, which resolves
        assert outcome == "recorded" and ticket.status == "new"
    else:
        assert outcome == "resolved" and ticket.status == "resolved"


def _vendor(desk: Desk, name: str, levels: tuple[str, ...]) -> User:
    return system_user(name, desk.supplier, Role.SUPPLIER_CONTACT, levels)


def test_a_console_alert_on_zynstra_reaches_the_vendors_third_and_fourth_level(
    desk: Desk, zynstra: None
) -> None:
    l3, l4 = _vendor(desk, "vendor-l3", ("l3",)), _vendor(desk, "vendor-l4", ("l3", "l4"))
    other = _vendor(desk, "vendor-none", ())
    console = Source(system_user("console", desk.provider, Role.AGENT), "monitoring")
    payload = real_payload()
    payload["alerts"][0]["labels"]["server"] = desk.acme.slug  # Zynstra's account label
    payload["alerts"][0]["labels"]["severity"] = "critical"
    response = console.post(URL, payload)
    assert response.status_code == 200, response.content
    number = response.json()["results"][0]["ticket"]
    ticket = Ticket.objects.get(number=number)
    assert (ticket.level, ticket.severity, ticket.supplier) == ("l3", "high", "")
    # Visible to the vendor's contacts serving the level, not to one serving none.
    for contact in (l3, l4):
        seen = ApiClient(contact).get(f"/tickets/{number}")
        assert seen.status_code == 200, (contact.username, seen.content)
        assert seen.json()["organisation"] is None  # the partner stays hidden from the vendor
        kinds = [e["kind"] for e in seen.json()["events"]]
        assert "alert_firing" in kinds and "created" not in kinds
    assert ApiClient(other).get(f"/tickets/{number}").status_code == 404
    # And they are told of the new ticket at their level.
    told = set(
        Notification.objects.filter(ticket=ticket, kind="created").values_list(
            "recipient", flat=True
        )
    )
    assert {l3.email, l4.email} <= told
    assert other.email not in told
    # The partner's conversation with the desk is not announced to them.
    act.add_reply(actor=desk.north_user, number=number, body="Is it us?", now=clock.now())
    replies = Notification.objects.filter(ticket=ticket, kind="reply")
    assert not replies.filter(recipient__in=[l3.email, l4.email]).exists()
    # Handed to another supplier, it is no longer theirs.
    act.change_level(actor=desk.admin, number=number, to="l2", note="back", now=clock.now())
    assert ApiClient(l3).get(f"/tickets/{number}").status_code == 404


def test_the_profile_page_tells_the_monitoring_and_inbound_rules_in_words(
    desk: Desk, settings
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(desk.admin)
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": "zynstra"}
    german = client.get("/administration/profile/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Überwachungsalarme" in german and "wird in seinem Ticket festgehalten" in german
    assert "critical → High" in german and "Weitergeleitete Nachrichten" not in german
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": "luxcloud"}
    english = client.get("/administration/profile/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Relayed messages" in english and "Monitoring alerts" not in english
