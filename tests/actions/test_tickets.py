"""The write path: numbers, events, the projection, and refusals that change nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.domain.errors import Forbidden, IllegalTransition, Invalid, NotFound
from tierdesk.persistence.models import Attachment, Event, Ticket
from tierdesk.queries.audit import verify


def test_numbers_are_sequential_with_the_profile_prefix(desk: Desk) -> None:
    numbers = [desk.open().number for _ in range(3)]
    assert numbers == ["DC-000001", "DC-000002", "DC-000003"]


def test_opening_records_the_created_event_and_the_profile_version(desk: Desk) -> None:
    ticket = desk.open(severity="P1", customer_account=desk.acme)
    event = Event.objects.get(ticket=ticket)
    assert (event.seq, event.kind, event.public, event.actor_id) == (
        1,
        "created",
        True,
        desk.north_user.pk,
    )
    assert event.data["severity"] == "high" and event.data["organisation"] == desk.north.slug
    assert ticket.profile == "demo" and ticket.profile_version.startswith("1.0+")
    assert ticket.requester == desk.north_user and ticket.organisation == desk.north
    assert ticket.customer_account == desk.acme


def test_a_partner_cannot_open_for_another_organisation_or_its_accounts(desk: Desk) -> None:
    with pytest.raises(NotFound):
        desk.open(desk.contoso_user, organisation=desk.north)
    with pytest.raises(Invalid) as caught:
        desk.open(desk.contoso_user, customer_account=desk.acme)
    assert "customer_account" in caught.value.fields
    assert Ticket.objects.count() == 0


def test_agents_open_on_behalf_of_a_partner(desk: Desk) -> None:
    with pytest.raises(Invalid) as caught:
        desk.open(desk.l1, channel="phone")
    assert "organisation" in caught.value.fields
    ticket = desk.open(
        desk.l1, channel="phone", organisation=desk.north, requester=desk.north_admin
    )
    assert ticket.channel == "phone" and ticket.requester == desk.north_admin


def test_each_change_appends_one_event_and_updates_the_row(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    ticket = desk.open()
    from datetime import timedelta

    fixed_clock.advance(timedelta(minutes=5))
    act.change_status(actor=desk.l1, number=ticket.number, to="open", now=clock.now())
    act.assign(actor=desk.l1, number=ticket.number, assignee=desk.l1, now=clock.now())
    act.change_severity(
        actor=desk.l1, number=ticket.number, to="high", reason="all users", now=clock.now()
    )
    act.change_level(
        actor=desk.l1, number=ticket.number, to="l2", note="reproduced", now=clock.now()
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.severity, ticket.level) == (
        "open",
        desk.l1,
        "high",
        "l2",
    )
    assert list(ticket.events.values_list("seq", "kind")) == [
        (1, "created"),
        (2, "status_changed"),
        (3, "assigned"),
        (4, "severity_changed"),
        (5, "level_changed"),
    ]
    assert ticket.event_count == 5 and ticket.updated_at == clock.now()
    assert verify().broken is None


def test_a_refused_change_leaves_the_record_untouched(desk: Desk) -> None:
    ticket = desk.open()
    before = (ticket.event_count, ticket.last_hash, ticket.status)
    with pytest.raises(IllegalTransition):
        act.change_status(actor=desk.l1, number=ticket.number, to="closed", now=clock.now())
    with pytest.raises(Forbidden):
        act.add_note(actor=desk.north_user, number=ticket.number, body="sneaky", now=clock.now())
    ticket.refresh_from_db()
    assert (ticket.event_count, ticket.last_hash, ticket.status) == before
    assert Event.objects.filter(ticket=ticket).count() == 1


def test_agents_read_and_work_by_the_levels_the_profile_gives_them(desk: Desk) -> None:
    # The demo profile's NOC reads its own and Support Level 2's tickets and works only its own;
    # every other level reads and works every ticket.
    ticket = desk.open()
    with pytest.raises(NotFound):
        act.add_reply(actor=desk.noc, number=ticket.number, body="hello", now=clock.now())
    act.change_level(actor=desk.l1, number=ticket.number, to="l2", note="x", now=clock.now())
    with pytest.raises(Forbidden):
        act.add_reply(actor=desk.noc, number=ticket.number, body="hello", now=clock.now())
    act.assign(actor=desk.l1, number=ticket.number, assignee=desk.noc, now=clock.now())
    act.add_reply(actor=desk.noc, number=ticket.number, body="hello", now=clock.now())


def test_an_agent_keeps_a_ticket_after_it_leaves_their_level(desk: Desk) -> None:
    """LuxCloud 1.1.2 and 2.4.3: L1 owns the communication with the partner and usually closes;
    1.1.3: L2 manages what was escalated to it, also while a supplier works on it."""
    ticket = desk.open()
    act.change_level(actor=desk.l1, number=ticket.number, to="l2", note="x", now=clock.now())
    act.add_reply(actor=desk.l1, number=ticket.number, body="L2 is on it.", now=clock.now())
    act.change_status(
        actor=desk.l2,
        number=ticket.number,
        to="on_hold",
        supplier=desk.supplier,
        supplier_ref="V-1",
        now=clock.now(),
    )
    act.add_note(actor=desk.l2, number=ticket.number, body="chased the vendor", now=clock.now())
    act.change_status(actor=desk.l1, number=ticket.number, to="open", now=clock.now())


def test_only_provider_staff_can_be_assigned(desk: Desk) -> None:
    ticket = desk.open()
    with pytest.raises(Invalid) as caught:
        act.assign(actor=desk.l1, number=ticket.number, assignee=desk.north_user, now=clock.now())
    assert "assignee" in caught.value.fields


def test_links_are_recorded_both_as_row_and_event(desk: Desk) -> None:
    first, second = desk.open(), desk.open()
    act.link(
        actor=desk.l1,
        number=second.number,
        target=first.number,
        kind="duplicate_of",
        now=clock.now(),
    )
    assert second.links.get(kind="duplicate_of").target == first
    with pytest.raises(Invalid):
        act.link(
            actor=desk.l1,
            number=second.number,
            target=first.number,
            kind="duplicate_of",
            now=clock.now(),
        )
    with pytest.raises(Invalid):
        act.link(
            actor=desk.l1, number=second.number, target="DC-999999", kind="related", now=clock.now()
        )


def test_attachments_keep_the_name_for_display_only(desk: Desk) -> None:
    ticket = desk.open()
    attachment = act.attach_file(
        actor=desk.north_user,
        number=ticket.number,
        content=io.BytesIO(b"log line\n"),
        name="../../etc/passwd\u202egnp.exe",
        size=9,
        now=clock.now(),
        max_bytes=100,
    )
    assert attachment.original_name == "passwdgnp.exe"
    assert "passwd" not in attachment.file.name and attachment.file.name.startswith("attachments/")
    assert attachment.file.read() == b"log line\n"
    assert (
        Event.objects.get(ticket=ticket, kind="attachment_added").data["sha256"]
        == attachment.sha256
    )


def test_oversized_attachments_store_nothing(desk: Desk) -> None:
    ticket = desk.open()
    with pytest.raises(Invalid):
        act.attach_file(
            actor=desk.north_user,
            number=ticket.number,
            content=io.BytesIO(b"x" * 11),
            name="big.bin",
            size=11,
            now=clock.now(),
            max_bytes=10,
        )
    assert Attachment.objects.count() == 0


def test_each_change_stores_the_clocks_and_the_next_deadline(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    from datetime import timedelta

    from tierdesk.persistence.models import TicketTarget

    ticket = desk.open(severity="high")  # Tuesday 10:00 in Luxembourg
    rows = {t.target: t for t in TicketTarget.objects.filter(ticket=ticket)}
    assert set(rows) == {"first_response", "resolution"}
    assert (
        rows["first_response"].state == "running" and rows["first_response"].limit_seconds == 3600
    )
    assert ticket.next_deadline == clock.now() + timedelta(minutes=45)
    fixed_clock.advance(timedelta(minutes=20))
    act.add_reply(actor=desk.l1, number=ticket.number, body="On it", now=clock.now())
    ticket.refresh_from_db()
    first = TicketTarget.objects.get(ticket=ticket, target="first_response")
    assert (first.state, first.met_at) == ("met", clock.now())
    # Next is the resolution warning: 75 % of 9 business hours after 10:00 is 16:45 Luxembourg.
    assert ticket.next_deadline == datetime(2026, 3, 10, 15, 45, tzinfo=UTC)


def test_a_suppliers_own_ola_is_recorded_with_the_hand_off(desk: Desk) -> None:
    """The supplier's registered OLA (here 4 hours on the 24x7 NOC calendar) runs from the hand-off;
    a later change of its terms does not rewrite the figures of a ticket already handed over."""
    from tierdesk.actions.suppliers import set_terms
    from tierdesk.persistence.models import TicketTarget

    terms = {"method": "email", "contact": "support@vendor.example", "ola_target": "4h"}
    set_terms(actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes=terms)
    set_terms(
        actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes={"calendar": "noc"}
    )
    ticket = desk.open()
    event = act.change_status(
        actor=desk.l1, number=ticket.number, to="on_hold", supplier=desk.supplier,
        note="Please look at the provisioning module.", now=clock.now(),
    )  # fmt: skip
    assert (event.data["ola_target"], event.data["ola_calendar"]) == ("4h", "noc")
    ola = TicketTarget.objects.get(ticket=ticket, target="supplier")
    assert ola.limit_seconds == 4 * 3600 and ola.calendar == "noc"
    assert ola.due == clock.now() + timedelta(hours=4)
    set_terms(
        actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes={"ola_target": "8h"}
    )
    act.add_note(actor=desk.l1, number=ticket.number, body="chased", now=clock.now())
    assert TicketTarget.objects.get(ticket=ticket, target="supplier").limit_seconds == 4 * 3600


def test_target_rows_are_rewritten_only_where_they_change(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    """A change keeps the target rows whose figures stay the same (same rows, not deleted and
    inserted again), updates those that change and deletes a target the ticket no longer has."""
    from datetime import timedelta

    from tierdesk.persistence.models import TicketTarget

    def rows() -> dict[str, tuple[object, ...]]:
        return {
            t.target: (t.pk, t.state, t.used_seconds, t.due, t.met_at)
            for t in TicketTarget.objects.filter(ticket=ticket)
        }

    ticket = desk.open(severity="high")  # Tuesday 10:00 in Luxembourg
    opened = rows()
    stale = TicketTarget.objects.create(
        ticket=ticket, target="gone", kind="response", calendar="x", state="running",
        limit_seconds=60, used_seconds=0.0,
    )  # fmt: skip
    act.add_reply(actor=desk.north_user, number=ticket.number, body="More logs", now=clock.now())
    assert rows() == opened  # the same rows, untouched
    assert not TicketTarget.objects.filter(pk=stale.pk).exists()
    fixed_clock.advance(timedelta(minutes=20))
    act.add_reply(actor=desk.l1, number=ticket.number, body="On it", now=clock.now())
    after = rows()
    assert after["first_response"][0] == opened["first_response"][0]  # updated in place
    assert after["first_response"][1:] != opened["first_response"][1:]
    assert (after["first_response"][1], after["first_response"][4]) == ("met", clock.now())
    assert set(after) == {"first_response", "resolution"}
