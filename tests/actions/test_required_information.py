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


def test_the_answer_that_follows_the_template_fills_in_what_was_missing(desk: Desk) -> None:
    from django.test import Client

    cti = load("cloudcti")
    t = act.open_ticket(
        actor=desk.north_user, now=clock.now(), channel="email", profile=cti,
        subject="P2 Click2Dial fails after the update",
        description="Click2Dial fails since the update.",
    )  # fmt: skip
    assert Event.objects.get(ticket=t, seq=1).data["missing"] == ["customer", "log_files"]

    def page(user) -> str:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client.get(f"/tickets/{t.number}/").content.decode()

    shown = page(desk.north_user)
    assert "Information still missing" in shown and "Log files" in shown
    assert "Information still missing" in page(desk.l1)
    # A reply that does not follow the template fills in nothing.
    act.add_reply(actor=desk.north_user, number=t.number, body="Any news?", now=clock.now())
    assert not Event.objects.filter(ticket=t, kind="form_completed").exists()
    # The desk's own text never counts as the requester's answer.
    act.add_reply(actor=desk.l1, number=t.number, body="Log files: none", now=clock.now())
    assert not Event.objects.filter(ticket=t, kind="form_completed").exists()
    act.add_reply(
        actor=desk.north_user, number=t.number,
        body="Here you are.\n\nCustomer details: ACME BV, tenant 4411\nLog files:  see cti.log\n",
        now=clock.now(),
    )  # fmt: skip
    done = Event.objects.get(ticket=t, kind="form_completed")
    assert done.public and done.actor_id == desk.north_user.pk
    assert done.data == {
        "fields": {"customer": "ACME BV, tenant 4411", "log_files": "see cti.log"},
        "missing": [],
    }
    t.refresh_from_db()
    assert t.form["log_files"] == "see cti.log" and t.form["customer"] == "ACME BV, tenant 4411"
    shown = page(desk.north_user)
    assert "Information still missing" not in shown
    assert "added the missing information: Customer details, Log files" in shown


def test_a_partial_answer_leaves_the_rest_listed(desk: Desk) -> None:
    t = act.open_ticket(
        actor=desk.north_user, now=clock.now(), channel="email", profile=load("cloudcti"),
        subject="P3 CRM connector question", description="How do we map fields?",
    )  # fmt: skip
    act.add_reply(
        actor=desk.north_user, number=t.number, body="Customer details: ACME BV", now=clock.now()
    )
    assert Event.objects.get(ticket=t, kind="form_completed").data["missing"] == ["log_files"]
    act.add_reply(
        actor=desk.north_user, number=t.number, body="Log files: connector.log", now=clock.now()
    )
    last = Event.objects.filter(ticket=t, kind="form_completed").order_by("-seq").first()
    assert last is not None and last.data["missing"] == []
