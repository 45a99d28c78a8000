"""The seed processes' rules through the write path: replies, resolving, confirming, rejecting,
follow-ups, language, emergency, duplicates (LuxCloud 2.4-2.8 on the demo profile)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import process
from tierdesk.actions import tickets as act
from tierdesk.domain.errors import Forbidden, Invalid
from tierdesk.persistence.models import Event, Ticket, TicketLink, TicketTarget


def last(ticket: Ticket, kind: str) -> Event:
    event = Event.objects.filter(ticket=ticket, kind=kind).order_by("-seq").first()
    assert event is not None
    return event


def status_of(ticket: Ticket) -> str:
    ticket.refresh_from_db()
    return ticket.status


def test_requester_reply_returns_pending_to_open(desk: Desk) -> None:
    t = desk.open()
    process.ask(
        actor=desk.l1, number=t.number, body="Which mailbox?", confirmation=False, now=clock.now()
    )
    assert (
        status_of(t) == "pending" and last(t, "status_changed").data["reason"] == "awaiting_reply"
    )
    act.add_reply(
        actor=desk.north_user, number=t.number, body="The sales@ mailbox", now=clock.now()
    )
    assert status_of(t) == "open"
    change = last(t, "status_changed")
    assert change.data["reason"] == "requester_reply" and change.actor_id is None


def test_resolve_with_solution_carries_the_profile_message(desk: Desk) -> None:
    t = desk.open()
    with pytest.raises(Forbidden):
        process.resolve(
            actor=desk.north_user, number=t.number, solution="fixed it myself", now=clock.now()
        )
    process.resolve(
        actor=desk.l1, number=t.number, solution="The quota was re-applied.", now=clock.now()
    )
    assert status_of(t) == "resolved"
    assert last(t, "status_changed").data["reason"] == "solution_provided"
    body = last(t, "reply").data["body"]
    assert body.startswith("The quota was re-applied.") and "you can reopen it at any time" in body


def test_partner_confirms_and_reply_reopens_but_thanks_do_not(desk: Desk) -> None:
    t = desk.open()
    act.change_status(actor=desk.l1, number=t.number, to="open", now=clock.now())
    process.confirm(actor=desk.north_user, number=t.number, now=clock.now())
    assert (
        status_of(t) == "resolved"
        and last(t, "status_changed").data["reason"] == "requester_confirmed"
    )
    act.add_reply(actor=desk.north_user, number=t.number, body="Thanks a lot!", now=clock.now())
    assert status_of(t) == "resolved" and last(t, "reply").data["thank_you"] is True
    act.add_reply(
        actor=desk.north_user,
        number=t.number,
        body="Sorry, it fails again since 10:00",
        now=clock.now(),
    )
    assert status_of(t) == "open" and last(t, "status_changed").data["reason"] == "requester_reply"


def test_reply_to_a_closed_ticket_opens_a_linked_follow_up(desk: Desk) -> None:
    t = desk.open(customer_account=desk.acme)
    process.resolve(actor=desk.l1, number=t.number, solution="Re-applied", now=clock.now())
    act.change_status(actor=desk.l1, number=t.number, to="closed", now=clock.now())
    event = act.add_reply(
        actor=desk.north_user,
        number=t.number,
        body="It is back: quota ignored again",
        now=clock.now(),
    )
    follow = Ticket.objects.get(pk=event.ticket_id)
    assert follow.number != t.number and follow.subject == f"Follow-up: {t.subject}"
    assert follow.status == "new" and follow.customer_account == desk.acme and follow.form == t.form
    assert f"Follow-up of {t.number}" in follow.description
    assert TicketLink.objects.get(ticket=follow, kind="follow_up_of").target == t
    assert last(t, "follow_up_opened").data == {"number": follow.number}
    assert status_of(t) == "closed"
    act.add_reply(actor=desk.north_user, number=t.number, body="Thank you!", now=clock.now())
    assert Ticket.objects.count() == 2  # a bare thank-you to a closed ticket opens nothing


def test_reject_records_the_reason_and_closes(desk: Desk) -> None:
    t = desk.open()
    with pytest.raises(Invalid) as caught:
        process.reject(actor=desk.l1, number=t.number, reason="boring", now=clock.now())
    assert "duplicate" in caught.value.fields["reason"]
    process.reject(
        actor=desk.l1,
        number=t.number,
        reason="partner_task",
        note="Please use the panel",
        now=clock.now(),
    )
    rejected = last(t, "rejected")
    assert (
        rejected.public
        and rejected.data["reason"] == "partner_task"
        and "sales partner" in rejected.data["label"]
    )
    assert (
        status_of(t) == "closed"
        and last(t, "status_changed").data["reason"] == "rejected:partner_task"
    )


def test_language_rule_at_intake(desk: Desk) -> None:
    german = desk.open(
        subject="Postfach Kontingent wird nach dem Upgrade nicht übernommen",
        description="Seit dem Upgrade bleibt das Postfach unseres Kunden bei der alten Größe.",
    )
    assert german.language == "de"
    assert set(TicketTarget.objects.filter(ticket=german).values_list("state", flat=True)) == {
        "not_guaranteed"
    }
    spanish = desk.open(
        subject="El buzón no aplica la nueva cuota después de la actualización",
        description="Desde la actualización el buzón de nuestro cliente sigue con el tamaño antiguo.",
    )
    assert status_of(spanish) == "closed"
    rejected = last(spanish, "rejected")
    assert rejected.data["reason"] == "language" and "en, de, fr, nl, lb" in rejected.data["note"]


def test_emergency_goes_to_the_noc_on_its_calendar(desk: Desk) -> None:
    t = desk.open(subject="EMERGENCY: all mailboxes down", severity="low")
    assert (t.severity, t.level) == ("high", "noc")
    assert set(TicketTarget.objects.filter(ticket=t).values_list("calendar", flat=True)) == {"noc"}
    lower = desk.open(subject="Emergency? not really, a question about invoices", severity="low")
    assert lower.severity == "low"  # the keyword is upper case only


def test_close_duplicates_are_flagged_with_a_link(desk: Desk) -> None:
    first = desk.open(
        subject="Mailbox quota not applied after upgrade",
        description="Customer ACME upgraded the plan but the mailbox quota stays at 2 GB",
    )
    second = desk.open(
        subject="Mailbox quota not applied after the upgrade",
        description="Customer ACME upgraded plan, mailbox quota stays at 2 GB",
    )
    assert TicketLink.objects.get(ticket=second, kind="possible_duplicate_of").target == first
    assert last(second, "duplicate_suspected").data["of"] == first.number
    other = desk.open(
        desk.contoso_user,
        subject="Mailbox quota not applied after upgrade",
        description="Customer ACME upgraded the plan but the mailbox quota stays at 2 GB",
    )
    assert not TicketLink.objects.filter(
        ticket=other
    ).exists()  # another partner's ticket is never a match


def test_management_escalation_needs_a_breach_or_a_reason(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    t = desk.open(severity="high")
    with pytest.raises(Invalid) as caught:
        process.escalate_management(
            actor=desk.north_user, number=t.number, reason="", now=clock.now()
        )
    assert "reason" in caught.value.fields
    fixed_clock.advance(timedelta(hours=2))  # the first response is breached by now
    event = process.escalate_management(
        actor=desk.north_user, number=t.number, reason="", now=clock.now()
    )
    assert event.data["role"] == "Partner Success Manager" and event.data["breached"] == [
        "first_response"
    ]
    process.escalate_management(
        actor=desk.north_user, number=t.number, reason="still nothing", now=clock.now()
    )
    with pytest.raises(Exception, match="highest level"):
        process.escalate_management(
            actor=desk.north_user, number=t.number, reason="again", now=clock.now()
        )


@pytest.mark.parametrize("work", ["reply", "assign", "level", "ask", "resolve"])
def test_the_first_piece_of_work_moves_a_new_ticket_to_open(desk: Desk, work: str) -> None:
    """LuxCloud 2.3: New is "yet to be worked on"; the desk's first work makes it Open first."""
    t = desk.open()
    now = clock.now()
    if work == "reply":
        act.add_reply(actor=desk.l1, number=t.number, body="Looking into it.", now=now)
    elif work == "assign":
        act.assign(actor=desk.manager, number=t.number, assignee=desk.l1, now=now)
    elif work == "level":
        act.change_level(actor=desk.l1, number=t.number, to="l2", note="Needs L2.", now=now)
    elif work == "ask":
        process.ask(actor=desk.l1, number=t.number, body="Which one?", confirmation=False, now=now)
    else:
        process.resolve(actor=desk.l1, number=t.number, solution="Fixed.", now=now)
    moves = [
        (e.data["from"], e.data["to"], e.data["reason"])
        for e in Event.objects.filter(ticket=t, kind="status_changed").order_by("seq")
    ]
    assert moves[0] == ("new", "open", "work_started")
    assert Event.objects.get(ticket=t, kind="status_changed", seq=2).actor == (
        desk.manager if work == "assign" else desk.l1
    )


def test_a_note_a_partner_reply_or_a_rejection_is_not_work_on_the_ticket(desk: Desk) -> None:
    t = desk.open()
    act.add_note(actor=desk.l1, number=t.number, body="Probably a quota issue.", now=clock.now())
    act.add_reply(actor=desk.north_user, number=t.number, body="More details.", now=clock.now())
    assert status_of(t) == "new"
    process.reject(actor=desk.l1, number=t.number, reason="duplicate", now=clock.now())
    assert [e.data["to"] for e in Event.objects.filter(ticket=t, kind="status_changed")] == [
        "closed"
    ]
