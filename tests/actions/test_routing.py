"""Routing a new ticket to an available agent of its level (Cloudsoft Step 2 "routed to an
available engineer", "an engineer is paged"; Exponential-e Level 1 Technicians), and agents'
own availability: on the desk page, in the API, and for the chat."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock, profiles
from tierdesk.actions import chat
from tierdesk.actions.live import socket_opened
from tierdesk.actions.people import create_user
from tierdesk.actions.routing import set_availability
from tierdesk.domain.parties import Role
from tierdesk.domain.profiles import Profile
from tierdesk.domain.routing import RoutingRules
from tierdesk.persistence.models import Event, Notification, Ticket, User
from tierdesk.profiles import load


def routed(rule: str, levels: tuple[str, ...] = ("l1",), channels: tuple[str, ...] = ()) -> Profile:
    return dataclasses.replace(
        profiles.active(), routing=RoutingRules(rule, levels=levels, channels=channels)
    )


def agent(desk: Desk, name: str, level: str = "l1") -> User:
    return create_user(
        username=name, email=f"{name}@example.com", organisation=desk.provider, role=Role.AGENT,
        password="correct horse battery", levels=(level,), now=clock.now(),
    )  # fmt: skip


def assignee(ticket: Ticket) -> str:
    ticket.refresh_from_db()
    return ticket.assignee.username if ticket.assignee else ""


def test_round_robin_takes_the_available_agents_in_turn(desk: Desk) -> None:
    bea = agent(desk, "bea")
    cal = agent(desk, "cal")
    set_availability(actor=cal, available=False)
    profile = routed("round_robin")
    got = [assignee(desk.open(profile=profile, subject=f"Fault {n}")) for n in range(3)]
    assert got == [desk.l1.username, bea.username, desk.l1.username]  # cal is away
    t = Ticket.objects.order_by("id").last()
    assert t is not None
    event = Event.objects.get(ticket=t, kind="assigned")
    assert event.actor is None and not event.public
    assert event.data == {"from": None, "to": str(desk.l1.pk), "rule": "round_robin", "level": "l1"}
    assert t.status == "new"  # routing is not work on the ticket
    # The assignee is told (paged).
    assert Notification.objects.filter(ticket=t, recipient_user=desk.l1).exists()


def test_least_open_takes_the_agent_with_the_fewest_open_tickets(desk: Desk) -> None:
    bea = agent(desk, "bea")
    for _ in range(2):
        busy = desk.open(subject="Older fault")
        Ticket.objects.filter(pk=busy.pk).update(assignee=desk.l1)
    profile = routed("least_open")
    assert [assignee(desk.open(profile=profile, subject=f"F{n}")) for n in range(3)] == [
        bea.username,
        bea.username,
        # two each now: the turn decides, and desk.l1 was never routed to
        desk.l1.username,
    ]


def test_only_the_profiles_levels_and_channels_and_nobody_away(desk: Desk) -> None:
    by_channel = routed("round_robin", levels=(), channels=("api",))
    assert assignee(desk.open(profile=by_channel)) == ""  # portal: not routed
    assert assignee(desk.open(profile=by_channel, channel="api")) == desk.l1.username
    set_availability(actor=desk.l1, available=False)
    assert assignee(desk.open(profile=by_channel, channel="api")) == ""  # nobody available


def test_the_shipped_profiles_route_where_their_documents_say() -> None:
    cloudsoft, expo = load("cloudsoft").routing, load("exponential-e").routing
    assert cloudsoft is not None and set(cloudsoft.channels) == {"email", "phone", "chat"}
    assert expo is not None and (expo.rule, expo.levels) == ("least_open", ("l1",))
    for name in ("demo", "luxcloud", "zynstra", "cloudcti"):
        assert load(name).routing is None


def test_an_away_engineer_is_not_available_for_the_chat(desk: Desk) -> None:
    socket_opened(user=desk.l1, channel="test-l1", now=clock.now())
    set_availability(actor=desk.l1, available=False)
    assert chat.start_chat(actor=desk.north_user, body="Hello", now=clock.now()).reason == "busy"
    set_availability(actor=desk.l1, available=True)
    assert chat.start_chat(actor=desk.north_user, body="Hello?", now=clock.now()).live


def put(api: ApiClient, path: str, payload: object) -> Any:
    return api.client.put(f"/api/v1{path}", json.dumps(payload), content_type="application/json")


def test_agents_mark_themselves_away_in_the_api_and_on_the_desk(desk: Desk) -> None:
    api = ApiClient(desk.l1)
    assert api.get("/me").json()["available"] is True
    response = put(api, "/me/availability", {"available": False})
    assert response.status_code == 200 and response.json()["available"] is False
    partner = ApiClient(desk.north_user)
    assert put(partner, "/me/availability", {"available": False}).status_code == 403
    bad = put(api, "/me/availability", {"available": "perhaps"})
    assert bad.status_code == 422

    for language, words in (("en", "Mark me available"), ("de", "Als verfügbar melden")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(desk.l1)
        page = client.get("/desk/").content.decode()
        assert words in page
    client = Client()
    client.force_login(desk.l1)
    assert client.post("/desk/availability", {"available": "1"}).status_code == 302
    desk.l1.refresh_from_db()
    assert desk.l1.away is False
    page = client.get("/desk/").content.decode()
    assert "Mark me away" in page and "Who is available" in page


def test_the_timeline_names_the_rule(desk: Desk) -> None:
    t = desk.open(profile=routed("least_open"))
    client = Client()
    client.force_login(desk.l1)
    page = client.get(f"/tickets/{t.number}/").content.decode()
    assert "routed to an available agent of" in page and "fewest open tickets" in page
