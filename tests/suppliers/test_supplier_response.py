"""The supplier's response is a live target: on the supplier's calendar from the hand-off, met by
its first answer (not by its automatic acknowledgement), warned and breached once by the
automatic round, shown to the desk only, and counted in the report from what the clock
recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tests.suppliers.test_supplier_chain import hand_off, register
from tierdesk import clock
from tierdesk.actions import supplier_answers
from tierdesk.actions import tickets as act
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import Event, Ticket
from tierdesk.profiles import active
from tierdesk.queries import supplier_reports
from tierdesk.queries.reports import Period
from tierdesk.queries.sla import ticket_sla

# Friday 6 November 2026, 16:00 in Luxembourg (UTC+1 since 25 October) is 15:00 UTC and 10:00
# in New York (UTC-5 since 1 November).
FRIDAY_1600_LUXEMBOURG = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
NOVEMBER = Period.of_days(date(2026, 11, 1), date(2026, 11, 30))


def response_of(ticket: Ticket) -> dict[str, Any]:
    return next(t for t in ticket_sla(ticket) if t["target"] == "supplier_response")


def response_events(ticket: Ticket, kind: str) -> list[Event]:
    return list(
        Event.objects.filter(ticket=ticket, kind=kind, data__target="supplier_response").order_by(
            "seq"
        )
    )


@pytest.mark.django_db
def test_the_response_runs_on_the_suppliers_hours_and_breaches_once(
    desk: Desk, fixed_clock: Any
) -> None:
    """10 business hours on New York hours (mon-fri 08:00-18:00) from Friday 10:00 there: 8 on
    Friday, the last 2 on Monday 08:00-10:00 New York, 15:00 UTC. The warning at 75 % (7 h 30)
    falls on Friday 17:30 New York, 22:30 UTC."""
    register(desk, response_target="10h", ola_target="3 business days")
    fixed_clock.at = FRIDAY_1600_LUXEMBOURG
    ticket = hand_off(desk)
    clock_now = response_of(ticket)
    assert clock_now["state"] == "running"
    assert clock_now["due"] == datetime(2026, 11, 9, 15, 0, tzinfo=UTC)

    fixed_clock.at = datetime(2026, 11, 6, 22, 30, tzinfo=UTC)  # the instant itself: not yet
    sweep(clock.now())
    assert response_events(ticket, "sla_warning") == []
    fixed_clock.at = datetime(2026, 11, 6, 22, 31, tzinfo=UTC)
    sweep(clock.now())
    sweep(clock.now())
    [warning] = response_events(ticket, "sla_warning")
    assert not warning.public and warning.data["cycle"] == 1

    fixed_clock.at = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)  # due: still on time
    sweep(clock.now())
    assert response_events(ticket, "sla_breach") == []
    fixed_clock.at = datetime(2026, 11, 9, 15, 1, tzinfo=UTC)
    sweep(clock.now())
    sweep(clock.now())
    [breach] = response_events(ticket, "sla_breach")
    assert not breach.public
    assert response_of(ticket)["breached_at"] == datetime(2026, 11, 9, 15, 0, tzinfo=UTC)

    # A late answer stops the clock; the report reads the recorded breach: missed.
    terms = supplier_answers.supplier_of("support@vendor.example")
    assert terms is not None
    supplier_answers.receive(ticket, terms, sender="support@vendor.example", subject="[VND-9]",
                             body="Looking at it.", machine="", now=clock.now())  # fmt: skip
    assert response_of(ticket)["state"] == "breached"
    [row] = supplier_reports.suppliers(desk.manager, NOVEMBER, active(), clock.now())
    assert (row["response_met"], row["response_missed"]) == (0, 1)

    # The desk sees the target on the ticket; the partner neither on its page nor in its API.
    staff = Client()
    staff.force_login(desk.l1)
    panel = staff.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Supplier&#x27;s first response (Vendor)" in panel
    # The OLA too in words and by the supplier's name, not by the registry's slug.
    assert ">Supplier answer (Vendor) due by" in panel and ">Supplier (vendor)" not in panel
    partner = ApiClient(desk.north_user).get(f"/tickets/{ticket.number}").json()
    assert all(not t["kind"].startswith("supplier") for t in partner["sla"])
    mine = Client()
    mine.force_login(desk.north_user)
    html = mine.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Supplier response" not in html and "supplier" not in html.lower()


@pytest.mark.django_db
def test_an_automatic_acknowledgement_is_not_the_response(desk: Desk, fixed_clock: Any) -> None:
    register(desk, response_target="2h", hours="24x7", time_zone="UTC", holiday_country="")
    ticket = hand_off(desk)
    terms = supplier_answers.supplier_of("support@vendor.example")
    assert terms is not None
    fixed_clock.advance(timedelta(minutes=5))
    supplier_answers.receive(ticket, terms, sender="support@vendor.example",
                             subject="[VND-1] Case opened", body="Your case was opened.",
                             machine="auto-submitted: auto-replied", now=clock.now())  # fmt: skip
    assert response_of(ticket)["state"] == "running"
    fixed_clock.advance(timedelta(minutes=55))
    supplier_answers.receive(ticket, terms, sender="support@vendor.example", subject="[VND-1]",
                             body="We are on it.", machine="", now=clock.now())  # fmt: skip
    answered = response_of(ticket)
    assert answered["state"] == "met" and answered["met_at"] == clock.now()
    fixed_clock.advance(timedelta(hours=3))
    sweep(clock.now())
    assert response_events(ticket, "sla_breach") == []  # met: nothing to record

    # Taken back and handed over again: a new wait, running from the new hand-off.
    supplier_answers.solved(actor=desk.l1, number=ticket.number, note="", now=clock.now())
    act.change_status(actor=desk.l1, number=ticket.number, to="on_hold", supplier=desk.supplier,
                      note="It is back.", now=clock.now())  # fmt: skip
    again = response_of(ticket)
    assert again["state"] == "running" and again["due"] == clock.now() + timedelta(hours=2)
    fixed_clock.advance(timedelta(hours=2, minutes=1))
    sweep(clock.now())
    [breach] = response_events(ticket, "sla_breach")
    assert breach.data["cycle"] == 2
    period = Period.of_days(date(2026, 3, 1), date(2026, 3, 31))
    [row] = supplier_reports.suppliers(desk.manager, period, active(), clock.now())
    assert (row["handoffs"], row["response_met"], row["response_missed"]) == (2, 1, 1)


@pytest.mark.django_db
def test_the_agent_recording_the_suppliers_answer_meets_it(desk: Desk, fixed_clock: Any) -> None:
    register(desk, response_target="2h", hours="24x7", time_zone="UTC", holiday_country="")
    ticket = hand_off(desk)
    fixed_clock.advance(timedelta(hours=1))
    supplier_answers.solved(actor=desk.l1, number=ticket.number,
                            note="Vendor called: fixed in 4.2.1.", now=clock.now())  # fmt: skip
    assert response_of(ticket)["state"] == "met"
    fixed_clock.advance(timedelta(hours=3))
    sweep(clock.now())
    period = Period.of_days(date(2026, 3, 1), date(2026, 3, 31))
    [row] = supplier_reports.suppliers(desk.manager, period, active(), clock.now())
    assert (row["response_met"], row["response_missed"]) == (1, 0)


@pytest.mark.django_db
def test_the_providers_compliance_report_leaves_the_suppliers_targets_out(
    desk: Desk, fixed_clock: Any
) -> None:
    """The supplier's response and OLA are the supplier's commitments, reported per supplier:
    the provider's SLA compliance (and a partner administrator's) counts the provider's own."""
    from tierdesk.queries.reports import compliance

    register(desk, response_target="10h", ola_target="3 business days")
    fixed_clock.at = FRIDAY_1600_LUXEMBOURG
    hand_off(desk)
    fixed_clock.at = datetime(2026, 11, 9, 15, 1, tzinfo=UTC)
    sweep(clock.now())
    for actor in (desk.manager, desk.north_admin):
        rows = compliance(actor, NOVEMBER, active())
        assert rows, "the provider's own targets are reported"
        assert {r["target"] for r in rows}.isdisjoint({"supplier", "supplier_response"})


@pytest.mark.django_db
def test_each_suppliers_wait_runs_on_the_terms_its_own_hand_off_recorded(
    desk: Desk, fixed_clock: Any
) -> None:
    """Vendor (10 h) waits 3 h and the ticket is taken back; then Other (1 h) has it for ten
    minutes: nobody is late, and Vendor's wait is not measured again on Other's hour."""
    from tests.suppliers.test_supplier_chain import TERMS
    from tierdesk.actions.people import create_organisation
    from tierdesk.actions.suppliers import set_terms
    from tierdesk.domain.parties import OrganisationKind as Kind

    register(desk, response_target="10h", hours="24x7", time_zone="UTC", holiday_country="")
    other = create_organisation(name="Other", kind=Kind.SUPPLIER, now=clock.now())
    set_terms(
        actor=desk.admin, supplier=other, now=clock.now(),
        changes={
            **TERMS, "contact": "support@other.example", "contacts": [],
            "escalation_contacts": [], "response_target": "1h", "hours": "24x7",
            "time_zone": "UTC", "holiday_country": "", "reference_pattern": r"\[OTH-(\d+)\]",
        },
    )  # fmt: skip
    ticket = hand_off(desk)
    fixed_clock.advance(timedelta(hours=3))
    sweep(clock.now())
    act.change_status(actor=desk.l1, number=ticket.number, to="open", now=clock.now())
    act.change_status(
        actor=desk.l1, number=ticket.number, to="on_hold", supplier=other,
        note="Over to Other.", now=clock.now(),
    )  # fmt: skip
    fixed_clock.advance(timedelta(minutes=10))
    sweep(clock.now())
    assert response_events(ticket, "sla_breach") == []
    assert response_of(ticket)["due"] == clock.now() + timedelta(minutes=50)
    fixed_clock.advance(timedelta(minutes=51))  # Other's own hour has passed
    sweep(clock.now())
    [breach] = response_events(ticket, "sla_breach")
    assert breach.data["cycle"] == 2


@pytest.mark.django_db
def test_the_partners_ticket_list_shows_no_suppliers_target(desk: Desk, fixed_clock: Any) -> None:
    register(desk, response_target="2h", hours="24x7", time_zone="UTC", holiday_country="")
    ticket = hand_off(desk)
    seen = {}
    for who in (desk.north_user, desk.l1):
        client = Client()
        client.force_login(who)
        page = client.get("/").content.decode()
        assert ticket.number in page
        seen[who.username] = page
    partner, agent = seen[desk.north_user.username], seen[desk.l1.username]
    assert "Supplier&#x27;s first response" in agent and "Supplier answer" in agent
    assert "Supplier" not in partner


def test_a_late_answer_in_a_record_without_a_response_clock_is_missed() -> None:
    """Records written before the supplier's response was a live target hold no breach for it:
    the report still counts an answer later than the recorded terms as missed."""
    from tierdesk.domain import supplier_figures
    from tierdesk.domain.sla import ClockEvent

    profile = active()
    hold = next(k for k, s in profile.statuses.items() if s.category == "on_hold")
    start = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    events = [
        ClockEvent(start, "created", {"severity": next(iter(profile.severities))}),
        ClockEvent(
            start + timedelta(minutes=5),
            "status_changed",
            {
                "to": hold,
                "supplier": "vendor",
                "ola_response": "2h",
                "ola_hours": {"timezone": "UTC", "hours": "24x7", "holidays": []},
            },
        ),
        ClockEvent(start + timedelta(hours=5), "supplier_mail", {"supplier": "vendor"}),
    ]
    [handoff] = supplier_figures.handoffs(profile, events, start + timedelta(hours=6))
    assert handoff.response == "missed"
