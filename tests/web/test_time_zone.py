"""One clock per reader: the account page sets the zone a person reads times in (default the
desk's), and every page then shows its times in it with the zone named; a time typed without a
zone is read in the same zone."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk
from tierdesk.persistence.models import User


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_person_chooses_their_zone_and_every_time_follows(desk: Desk) -> None:
    ticket = desk.open(subject="Panel down", severity="high")  # Tue 10 Mar 2026 09:00 UTC
    ned = _client(desk.north_user)
    before = ned.get("/").content.decode()
    assert "First response due by Tue 10 Mar 11:00 CET" in before  # the desk's zone, named
    assert (
        ned.post("/account/", {"verb": "zone", "time_zone": "America/New_York"}).status_code == 302
    )
    assert User.objects.get(pk=desk.north_user.pk).time_zone == "America/New_York"
    home = ned.get("/").content.decode()
    assert "First response due by Tue 10 Mar 06:00 EDT" in home and "CET" not in home
    page = ned.get(f"/tickets/{ticket.number}/").content.decode()
    assert "EDT" in page and "CET" not in page


def test_an_unknown_zone_is_refused_next_to_the_field(desk: Desk) -> None:
    response = _client(desk.l1).post("/account/", {"verb": "zone", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert 'id="id_time_zone-error"' in response.content.decode()
    assert User.objects.get(pk=desk.l1.pk).time_zone == ""


def test_a_phone_call_time_is_read_in_the_agents_own_zone(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import FORM
    from tierdesk.persistence.models import Ticket

    desk.l1.time_zone = "Europe/London"
    desk.l1.save(update_fields=["time_zone"])
    agent = _client(desk.l1)
    response = agent.post(
        "/desk/phone/",
        {"organisation": desk.north.slug, "requester": desk.north_user.username,
         "called_at": "2026-03-10T09:00", "subject": "Phones dead", "severity": "high",
         "description": "No dial tone", **{f"form_{k}": v for k, v in FORM.items()}},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    ticket = Ticket.objects.get(subject="Phones dead")
    assert ticket.opened_at.isoformat() == "2026-03-10T09:00:00+00:00"  # 09:00 in London is UTC
