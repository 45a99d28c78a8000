"""The status page: services, incidents with updates and linked tickets, planned maintenance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock, profiles
from tierdesk.actions import status as act
from tierdesk.domain import maintenance
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.persistence.models import Event, IncidentTicket, Notification, Service


@pytest.fixture
def services(desk: Desk) -> None:
    act.sync_services(profiles.active(), clock.now())


def test_services_come_from_the_profile(desk: Desk, services: None) -> None:
    assert list(Service.objects.values_list("slug", flat=True)) == [
        "mail",
        "voice",
        "hosting",
        "portal",
    ]
    assert act.sync_services(profiles.active(), clock.now()) == 0  # once


def test_maintenance_notice_is_counted_in_business_time() -> None:
    demo, cti = profiles.load("demo"), profiles.load("cloudcti")
    # Announced Fri 13 Mar 2026 16:00 Luxembourg for Tue 17 Mar 02:00-04:00: Fri 16-17, Mon 8-17
    # = 10 business hours, more than two 9-hour working days? No: 18 are needed.
    announced = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)
    start, end = datetime(2026, 3, 17, 1, 0, tzinfo=UTC), datetime(2026, 3, 17, 3, 0, tzinfo=UTC)
    problems = maintenance.notice_problems(
        demo, announced_at=announced, starts_at=start, ends_at=end
    )
    assert len(problems) == 1 and "10.0 business hours" in problems[0]
    # A week ahead and at night: nothing to flag.
    assert (
        maintenance.notice_problems(
            demo, announced_at=announced - timedelta(days=7), starts_at=start, ends_at=end
        )
        == []
    )
    # During working hours: flagged by the demo, refused by CloudCTI ("outside normal working hours").
    day = (datetime(2026, 3, 24, 10, 0, tzinfo=UTC), datetime(2026, 3, 24, 12, 0, tzinfo=UTC))
    assert (
        "inside"
        in maintenance.check_window(demo, announced_at=announced, starts_at=day[0], ends_at=day[1])[
            0
        ]
    )
    with pytest.raises(Invalid) as refused:
        maintenance.check_window(cti, announced_at=announced, starts_at=day[0], ends_at=day[1])
    assert "starts_at" in refused.value.fields
    with pytest.raises(Invalid):
        maintenance.check_window(demo, announced_at=announced, starts_at=day[1], ends_at=day[0])


def test_short_notice_window_is_flagged_on_the_page(desk: Desk, services: None, as_user) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()  # Tue 10 Mar 10:00 Luxembourg
    response = as_user(desk.l1).post(
        "/status/maintenance",
        {
            "title": "Mail cluster upgrade",
            "services": ["mail"],
            "starts_at": (now + timedelta(hours=14)).isoformat(),
            "ends_at": (now + timedelta(hours=16)).isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["problems"] and "notice" in response.json()["problems"][0]
    public = Client().get("/api/v1/status").json()
    assert [m["title"] for m in public["maintenance"]] == ["Mail cluster upgrade"]
    naive = as_user(desk.l1).post(
        "/status/maintenance",
        {
            "title": "x",
            "services": ["mail"],
            "starts_at": "2026-03-20T01:00:00",
            "ends_at": "2026-03-20T03:00:00",
        },
    )
    assert naive.status_code == 422 and set(naive.json()["fields"]) == {"starts_at", "ends_at"}
    assert (
        as_user(desk.north_user)
        .post(
            "/status/maintenance",
            {
                "title": "x",
                "services": ["mail"],
                "starts_at": now.isoformat(),
                "ends_at": now.isoformat(),
            },
        )
        .status_code
        == 403
    )


def test_incident_lifecycle_links_tickets_and_tells_requesters(
    desk: Desk, services: None, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    incident = act.open_incident(
        actor=desk.noc,
        title="Mail delivery delayed",
        services=["mail"],
        impact="degraded",
        message="Queues are growing",
        now=clock.now(),
    )
    assert Service.objects.get(slug="mail").state == "degraded"
    fixed_clock.advance(timedelta(minutes=10))
    ned = desk.open(subject="Mails arrive late")
    carl = desk.open(desk.contoso_user, subject="Outbound mail stuck")
    during = act.tickets_during(desk.manager, incident)  # an agent sees only its levels'
    assert {t.number for t in during} == {ned.number, carl.number}
    assert (
        act.link_tickets(
            actor=desk.manager,
            incident_id=incident.pk,
            numbers=[t.number for t in during],
            now=clock.now(),
        )
        == 2
    )
    assert (
        act.link_tickets(
            actor=desk.manager, incident_id=incident.pk, numbers=[ned.number], now=clock.now()
        )
        == 0
    )
    linked = Event.objects.filter(kind="incident_linked").values_list("ticket__number", flat=True)
    assert sorted(linked) == sorted([ned.number, carl.number])
    fixed_clock.advance(timedelta(hours=1))
    act.update_incident(
        actor=desk.noc,
        incident_id=incident.pk,
        state="resolved",
        message="Queues drained",
        notify=True,
        now=clock.now(),
    )
    assert Service.objects.get(slug="mail").state == "operational"
    told = Notification.objects.filter(kind="incident_resolved").values_list("recipient", flat=True)
    assert sorted(told) == ["carl@example.com", "ned@example.com"]
    with pytest.raises(Invalid):
        act.update_incident(
            actor=desk.noc,
            incident_id=incident.pk,
            state="monitoring",
            message="again",
            now=clock.now(),
        )


def test_a_partner_links_only_its_own_tickets(desk: Desk, services: None) -> None:
    incident = act.open_incident(
        actor=desk.noc,
        title="Voice outage",
        services=["voice"],
        impact="major_outage",
        message="Calls fail",
        now=clock.now(),
    )
    mine, theirs = desk.open(), desk.open(desk.contoso_user)
    assert (
        act.link_tickets(
            actor=desk.north_user, incident_id=incident.pk, numbers=[mine.number], now=clock.now()
        )
        == 1
    )
    with pytest.raises(NotFound):
        act.link_tickets(
            actor=desk.north_user, incident_id=incident.pk, numbers=[theirs.number], now=clock.now()
        )
    assert not IncidentTicket.objects.filter(ticket=theirs).exists()
    with pytest.raises(Forbidden):
        act.open_incident(
            actor=desk.north_user,
            title="x",
            services=["voice"],
            impact="degraded",
            message="y",
            now=clock.now(),
        )


def test_new_ticket_form_shows_notices_for_the_named_severities(desk: Desk, services: None) -> None:
    act.open_incident(
        actor=desk.noc,
        title="Hosting panel slow",
        services=["hosting"],
        impact="degraded",
        message="Investigating",
        now=clock.now(),
    )
    client = Client()
    client.force_login(desk.north_user)
    assert "Hosting panel slow" in client.get("/tickets/new/").content.decode()  # normal by default
    assert (
        "Hosting panel slow"
        in client.get("/tickets/new/notices", {"severity": "high"}).content.decode()
    )
    assert (
        "Hosting panel slow"
        not in client.get("/tickets/new/notices", {"severity": "low"}).content.decode()
    )


def test_status_page_is_public_and_the_desk_declares_from_it(desk: Desk, services: None) -> None:
    page = Client().get("/status/")
    assert (
        page.status_code == 200 and "All services are operating normally" in page.content.decode()
    )
    agent = Client()
    agent.force_login(desk.noc)
    bad = agent.post(
        "/status/incidents",
        {"title": "", "services": ["mail"], "impact": "degraded", "message": "x"},
    )
    assert bad.status_code == 400 and "is required" in bad.content.decode()
    ok = agent.post(
        "/status/incidents",
        {"title": "Mail down", "services": ["mail"], "impact": "major_outage", "message": "Down"},
    )
    assert ok.status_code == 302
    assert "Mail down" in Client().get("/status/").content.decode()


def test_a_window_of_any_length_or_distance_is_checked_at_once() -> None:
    import time as wallclock

    demo = profiles.load("demo")
    announced = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)
    began = wallclock.perf_counter()
    with pytest.raises(Invalid) as refused:
        maintenance.notice_problems(
            demo,
            announced_at=announced,
            starts_at=datetime(2026, 4, 1, tzinfo=UTC),
            ends_at=datetime(3026, 4, 1, tzinfo=UTC),
        )
    assert refused.value.fields == {"ends_at": "is more than 31 days after starts_at"}
    far = maintenance.notice_problems(
        demo,
        announced_at=announced,
        starts_at=datetime(2999, 3, 17, 1, 0, tzinfo=UTC),
        ends_at=datetime(2999, 3, 17, 3, 0, tzinfo=UTC),
    )
    assert wallclock.perf_counter() - began < 1.0  # was 8.7 s for a 1,000-year window
    assert not any("notice" in p for p in far)  # plenty of notice, counted without a walk
