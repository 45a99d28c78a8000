"""Who is told, and how it reads (LuxCloud 2.4.1-2.4.3; Cloudsoft registration): confirmations to
the partner and the ticket's technicians, the supplier's answer to the agent who handed over,
times in the desk's zone, labels not keys, plain text without HTML entities, links that exist."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from django.core import mail
from django.urls import resolve

from tests.conftest import FORM, Desk
from tierdesk import clock, profiles
from tierdesk.actions import process
from tierdesk.actions import tickets as act
from tierdesk.jobs.outbox import deliver
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import Notification, Ticket


def told(ticket: Ticket, kind: str) -> list[tuple[str, str, str]]:
    rows = Notification.objects.filter(ticket=ticket, kind=kind).order_by("id")
    return [(n.recipient, n.subject.split("] ", 1)[1].split(":")[0], n.body) for n in rows]


def test_luxcloud_confirms_opening_update_and_closure_to_partner_and_technicians(
    desk: Desk,
) -> None:
    lux = profiles.load("luxcloud")
    t = act.open_ticket(
        actor=desk.north_user, now=clock.now(), subject="Quota", channel="portal", form=FORM,
        profile=lux,
    )  # fmt: skip
    assert [(r, s) for r, s, _ in told(t, "created")] == [
        ("ned@example.com", "Ticket received"),
        ("agent1@example.com", "New ticket"),  # the technicians of level l1
    ]
    act.assign(actor=desk.manager, number=t.number, assignee=desk.l2, now=clock.now())
    act.add_reply(actor=desk.l1, number=t.number, body="We are on it.", now=clock.now())
    assert [(r, s) for r, s, _ in told(t, "reply")] == [
        ("ned@example.com", "Update"),
        ("agent2@example.com", "Update sent"),  # its technician, now that it has one
    ]
    process.resolve(actor=desk.l1, number=t.number, solution="Fixed.", now=clock.now())
    closure = [x for x in told(t, "status_changed") if "Resolved" in x[2]]
    assert [r for r, _, _ in closure] == ["ned@example.com", "agent2@example.com"]
    assert closure[0][2] == f"{t.number} is now Resolved (a solution has been provided)."


def test_the_demo_desk_keeps_its_default_rules(desk: Desk) -> None:
    t = desk.open()
    act.add_reply(actor=desk.l1, number=t.number, body="Looking", now=clock.now())
    assert [r for r, _, _ in told(t, "reply")] == ["ned@example.com"]


def test_a_suppliers_reply_reaches_the_agent_who_handed_over(desk: Desk) -> None:
    t = desk.open()
    act.change_status(
        actor=desk.l2, number=t.number, to="on_hold", supplier=desk.supplier,
        supplier_ref="VEN-1", now=clock.now(),
    )  # fmt: skip
    on_hold = told(t, "status_changed")
    assert on_hold and all("is now On-hold" in body for _, _, body in on_hold)  # the label
    act.add_reply(actor=desk.vendor, number=t.number, body="Patch ready.", now=clock.now())
    assert told(t, "reply") == [("agent2@example.com", "Supplier replied", "Patch ready.")]


def test_breach_times_are_in_the_desks_zone_and_named(desk: Desk) -> None:
    t = desk.open(severity="high")  # Tue 10 Mar 2026 10:00 in Luxembourg; respond within 1 h
    sweep(clock.now() + timedelta(hours=2))
    bodies = {body for _, _, body in told(t, "sla_breach")}
    assert bodies == {
        f"{t.number}: First response was due at Tue 10 Mar 2026 11:00 CET (Europe/Luxembourg)."
    }


def test_each_reader_gets_their_own_zone_and_language(desk: Desk) -> None:
    """One clock per reader: an agent who reads in New York and German gets the breach in their
    zone and words; the others (the desk's SLA contact) keep the desk's."""
    desk.l1.time_zone, desk.l1.language = "America/New_York", "de"
    desk.l1.save(update_fields=["time_zone", "language"])
    t = desk.open(severity="high")
    sweep(clock.now() + timedelta(hours=2))
    by_reader = {to: (subject, body) for to, subject, body in told(t, "sla_breach")}
    subject, body = by_reader["agent1@example.com"]
    assert subject.startswith("SLA verletzt")
    assert subject == "SLA verletzt"
    assert (
        body
        == f"{t.number}: First response war fällig am Di 10 Mär 2026 06:00 EDT (America/New_York)."
    ), body
    others = [body for to, (_, body) in by_reader.items() if to != "agent1@example.com"]
    assert others and all("11:00 CET (Europe/Luxembourg)" in body for body in others)


def test_plain_text_carries_no_html_entities(desk: Desk) -> None:
    t = desk.open()
    act.add_reply(
        actor=desk.l1, number=t.number, body="Tom's mailbox & <Jerry's> are fixed.", now=clock.now()
    )
    deliver(clock.now())
    update = next(m for m in mail.outbox if "Update" in m.subject)
    assert "Tom's mailbox & <Jerry's> are fixed." in update.body
    assert "&#x27;" not in update.body and "&amp;" not in update.body
    html = update.alternatives[0][0]
    assert "Tom&#x27;s mailbox &amp; &lt;Jerry&#x27;s&gt;" in html  # escaped where it is markup


def test_links_in_notices_point_to_pages_that_exist() -> None:
    for name in profiles.builtin_names():
        url = profiles.load(name).registration_url
        if url:
            assert resolve(urlparse(url).path).url_name == "register", (name, url)


def test_partner_notices_are_in_the_reply_language_agents_read_their_own(desk: Desk) -> None:
    """LuxCloud 2.5: tickets are answered in English only, whatever the partner's own setting."""
    desk.north_user.language = "de"
    desk.north_user.save()
    desk.l1.language = "de"
    desk.l1.save()
    desk.open()
    deliver(clock.now())
    partner = next(m for m in mail.outbox if m.to == ["ned@example.com"])
    agent = next(m for m in mail.outbox if m.to == ["agent1@example.com"])
    assert "Reply to this message" in partner.body and "Antworten Sie" not in partner.body
    assert "Antworten Sie" in agent.body


def test_the_partner_hears_of_each_try_to_reach_the_escalation_contact(desk: Desk) -> None:
    t = desk.open(severity="high")
    process.escalate_management(
        actor=desk.north_admin, number=t.number, reason="Shop down", now=clock.now()
    )
    process.record_contact_attempt(
        actor=desk.l1, number=t.number, note="Phoned: voicemail.", now=clock.now()
    )
    [(recipient, title, body)] = told(t, "contact_attempted")
    assert (recipient, title) == ("ned@example.com", "Escalation")
    assert "(attempt 1). Phoned: voicemail." in body and "tried to reach" in body


def test_a_progress_report_clock_asks_the_reporting_level_for_its_report() -> None:
    from datetime import UTC, datetime

    from tierdesk.domain import notify

    zynstra = profiles.load("zynstra")
    due = datetime(2026, 3, 10, 15, 0, tzinfo=UTC).isoformat()
    for kind, data, title in (
        ("sla_breach", {"target": "progress_report", "due_at": due}, "Progress report overdue"),
        ("sla_warning", {"target": "progress_report", "percent": 75}, "Progress report due soon"),
    ):
        out = notify.notices(
            kind, data, public=False, subject="Site down", number="ZY-000001",
            emergency=False, profile=zynstra,
        )  # fmt: skip
        assert {n.role for n in out} == {notify.ASSIGNEE, notify.LEVEL}
        assert {str(n.title.message) for n in out} == {title}
        assert "progress report" in str(out[0].body.message)
