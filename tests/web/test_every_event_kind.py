"""A ticket holding every event kind the code can write renders for everyone who may see it: its
page, its API record and its notifications. The kinds are walked from the code, so a new kind
fails here until it is covered."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock, profiles
from tierdesk.actions import process, supplier_answers
from tierdesk.actions import status as status_actions
from tierdesk.actions import tickets as act
from tierdesk.actions.automatic import record_due
from tierdesk.actions.organisations import edit_organisation
from tierdesk.actions.record import append
from tierdesk.actions.redaction import redact
from tierdesk.actions.suppliers import set_terms
from tierdesk.domain import monitoring
from tierdesk.domain.events import EventKind
from tierdesk.persistence.models import Event, Notification, Service, Ticket, User


def _page(user: User, number: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/tickets/{number}/")
    assert response.status_code == 200, (user.username, response.status_code)
    return response.content.decode()


def _every_kind(desk: Desk, fixed_clock) -> Ticket:  # type: ignore[no-untyped-def]
    def later(minutes: float = 5) -> None:
        fixed_clock.advance(timedelta(minutes=minutes))

    # A voicemail lacks the form's fields; the partner's answer that follows the template
    # fills them in (form_completed).
    voicemail = act.log_call(
        actor=desk.l1, now=clock.now(), called_at=clock.now(), voicemail=True, subject="",
        description="", organisation=desk.north, requester=desk.north_user,
        message={"caller": "Ned", "phone": "+352 2612 3456"},
    )  # fmt: skip
    act.add_reply(
        actor=desk.north_user, number=voicemail.number, body="Account: ACME-1", now=clock.now()
    )
    desk.open(subject="Mail delivery to Gmail is delayed", severity="high")
    later()
    # The same subject again from the same partner: flagged as a possible duplicate.
    # Acme lists who may raise requests for it; Ned is not on it, so the desk validates him.
    edit_organisation(
        actor=desk.admin, organisation=desk.acme, now=clock.now(),
        changes={"authorised_requesters": ["nora@example.com"]},
    )  # fmt: skip
    desk.acme.refresh_from_db()
    checking = dataclasses.replace(profiles.active(), requester_authority="flag")
    ticket = desk.open(
        subject="Mail delivery to Gmail is delayed", severity="high", customer_account=desk.acme,
        profile=checking,
    )  # fmt: skip
    number = ticket.number
    later()
    act.add_reply(
        actor=desk.north_user, number=number, body="It started at 08:00.", now=clock.now()
    )
    act.add_note(actor=desk.l1, number=number, body="Queue depth is 40k.", now=clock.now())
    act.assign(actor=desk.l1, number=number, assignee=desk.l1, now=clock.now())
    process.validate_authority(
        actor=desk.l1, number=number, authorised=True, note="Confirmed by phone.", now=clock.now()
    )
    act.change_severity(
        actor=desk.l1, number=number, to="normal", reason="workaround exists", now=clock.now()
    )
    act.attach_file(
        actor=desk.l1,
        number=number,
        content=SimpleUploadedFile("queue.txt", b"40000 queued"),
        name="queue.txt",
        size=12,
        content_type="text/plain",
        now=clock.now(),
        max_bytes=1024,
    )
    other = desk.open(subject="Spam filter lets phishing through")
    act.link(actor=desk.l1, number=number, target=other.number, kind="related", now=clock.now())
    status_actions.sync_services(profiles.active(), clock.now())
    incident = status_actions.open_incident(
        actor=desk.l1,
        title="Outbound mail delayed",
        services=[Service.objects.values_list("slug", flat=True).first()],
        impact="degraded",
        message="Queues are growing.",
        now=clock.now(),
    )
    status_actions.link_tickets(
        actor=desk.l1, incident_id=incident.pk, numbers=[number], now=clock.now()
    )
    act.change_level(
        actor=desk.l1, number=number, to="l2", note="Needs the mail platform team.", now=clock.now()
    )
    terms = set_terms(
        actor=desk.admin,
        supplier=desk.supplier,
        now=clock.now(),
        changes={"method": "portal", "contact": "https://support.vendor.example/",
                 "ola_target": "2h", "calendar": "noc"},
    ).obj  # fmt: skip
    act.change_status(
        actor=desk.l2,
        number=number,
        to="on_hold",
        reason="handed to supplier",
        supplier=desk.supplier,
        supplier_ref="VEN-4711",
        now=clock.now(),
    )
    act.add_reply(actor=desk.vendor, number=number, body="Patch is rolling out.", now=clock.now())
    # The supplier's own desk writes back, and its OLA warning chases it (through the agent).
    supplier_answers.receive(
        Ticket.objects.get(number=number), terms, sender="support@vendor.example",
        subject="[VEN-4711] Working on it", body="Our engineers are on it.", machine="",
        now=clock.now(),
    )  # fmt: skip
    fixed_clock.advance(timedelta(hours=1, minutes=40))
    record_due(Ticket.objects.get(number=number), clock.now())
    act.change_status(actor=desk.l2, number=number, to="open", now=clock.now())
    # Time passes without a resolution: warnings and breaches are recorded by the desk itself.
    fixed_clock.advance(timedelta(days=12))
    record_due(Ticket.objects.get(number=number), clock.now())
    process.escalate_management(
        actor=desk.north_admin, number=number, reason="No fix after two weeks", now=clock.now()
    )
    process.record_contact_attempt(
        actor=desk.l1, number=number, note="Phoned the manager: voicemail.", now=clock.now()
    )
    status_actions.update_incident(
        actor=desk.l1,
        incident_id=incident.pk,
        state="resolved",
        message="Queues drained.",
        notify=True,
        now=clock.now(),
    )
    later()
    _alerts(number)
    process.reject(
        actor=desk.l2, number=number, reason="multiple_issues", note="One issue per ticket, please.",
        now=clock.now(),
    )  # fmt: skip
    later()
    # A reply to a closed ticket opens a follow-up with a new number.
    act.add_reply(actor=desk.north_user, number=number, body="It is back again.", now=clock.now())
    # An administrator removes a public reply's text and an internal note's (redacted).
    for seq in (
        Event.objects.get(
            ticket__number=number, kind="reply", data__body="It started at 08:00."
        ).seq,
        Event.objects.get(ticket__number=number, kind="note", data__body="Queue depth is 40k.").seq,
    ):
        redact(actor=desk.admin, number=number, seq=seq, part="text", reason="personal data",
               now=clock.now())  # fmt: skip
    return Ticket.objects.get(number=number)


def _alerts(number: str) -> None:
    """A monitoring alert firing and resolved, recorded on the ticket as the receiver does."""
    rules = profiles.active().monitoring
    assert rules is not None
    for state in ("firing", "resolved"):
        alert = {
            "status": state,
            "labels": {"alertname": "MailQueueTooLong", "severity": "warning"},
            "annotations": {"summary": "Outbound mail queue is long"},
            "startsAt": "2026-03-10T09:00:00Z",
            "generatorURL": "https://prometheus.example.com/graph?g0.expr=queue",
        }
        body = {"version": "4", "groupKey": "{}:{}", "status": state, "alerts": [alert]}
        delivery = monitoring.read(rules, body)
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(number=number)
            change = monitoring.change(delivery.alerts[0], group_key=delivery.group_key)
            append(locked, change, actor=None, now=clock.now())


def test_a_ticket_with_every_event_kind_renders_for_every_role(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    ticket = _every_kind(desk, fixed_clock)
    duplicate = Ticket.objects.get(number=ticket.number)
    voicemail = Ticket.objects.get(channel="phone")
    tickets = (duplicate, voicemail)
    kinds = set(Event.objects.filter(ticket__in=tickets).values_list("kind", flat=True))
    missing = {k.value for k in EventKind} - kinds
    assert not missing, f"event kinds not covered by this test: {sorted(missing)}"
    assert Event.objects.filter(ticket=ticket, actor=None).exists()  # breaches, the incident

    readers = [
        desk.north_user,
        desk.north_admin,
        desk.l1,
        desk.l2,
        desk.noc,
        desk.manager,
        desk.admin,
        desk.vendor,
    ]
    for user in readers:
        for number in (ticket.number, voicemail.number):
            if user in (desk.vendor, desk.noc) and number == voicemail.number:
                continue  # neither handed to the supplier nor at the NOC
            page = _page(user, number)
            assert "None" not in page.replace("None;", ""), user.username
            if number == ticket.number and user in (desk.north_user, desk.north_admin):
                # Only the public reply's removal, without who or why.
                assert page.count("A part of this conversation was removed.") == 1
                assert "personal data" not in page and "It started at 08:00." not in page
            if number == ticket.number and user in (desk.l1, desk.manager, desk.admin):
                assert page.count("from the record</span>") == 4, user.username
                assert "personal data" in page and "Queue depth is 40k." not in page
            record = ApiClient(user).get(f"/tickets/{number}")
            assert record.status_code == 200, (user.username, record.content)
            json.loads(record.content)
    for outsider in (desk.contoso_user,):
        client = Client()
        client.force_login(outsider)
        assert client.get(f"/tickets/{ticket.number}/").status_code == 404

    notifications = Notification.objects.filter(ticket=ticket)
    assert notifications.exists()
    for n in notifications:
        assert n.subject.strip() and n.body.strip(), n.kind
        assert "None" not in n.body and "{" not in n.subject, (n.kind, n.body)
