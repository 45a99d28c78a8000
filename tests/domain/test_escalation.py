"""Management escalation along the matrix, and routing at intake by channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tierdesk.domain import due
from tierdesk.domain import ticket as decide
from tierdesk.domain.escalation import EscalationTooEarly, management_escalation
from tierdesk.domain.parties import Party
from tierdesk.domain.sla import ClockEvent
from tierdesk.profiles import load

LONDON = ZoneInfo("Europe/London")
EXPO = load("exponential-e")


def escalate(
    events: list[ClockEvent], now: datetime, reason: str = "not progressing"
) -> ClockEvent:
    change = management_escalation(
        EXPO, events, due.plan(EXPO, events, now).clocks, now=now, reason=reason
    )
    return ClockEvent(now, change.kind, change.data, True)


def test_minimum_time_between_escalations_4_4_16_24_hours() -> None:
    opened = datetime(2026, 3, 10, 10, tzinfo=LONDON)  # a Tuesday, inside the contacts' hours
    events = [
        ClockEvent(opened, "created", {"severity": "normal", "status": "new", "language": "en"})
    ]
    with pytest.raises(EscalationTooEarly) as early:
        escalate(events, opened + timedelta(hours=3))
    assert early.value.until == opened + timedelta(hours=4)
    assert "possible from Tue 10 Mar 14:00" in early.value.message
    t = opened
    for role, gap in (
        ("Service Desk", 4),
        ("Service Desk Manager", 4),
        ("Senior Support Leader", 16),
        ("Director of Engineering", 24),
    ):
        t += timedelta(hours=gap)
        events.append(escalate(events, t))
        assert events[-1].data["role"] == role
    with pytest.raises(Exception, match="highest level"):
        escalate(events, t + timedelta(days=3))


def test_outside_business_hours_the_service_desk_relays() -> None:
    opened = datetime(2026, 3, 13, 9, 30, tzinfo=LONDON)  # Friday
    events = [
        ClockEvent(opened, "created", {"severity": "normal", "status": "new", "language": "en"})
    ]
    events.append(escalate(events, opened + timedelta(hours=4)))
    saturday = opened + timedelta(hours=26)
    second = escalate(events, saturday)
    assert second.data["role"] == "Service Desk Manager"
    assert second.data["routed_to"] == "Service Desk"


def test_monitoring_faults_go_straight_to_third_level() -> None:
    zynstra = load("zynstra")
    form = {f.key: "x" for f in zynstra.form}
    state, _ = decide.open_ticket(
        zynstra,
        decide.Draft("Software component failed", "", "monitoring", form=form),
        party=Party.PROVIDER,
    )
    assert state.level == "l3"
    state, _ = decide.open_ticket(
        zynstra, decide.Draft("Mail is slow", "", "portal", form=form), party=Party.REQUESTER
    )
    assert state.level == "l1"
