"""CloudCTI 1.3: "Questions and reports will be processed if a complete report is submitted ...
by e-mail, which provides all the required information". A mailed report lacking an item is not
opened as complete: it is asked for, listed, and the ticket waits on the reporter."""

from __future__ import annotations

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.domain.sla import clocks
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.models import Event
from tierdesk.profiles import load


def test_a_mailed_report_lacking_log_files_is_asked_for_them(desk: Desk) -> None:
    cti = load("cloudcti")
    t = act.open_ticket(
        actor=desk.north_user, now=clock.now(), channel="email", profile=cti,
        subject="P2 Click2Dial fails after the update",
        description="Customer details: ACME BV, tenant 4411\nClick2Dial fails since the update.",
    )  # fmt: skip
    created = Event.objects.get(ticket=t, seq=1).data
    assert created["form"] == {"customer": "ACME BV, tenant 4411"}  # read from the template
    assert created["missing"] == ["log_files"] and created["missing_action"] == "ask"
    t.refresh_from_db()
    assert t.status == "pending"
    question = Event.objects.get(ticket=t, kind="reply")
    assert question.public and question.data["automatic"] is True
    assert question.data["body"].endswith("\n\nLog files:")
    # The automatic question is not the desk's response: that clock still runs.
    state = clocks(cti, clock_events(t), clock.now())
    assert state.target("first_response").state == "running"


def test_a_complete_mailed_report_opens_as_it_is(desk: Desk) -> None:
    t = act.open_ticket(
        actor=desk.north_user, now=clock.now(), channel="email", profile=load("cloudcti"),
        subject="P3 CRM connector question",
        description="Customer details: ACME BV\nLog files: attached, connector.log\nHow do we map fields?",
    )  # fmt: skip
    t.refresh_from_db()
    assert t.status == "new" and "missing" not in Event.objects.get(ticket=t, seq=1).data
