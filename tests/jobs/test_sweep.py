"""The sweep records warnings, breaches and timed closures at their due instants, exactly once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import AutomaticOutcome, Event, Ticket
from tierdesk.queries.audit import verify

LUX = ZoneInfo("Europe/Luxembourg")


def lux(*args: int) -> datetime:
    return datetime(*args, tzinfo=LUX)


def kinds(ticket: Ticket) -> list[tuple[str, str, datetime]]:
    return [
        (e.kind, str(e.data.get("target") or e.data.get("reason", "")), e.at.astimezone(LUX))
        for e in Event.objects.filter(ticket=ticket).order_by("seq")
    ]


def test_warnings_and_breach_land_on_their_due_instants(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    ticket = desk.open(severity="high")  # Tuesday 10 March 2026, 10:00 Luxembourg
    assert sweep(clock.now()).events == 0
    result = sweep(lux(2026, 3, 10, 12))
    assert result.events == 3
    assert kinds(ticket)[1:] == [
        ("sla_warning", "first_response", lux(2026, 3, 10, 10, 45)),
        ("sla_warning", "first_response", lux(2026, 3, 10, 10, 54)),
        ("sla_breach", "first_response", lux(2026, 3, 10, 11)),
    ]
    assert sweep(lux(2026, 3, 10, 12)).events == 0  # run twice: nothing twice
    ticket.refresh_from_db()
    assert ticket.next_deadline == lux(2026, 3, 10, 16, 45)  # resolution's 75 % warning
    assert AutomaticOutcome.objects.filter(ticket=ticket).count() == 3
    assert verify().broken is None


def test_an_action_records_what_fell_due_before_it(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    ticket = desk.open(severity="high")
    fixed_clock.at = lux(2026, 3, 10, 11, 30)
    act.add_reply(actor=desk.l1, number=ticket.number, body="Sorry for the wait", now=clock.now())
    assert [k for k, *_ in kinds(ticket)] == [
        "created",
        "sla_warning",
        "sla_warning",
        "sla_breach",
        "status_changed",  # the first reply is the first piece of work: New -> Open
        "reply",
    ]
    assert kinds(ticket)[3][2] == lux(2026, 3, 10, 11)


def test_no_reply_resolves_then_resolved_closes(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    ticket = desk.open()
    act.change_status(actor=desk.l1, number=ticket.number, to="open", now=clock.now())
    act.add_reply(actor=desk.l1, number=ticket.number, body="Which mailbox?", now=clock.now())
    act.change_status(actor=desk.l1, number=ticket.number, to="pending", now=clock.now())
    sweep(lux(2026, 3, 13, 9, 59))
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    sweep(lux(2026, 3, 30, 12))
    ticket.refresh_from_db()
    statuses = [(k, r, at) for k, r, at in kinds(ticket) if k == "status_changed"][-2:]
    # 3 business days after Tuesday 10:00 is Friday 10:00; 10 more business days is Friday 27 March 10:00.
    assert statuses == [
        ("status_changed", "no_reply", lux(2026, 3, 13, 10)),
        ("status_changed", "resolved_timeout", lux(2026, 3, 27, 10)),
    ]
    assert ticket.status == "closed" and ticket.next_deadline is None


def test_confirmation_timeout(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    ticket = desk.open()
    act.change_status(
        actor=desk.l1,
        number=ticket.number,
        to="pending",
        reason="awaiting_confirmation",
        now=clock.now(),
    )
    sweep(lux(2026, 3, 12, 12))
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    last = Event.objects.filter(ticket=ticket, kind="status_changed").order_by("-seq").first()
    assert last is not None and last.data["reason"] == "confirmation_timeout"
    assert last.at.astimezone(LUX) == lux(2026, 3, 12, 10)  # two business days
    assert last.actor_id is None and last.data["by"] == "system"


def test_sweep_cost_follows_what_is_due(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    for _ in range(5):
        desk.open(severity="low")
    desk.open(severity="high")
    result = sweep(lux(2026, 3, 10, 10, 50))
    assert (result.tickets, result.events) == (1, 1)
