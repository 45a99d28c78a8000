"""SLA clocks replayed from events under the LuxCloud profile: pauses, reopen, severity change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tierdesk.domain.sla import ClockEvent, clocks
from tierdesk.profiles import load

LC = load("luxcloud")
LUX = ZoneInfo("Europe/Luxembourg")


def lux(*args: int) -> datetime:
    return datetime(*args, tzinfo=LUX)


def created(at: datetime, severity: str = "normal", **extra: Any) -> ClockEvent:
    return ClockEvent(
        at, "created", {"severity": severity, "status": "new", "language": "en", **extra}
    )


def status(at: datetime, to: str) -> ClockEvent:
    return ClockEvent(at, "status_changed", {"to": to})


def reply(at: datetime, by: str = "provider") -> ClockEvent:
    return ClockEvent(at, "reply", {"body": "x", "by": by})


def test_high_ticket_due_within_business_hours() -> None:
    state = clocks(LC, [created(lux(2026, 3, 10, 10), "high")], now=lux(2026, 3, 10, 10, 5))
    assert state.target("first_response").due == lux(2026, 3, 10, 11)
    assert state.target("resolution").due == lux(2026, 3, 11, 10)
    assert state.target("first_response").state == "running"
    assert state.next_deadline is not None
    assert (
        state.next_deadline.at == lux(2026, 3, 10, 10, 45) and state.next_deadline.kind == "warning"
    )


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    state = clocks(LC, [created(lux(2026, 3, 13, 16, 30))], now=lux(2026, 3, 13, 16, 31))
    assert state.target("first_response").due == lux(2026, 3, 16, 16, 30)
    assert state.target("resolution").due == lux(2026, 3, 17, 16, 30)


def test_reply_on_the_due_instant_is_on_time_and_a_minute_late_is_not() -> None:
    start = lux(2026, 3, 10, 10)
    on_time = clocks(
        LC, [created(start, "high"), reply(lux(2026, 3, 10, 11))], now=lux(2026, 3, 10, 12)
    )
    assert on_time.target("first_response").state == "met"
    assert on_time.target("first_response").met_at == lux(2026, 3, 10, 11)
    late = clocks(
        LC, [created(start, "high"), reply(lux(2026, 3, 10, 11, 1))], now=lux(2026, 3, 10, 12)
    )
    response = late.target("first_response")
    assert response.state == "breached" and response.breached_at == lux(2026, 3, 10, 11)


def test_requester_replies_do_not_stop_the_response_clock() -> None:
    state = clocks(
        LC,
        [created(lux(2026, 3, 10, 10), "high"), reply(lux(2026, 3, 10, 10, 10), by="requester")],
        now=lux(2026, 3, 10, 10, 30),
    )
    assert state.target("first_response").state == "running"


def test_pending_pauses_resolution_but_on_hold_does_not() -> None:
    opened = lux(2026, 3, 10, 10)
    events = [
        created(opened),
        reply(lux(2026, 3, 10, 11)),
        status(lux(2026, 3, 10, 11), "pending"),
        status(lux(2026, 3, 11, 11), "open"),
    ]
    paused = clocks(LC, events, now=lux(2026, 3, 11, 12))
    resolution = paused.target("resolution")
    assert resolution.state == "running"
    assert resolution.used_seconds == 2 * 3600  # 10-11 on Tuesday, 11-12 on Wednesday
    assert resolution.due == lux(2026, 3, 13, 10)  # 16h left at Wed 12:00: Wed 5h, Thu 9h, Fri 2h
    held = [created(opened), status(lux(2026, 3, 10, 11), "on_hold")]
    on_hold = clocks(LC, held, now=lux(2026, 3, 11, 12)).target("resolution")
    assert on_hold.state == "running" and on_hold.used_seconds == 11 * 3600


def test_paused_clock_has_no_due_and_no_deadline() -> None:
    events = [
        created(lux(2026, 3, 10, 10)),
        reply(lux(2026, 3, 10, 10, 30)),
        status(lux(2026, 3, 10, 11), "pending"),
    ]
    state = clocks(LC, events, now=lux(2026, 3, 20, 9))
    assert state.target("resolution").state == "paused" and state.target("resolution").due is None
    assert state.next_deadline is None


def test_severity_change_replays_from_the_start() -> None:
    opened = lux(2026, 3, 10, 10)
    events = [
        created(opened, "normal"),
        ClockEvent(lux(2026, 3, 10, 12), "severity_changed", {"from": "normal", "to": "high"}),
    ]
    state = clocks(LC, events, now=lux(2026, 3, 10, 12, 1))
    response = state.target("first_response")
    assert response.state == "breached" and response.breached_at == lux(2026, 3, 10, 11)
    assert state.target("resolution").due == lux(2026, 3, 11, 10)
    before = clocks(LC, events, now=lux(2026, 3, 10, 11, 59))
    assert before.severity == "normal" and before.target("first_response").state == "running"


def test_reopen_continues_the_resolution_clock() -> None:
    opened = lux(2026, 3, 10, 9)
    events = [
        created(opened),
        reply(lux(2026, 3, 10, 10)),
        status(lux(2026, 3, 10, 12), "resolved"),
        ClockEvent(lux(2026, 3, 12, 9), "reply", {"body": "still broken", "by": "requester"}),
        status(lux(2026, 3, 12, 9), "open"),
    ]
    resolved = clocks(LC, events[:3], now=lux(2026, 3, 11, 9)).target("resolution")
    assert resolved.state == "met" and resolved.met_at == lux(2026, 3, 10, 12)
    reopened = clocks(LC, events, now=lux(2026, 3, 12, 10)).target("resolution")
    assert reopened.state == "running" and reopened.used_seconds == 4 * 3600
    assert reopened.due == lux(2026, 3, 13, 15)  # 14h left at Thu 10:00: Thu 7h, Fri 08:00-15:00


def test_emergency_runs_on_the_noc_calendar() -> None:
    saturday_night = lux(2026, 3, 14, 2)
    state = clocks(LC, [created(saturday_night, "high", emergency=True)], now=saturday_night)
    assert state.target("first_response").due == lux(2026, 3, 14, 3)
    assert state.target("first_response").calendar == "noc"
    # LuxCloud 1.3/3.2: the resolution's "1 business day" stays on the desk's business calendar:
    # Mon 16 Mar 08:00 + 9 h.
    assert state.target("resolution").calendar == "desk"
    assert state.target("resolution").due == lux(2026, 3, 16, 17)
    plain = clocks(LC, [created(saturday_night, "high")], now=saturday_night)
    assert plain.target("first_response").due == lux(2026, 3, 16, 9)


def test_accepted_languages_have_no_guarantee() -> None:
    state = clocks(LC, [created(lux(2026, 3, 10, 10), language="de")], now=lux(2026, 3, 20, 10))
    assert {t.state for t in state.targets} == {"not_guaranteed"}
    assert state.next_deadline is None


def test_recorded_warnings_and_breaches_leave_the_pending_list() -> None:
    opened = lux(2026, 3, 10, 10)
    now = lux(2026, 3, 10, 11, 30)
    state = clocks(LC, [created(opened, "high")], now=now)
    pending = [(d.target, d.share) for d in state.target("first_response").deadlines]
    assert pending == [("first_response", 0.75), ("first_response", 0.9), ("first_response", 1.0)]
    recorded = (
        [created(opened, "high")]
        + [
            ClockEvent(now, "sla_warning", {"target": "first_response", "cycle": 0, "percent": p})
            for p in (75, 90)
        ]
        + [ClockEvent(now, "sla_breach", {"target": "first_response", "cycle": 0})]
    )
    after = clocks(LC, recorded, now=now)
    assert after.target("first_response").deadlines == ()
    assert after.next_deadline is not None and after.next_deadline.target == "resolution"


def test_stretches_explain_the_figures() -> None:
    events = [
        created(lux(2026, 3, 10, 10)),
        reply(lux(2026, 3, 10, 10, 30)),
        status(lux(2026, 3, 10, 11), "pending"),
        status(lux(2026, 3, 11, 9), "open"),
    ]
    resolution = clocks(LC, events, now=lux(2026, 3, 11, 10)).target("resolution")
    running = [s for s in resolution.stretches if s.running]
    assert sum(s.business_seconds for s in running) == resolution.used_seconds == 2 * 3600
    assert any(s.why == "paused while Pending" for s in resolution.stretches)


def test_many_changes_in_any_order_keep_used_time_within_elapsed_business_time() -> None:
    opened = lux(2026, 3, 2, 8)
    events = [created(opened)]
    t = opened
    for i in range(40):
        t += timedelta(hours=5)
        events.append(status(t, ["open", "pending", "open", "on_hold"][i % 4]))
    state = clocks(LC, events, now=t)
    elapsed = LC.calendars["desk"].business_seconds(opened, t)
    assert 0 < state.target("resolution").used_seconds < elapsed


def test_supplier_clock_runs_while_on_hold_on_the_supplier_terms() -> None:
    from tierdesk.domain.durations import parse_duration
    from tierdesk.domain.profiles import SupplierDefaults

    opened = lux(2026, 3, 10, 9)
    hold = ClockEvent(
        lux(2026, 3, 10, 10),
        "status_changed",
        {"to": "on_hold", "supplier": "odin", "supplier_ref": "ODIN-77"},
    )
    events = [created(opened), reply(lux(2026, 3, 10, 9, 30)), hold]
    default = clocks(LC, events, now=lux(2026, 3, 10, 12)).target("supplier")
    assert default.label == "Supplier (odin)" and default.state == "running"
    assert default.due == lux(2026, 3, 11, 10)  # the registry default: 1 business day
    fast = {"odin": SupplierDefaults("phone", parse_duration("4h"), "noc", False)}
    state = clocks(LC, events, now=lux(2026, 3, 10, 15), supplier_terms=fast)
    assert state.target("supplier").state == "breached"
    assert state.target("supplier").breached_at == lux(2026, 3, 10, 14)
    assert state.target("resolution").state == "running"  # On-hold does not pause LuxCloud's clock
    back = [*events, status(lux(2026, 3, 10, 13), "open")]
    returned = clocks(LC, back, now=lux(2026, 3, 10, 15), supplier_terms=fast).target("supplier")
    assert returned.state == "met" and returned.met_at == lux(2026, 3, 10, 13)
    assert "supplier" not in {
        t.key for t in clocks(LC, events[:2], now=lux(2026, 3, 10, 12)).targets
    }


def test_time_to_update_restarts_at_every_public_update() -> None:
    cti = load("cloudcti")
    ams = ZoneInfo("Europe/Amsterdam")
    opened = datetime(2026, 3, 10, 9, tzinfo=ams)
    events = [
        ClockEvent(opened, "created", {"severity": "p2", "status": "new", "language": "en"}),
        ClockEvent(datetime(2026, 3, 10, 12, tzinfo=ams), "reply", {"body": "x", "by": "provider"}),
    ]
    update = clocks(cti, events, now=datetime(2026, 3, 10, 13, tzinfo=ams)).target("update")
    assert update.cycle == 1 and update.used_seconds == 3600
    assert update.due == datetime(2026, 3, 11, 11, 30, tzinfo=ams)  # 8 support hours from 12:00
    late = clocks(cti, events, now=datetime(2026, 3, 11, 12, tzinfo=ams)).target("update")
    assert late.state == "breached" and late.breached_at == datetime(
        2026, 3, 11, 11, 30, tzinfo=ams
    )
    requester = [
        *events,
        ClockEvent(
            datetime(2026, 3, 10, 14, tzinfo=ams), "reply", {"body": "y", "by": "requester"}
        ),
    ]
    assert (
        clocks(cti, requester, now=datetime(2026, 3, 10, 15, tzinfo=ams)).target("update").cycle
        == 1
    )


def test_troubleshoot_milestone_stops_at_the_first_engineering_step() -> None:
    expo = load("exponential-e")
    london = ZoneInfo("Europe/London")
    opened = datetime(2026, 3, 14, 22, tzinfo=london)
    events = [
        ClockEvent(opened, "created", {"severity": "critical", "status": "new", "language": "en"}),
        ClockEvent(
            datetime(2026, 3, 14, 22, 40, tzinfo=london), "note", {"body": "rebooted CPE"}, False
        ),
    ]
    state = clocks(expo, events, now=datetime(2026, 3, 15, 0, tzinfo=london))
    assert state.target("troubleshoot").state == "met"
    assert (
        state.target("first_response").state == "breached"
    )  # a note is not a response to the customer


def test_update_clock_ends_met_or_breached_when_resolved() -> None:
    cti = load("cloudcti")
    ams = ZoneInfo("Europe/Amsterdam")
    opened = datetime(2026, 3, 10, 9, tzinfo=ams)
    events = [
        ClockEvent(opened, "created", {"severity": "p2", "status": "new", "language": "en"}),
        ClockEvent(datetime(2026, 3, 10, 11, tzinfo=ams), "reply", {"body": "x", "by": "provider"}),
        ClockEvent(
            datetime(2026, 3, 10, 12, tzinfo=ams),
            "status_changed",
            {"from": "new", "to": "resolved"},
        ),
    ]
    assert (
        clocks(cti, events, now=datetime(2026, 3, 20, 9, tzinfo=ams)).target("update").state
        == "met"
    )
