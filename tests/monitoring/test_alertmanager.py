"""The Alertmanager receiver with the real webhook body from the shared test data: one ticket per
alert on the profile's monitoring route, the same delivery twice changes nothing, a resolved
delivery resolves, tenants and scopes are kept apart, a bad delivery stores nothing."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tests.monitoring.conftest import Source, firing, real_payload, resolved, system_user
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import (
    Event,
    MonitoringAlert,
    MonitoringDelivery,
    Notification,
    Ticket,
)

URL = "/alerts/alertmanager"


@pytest.fixture
def north_monitor(desk: Desk) -> Source:
    """Northwind's own monitoring: a system account of the partner with a monitoring token."""
    return Source(system_user("north-prometheus", desk.north, Role.PARTNER_USER), "monitoring")


@pytest.fixture
def console(desk: Desk) -> Source:
    """The provider's monitoring console: a system account of the provider."""
    return Source(system_user("console", desk.provider, Role.AGENT), "monitoring")


def kinds(ticket: Ticket) -> list[str]:
    return list(Event.objects.filter(ticket=ticket).order_by("seq").values_list("kind", flat=True))


def test_the_real_payload_opens_one_ticket_on_the_monitoring_route(
    desk: Desk, north_monitor: Source
) -> None:
    response = north_monitor.post(URL, real_payload())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["received"] == 1
    [result] = body["results"]
    assert result["outcome"] == "opened"
    ticket = Ticket.objects.get(number=result["ticket"])
    assert ticket.channel == "monitoring"
    assert ticket.level == "noc"  # the demo profile routes the monitoring channel to the NOC
    assert ticket.severity == "normal"  # severity=warning in the demo's mapping
    assert ticket.organisation == desk.north
    assert ticket.subject == "Alert: Server High Memory usage"
    assert "10.80.40.11 reported high memory usage with 23.28%." in ticket.description
    assert kinds(ticket) == ["created", "alert_firing"]
    alert = Event.objects.get(ticket=ticket, kind=EventKind.ALERT_FIRING)
    assert not alert.public
    assert alert.data["labels"]["instance"] == "instance-with-hyphen_and_underscore"
    assert alert.data["starts_at"] == "2018-03-07T11:33:21.873077+00:00"
    assert "ends_at" not in alert.data  # Alertmanager's zero time: not set
    assert MonitoringAlert.objects.filter(ticket=ticket).count() == 1


def test_the_same_payload_twice_gives_one_ticket_and_changes_nothing(
    desk: Desk, north_monitor: Source
) -> None:
    first = north_monitor.post(URL, real_payload()).json()["results"][0]
    ticket = Ticket.objects.get(number=first["ticket"])
    before = (ticket.event_count, ticket.last_hash, Notification.objects.count())
    again = north_monitor.post(URL, real_payload())
    assert again.status_code == 200
    assert again.json()["results"] == [
        {"fingerprint": first["fingerprint"], "outcome": "duplicate", "ticket": None}
    ]
    ticket.refresh_from_db()
    assert (ticket.event_count, ticket.last_hash, Notification.objects.count()) == before
    assert Ticket.objects.filter(channel="monitoring").count() == 1
    assert MonitoringDelivery.objects.count() == 1


def test_a_resolved_payload_resolves_the_ticket_where_the_profile_says(
    desk: Desk, north_monitor: Source, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    number = north_monitor.post(URL, real_payload()).json()["results"][0]["ticket"]
    fixed_clock.advance(timedelta(minutes=30))
    response = north_monitor.post(URL, resolved(real_payload()))
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "resolved"
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "resolved"
    assert kinds(ticket)[-2:] == ["alert_resolved", "status_changed"]
    change = Event.objects.filter(ticket=ticket).order_by("-seq").first()
    assert change is not None and change.data["reason"] == "alert_resolved"
    # The requester hears of it in words, not as a key.
    told = Notification.objects.filter(event=change).values_list("body", flat=True)
    assert any("the monitoring alert is resolved" in b for b in told)
    # Resolved twice: nothing more.
    count = ticket.event_count
    assert north_monitor.post(URL, resolved(real_payload())).json()["results"][0]["outcome"] == (
        "duplicate"
    )
    ticket.refresh_from_db()
    assert ticket.event_count == count


def test_a_refiring_alert_is_added_to_its_open_ticket_and_a_fresh_one_after_resolution(
    desk: Desk, north_monitor: Source, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    number = north_monitor.post(URL, real_payload()).json()["results"][0]["ticket"]
    again = copy.deepcopy(real_payload())
    again["alerts"][0]["startsAt"] = "2018-03-07T09:00:00Z"  # fired again: a new state
    fixed_clock.advance(timedelta(minutes=5))
    added = north_monitor.post(URL, again).json()["results"][0]
    assert added == {**added, "outcome": "added", "ticket": number}
    assert kinds(Ticket.objects.get(number=number)) == ["created", "alert_firing", "alert_firing"]
    north_monitor.post(URL, resolved(again))
    later = copy.deepcopy(again)
    later["alerts"][0]["startsAt"] = "2018-03-08T09:00:00Z"
    reopened = north_monitor.post(URL, later).json()["results"][0]
    assert reopened["outcome"] == "opened" and reopened["ticket"] != number


def test_a_resolved_alert_the_desk_never_saw_fire_changes_nothing(
    desk: Desk, north_monitor: Source
) -> None:
    response = north_monitor.post(URL, resolved(real_payload()))
    assert response.json()["results"][0]["outcome"] == "unknown"
    assert not Ticket.objects.exists()


def test_the_providers_console_names_the_account_by_its_label(desk: Desk, console: Source) -> None:
    payload = firing(real_payload())
    payload["alerts"][0]["labels"]["account"] = desk.acme.slug
    response = console.post(URL, payload)
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(number=response.json()["results"][0]["ticket"])
    assert (ticket.organisation, ticket.customer_account) == (desk.north, desk.acme)
    assert ticket.requester is None


def test_the_providers_console_without_the_account_label_stores_nothing(
    desk: Desk, console: Source
) -> None:
    response = console.post(URL, real_payload())
    assert response.status_code == 422
    assert "alerts.0.labels.account" in response.json()["fields"]
    assert not Ticket.objects.exists() and not MonitoringDelivery.objects.exists()


def test_another_tenants_source_never_reaches_the_first_tenants_ticket(
    desk: Desk, north_monitor: Source
) -> None:
    contoso = Source(
        system_user("contoso-prometheus", desk.contoso, Role.PARTNER_USER), "monitoring"
    )
    north = north_monitor.post(URL, real_payload()).json()["results"][0]["ticket"]
    # The same alert from Contoso's own monitoring is Contoso's own ticket, not a duplicate.
    theirs = contoso.post(URL, real_payload()).json()["results"][0]
    assert theirs["outcome"] == "opened" and theirs["ticket"] != north
    assert Ticket.objects.get(number=theirs["ticket"]).organisation == desk.contoso
    # Contoso resolving it resolves Contoso's, never Northwind's.
    contoso.post(URL, resolved(real_payload()))
    assert Ticket.objects.get(number=north).status == "new"
    # Naming Northwind's end customer is refused as an account that does not exist for it.
    named = firing(real_payload())
    named["alerts"][0]["labels"]["account"] = desk.acme.slug
    named["alerts"][0]["startsAt"] = "2018-03-09T09:00:00Z"
    refused = contoso.post(URL, named)
    assert refused.status_code == 422
    assert "alerts.0.labels.account" in refused.json()["fields"]


def test_only_a_token_of_the_monitoring_scope_is_taken(desk: Desk, north_monitor: Source) -> None:
    personal = ApiClient(desk.north_user)
    refused = personal.post(URL, real_payload())
    assert refused.status_code == 403
    assert "scope" in refused.json()["message"]
    bridge = Source(system_user("north-bridge", desk.north, Role.PARTNER_USER), "messages")
    assert bridge.post(URL, real_payload()).status_code == 401
    assert Client().post(f"/api/v1{URL}", "{}", content_type="application/json").status_code == 401
    # And a monitoring token opens nothing else.
    assert north_monitor.client.get("/api/v1/tickets").status_code == 401
    assert north_monitor.client.get("/api/v1/me").status_code == 401
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(version="3"), "version"),
        (lambda p: p.update(status="burning"), "status"),
        (lambda p: p["alerts"][0].update(status="burning"), "alerts.0.status"),
        (lambda p: p["alerts"][0].pop("startsAt"), "alerts.0.startsAt"),
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), "alerts.0.startsAt"),
        (lambda p: p["alerts"][0]["labels"].update(severity=3), "alerts.0.labels.severity"),
        (lambda p: p["alerts"][0]["labels"].update({"bad-name": "x"}), "alerts.0.labels.bad-name"),
        (lambda p: p["alerts"][0].update(fingerprint="no spaces allowed"), "alerts.0.fingerprint"),
        (lambda p: p.update(alerts=[]), "alerts"),
        (lambda p: p.pop("groupKey"), "groupKey"),
    ],
)
def test_a_bad_payload_is_refused_naming_the_field_and_stores_nothing(
    desk: Desk, north_monitor: Source, change, field: str
) -> None:  # type: ignore[no-untyped-def]
    payload = firing(real_payload())
    payload["alerts"].append(copy.deepcopy(payload["alerts"][0]))  # a good one beside it
    payload["alerts"][1]["labels"]["instance"] = "another"
    change(payload)
    response = north_monitor.post(URL, payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"], response.json()
    assert not Ticket.objects.exists() and not MonitoringDelivery.objects.exists()


def test_labels_are_kept_as_clean_text_and_only_an_http_source_is_a_link(
    desk: Desk, north_monitor: Source, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    payload = firing(real_payload())
    alert = payload["alerts"][0]
    alert["labels"]["instance"] = "web\u202e1\x07<script>alert(1)</script>"
    alert["generatorURL"] = "javascript:alert(document.cookie)"
    number = north_monitor.post(URL, payload).json()["results"][0]["ticket"]
    event = Event.objects.get(ticket__number=number, kind=EventKind.ALERT_FIRING)
    assert event.data["labels"]["instance"] == "web1<script>alert(1)</script>"
    assert "generator_url" not in event.data
    client = Client()
    client.force_login(desk.manager)
    page = client.get(f"/tickets/{number}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page

    second = copy.deepcopy(payload)
    second["alerts"][0]["labels"]["instance"] = "web2"
    second["alerts"][0]["generatorURL"] = "https://prometheus.example.com/graph?g0.expr=up"
    other = north_monitor.post(URL, second).json()["results"][0]["ticket"]
    page = client.get(f"/tickets/{other}/").content.decode()
    assert 'href="https://prometheus.example.com/graph?g0.expr=up"' in page


def test_the_ticket_page_tells_the_alert_in_english_and_german(
    desk: Desk, north_monitor: Source, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    number = north_monitor.post(URL, real_payload()).json()["results"][0]["ticket"]
    fixed_clock.advance(timedelta(minutes=10))
    north_monitor.post(URL, resolved(real_payload()))
    client = Client()
    client.force_login(desk.manager)
    english = client.get(f"/tickets/{number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the monitoring alert “high_memory_load” is firing" in english
    assert "the monitoring alert “high_memory_load” is resolved" in english
    words = re.sub(r"event-\w+", "", english)  # the event kind as a style class is no word
    assert "alert_resolved" not in words and "alert_firing" not in words
    assert "(the monitoring alert is resolved)" in english  # why the status changed
    german = client.get(f"/tickets/{number}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "der Überwachungsalarm „high_memory_load“ ist ausgelöst" in german
    assert "der Überwachungsalarm „high_memory_load“ ist behoben" in german
    assert "the monitoring alert" not in german


def test_an_administrator_issues_a_monitoring_token_on_the_page(desk: Desk) -> None:
    source = system_user("north-prom", desk.north, Role.PARTNER_USER)
    client = Client()
    client.force_login(desk.admin)
    response = client.post(
        "/administration/tokens/",
        {"owner": source.username, "name": "Prometheus", "scope": "monitoring"},
    )
    assert response.status_code == 200
    secret = re.search(r'data-test="token-secret">([^<]+)<', response.content.decode())
    assert secret is not None
    listing = client.get("/administration/tokens/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "nur Überwachung" in listing
    posted = Client(HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}").post(
        f"/api/v1{URL}", json.dumps(real_payload()), content_type="application/json"
    )
    assert posted.status_code == 200 and posted.json()["results"][0]["outcome"] == "opened"
    wrong = client.post(
        "/administration/tokens/", {"owner": source.username, "name": "X", "scope": "root"}
    )
    assert wrong.status_code == 422 and 'id="id_scope-error"' in wrong.content.decode()
