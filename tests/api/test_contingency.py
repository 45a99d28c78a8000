"""The contingency routes reach the partner: on its ticket page, in the API and in the breach
notice (CloudCTI 4, LuxCloud 2.8). A supplier is never shown them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.actions.organisations import create_organisation
from tierdesk.domain.parties import OrganisationKind
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import Notification
from tierdesk.profiles import load

CTI = load("cloudcti")
REPORT = {"customer": "ACME BV", "description": "Click2Dial is down", "log_files": "attached"}


def page_text(user: object, number: str) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(f"/tickets/{number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_emergency_hotline_is_shown_for_a_high_ticket_outside_desk_hours(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    # Sat 14 Mar 2026 12:00 in Luxembourg (CET, UTC+1): the desk is closed.
    fixed_clock.at = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
    high = desk.open(severity="high")
    normal = desk.open(severity="normal")
    routes = ApiClient(desk.north_user).get(f"/tickets/{high.number}").json()["contingency"]
    assert [(r["key"], r["contact"], r["because"]) for r in routes] == [
        ("emergency_hotline", "+352 27 863 071, option #3", ["outside:desk", "severity:high"])
    ]
    assert routes[0]["reasons"] == ["outside the opening hours", "severity High"]
    assert ApiClient(desk.north_user).get(f"/tickets/{normal.number}").json()["contingency"] == []
    text = page_text(desk.north_user, high.number)
    assert "24x7 Emergency Hotline" in text and "+352 27 863 071, option #3" in text
    assert "Another way to reach us" in text
    assert "Contingency route offered to the partner" in page_text(desk.l1, high.number)
    # Handed to a supplier, the ticket shows the supplier no route of the partner's.
    act.change_status(
        actor=desk.l1, number=high.number, to="on_hold", now=clock.now(), supplier=desk.supplier
    )
    assert ApiClient(desk.vendor).get(f"/tickets/{high.number}").json()["contingency"] == []
    assert "Emergency Hotline" not in page_text(desk.vendor, high.number)
    # Monday 10:00 local, the desk is open again: nothing is offered.
    fixed_clock.at = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    assert ApiClient(desk.north_user).get(f"/tickets/{high.number}").json()["contingency"] == []


def test_cloudcti_two_end_customers_with_priority_1_open_the_contingency_number(
    desk: Desk,
) -> None:
    other = create_organisation(
        name="Fabrikam", kind=OrganisationKind.CUSTOMER, parent=desk.north, now=clock.now()
    )
    first = desk.open(profile=CTI, severity="p1", customer_account=desk.acme, form=REPORT)
    api = ApiClient(desk.north_user)
    # Tue 10 Mar 2026 10:00 Dutch time is within support hours; one end customer is not "several".
    assert api.get(f"/tickets/{first.number}").json()["contingency"] == []
    desk.open(profile=CTI, severity="p1", customer_account=other, form=REPORT)
    routes = api.get(f"/tickets/{first.number}").json()["contingency"]
    assert [(r["label"], r["because"]) for r in routes] == [
        ("24x7 contingency number", ["accounts:2", "severity:p1"])
    ]
    # Another partner's priority 1 tickets are not this partner's end customers.
    carl = desk.open(desk.contoso_user, profile=CTI, severity="p1", form=REPORT)
    assert ApiClient(desk.contoso_user).get(f"/tickets/{carl.number}").json()["contingency"] == []


def test_an_expired_mttr_tells_the_partner_the_contingency_number(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    t = desk.open(profile=CTI, severity="p2", form=REPORT)
    # Opened Tue 10 Mar 2026 10:00 Dutch time; the MTTR of 2 working days starts at the opening
    # of the next working day (Wed 08:30) and is due at the close of the second: Thu 12 Mar
    # 17:00 CET, 16:00 UTC.
    due = datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    sweep(due)  # a breach is recorded once the due instant has passed, not at it
    told = Notification.objects.filter(ticket=t, kind="sla_breach", recipient="ned@example.com")
    assert not told.exists()
    fixed_clock.at = due + timedelta(seconds=1)
    sweep(fixed_clock.at)
    assert [n.subject for n in told] == [f"[{t.number}] Contingency route: {t.subject}"]
    assert f"for {t.number} has passed" in told[0].body  # the target by the profile's label
    assert "24x7 contingency number: +31 (0) 35 699 02 44." in told[0].body
    routes = ApiClient(desk.north_user).get(f"/tickets/{t.number}").json()["contingency"]
    assert [r["because"] for r in routes] == [["expired:resolution"]]
