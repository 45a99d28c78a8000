"""Issue 18: the hand-off that reaches the supplier's own desk by e-mail, through a real SMTP
sink, and its answers back through the real intake (the SMTP listener)."""

from __future__ import annotations

import io
import smtplib
from datetime import timedelta
from email.message import EmailMessage, Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from tests.conftest import ApiClient, Desk
from tests.mail.test_smtp import Sink, free_port
from tierdesk import clock
from tierdesk.actions import supplier_answers
from tierdesk.actions import tickets as act
from tierdesk.actions.suppliers import set_terms
from tierdesk.intake.mail import ingest
from tierdesk.jobs.outbox import deliver
from tierdesk.jobs.sweep import sweep
from tierdesk.mail.sources.smtp import controller
from tierdesk.persistence.models import Event, InboundMessage, Notification, Ticket

TERMS = {
    "method": "email",
    "contact": "support@vendor.example",
    "contacts": ["duty.manager@vendor.example"],
    "severity_scale": ["S1", "S2", "S3", "S4"],
    "severity_map": {"high": "S1", "normal": "S2", "low": "S3"},
    "response_target": "2h",
    "ola_target": "1 business day",
    "time_zone": "America/New_York",
    "hours": "mon-fri 08:00-18:00",
    "holiday_country": "US",
    "reference_pattern": r"\[VND-(\d+)\]",
    "solved_phrases": ["Status: Solved"],
    "escalation_contacts": ["escalations@vendor.example"],
}
SMTP = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_USE_TLS": False,
    "EMAIL_USE_SSL": False,
    "EMAIL_TIMEOUT": 5,
}


def register(desk: Desk, **changes: Any) -> None:
    set_terms(
        actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes={**TERMS, **changes}
    )


def hand_off(desk: Desk, **kw: Any) -> Ticket:
    ticket = desk.open()
    shot = act.attach_file(
        actor=desk.l1, number=ticket.number, content=io.BytesIO(b"trace: 502 at /panel\n"),
        name="trace.log", size=21, content_type="text/plain", now=clock.now(),
    )  # fmt: skip
    act.change_status(
        actor=desk.l1, number=ticket.number, to="on_hold", supplier=desk.supplier,
        note="The panel answers 502 for every customer since your update 4.2.", now=clock.now(),
        attachments=[shot.pk], **kw,
    )  # fmt: skip
    return Ticket.objects.get(pk=ticket.pk)


def sent_through_sink(at: Any) -> list[Message]:
    port = free_port()
    sink = Sink()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with override_settings(**SMTP, EMAIL_PORT=port):
            deliver(at)
    finally:
        server.stop()
    return sink.received


def send_to_intake(msg: EmailMessage) -> None:
    """Through the desk's own SMTP listener: the real intake."""
    port = free_port()
    listener = controller(host="127.0.0.1", port=port, lmtp=False)
    listener.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.send_message(msg, to_addrs=["suppliers@democloud.example.com"])
    finally:
        listener.stop()


def supplier_mail(subject: str, body: str, sender: str = "support@vendor.example",
                  **headers: str) -> EmailMessage:  # fmt: skip
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "suppliers@democloud.example.com", subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def text_of(msg: Message) -> str:
    return "\n".join(
        str(p.get_payload(decode=True).decode())
        for p in msg.walk()
        if p.get_content_type() == "text/plain" and not p.get_filename()
    )


@pytest.mark.django_db(transaction=True)
def test_the_hand_off_reaches_the_suppliers_desk_and_its_answers_come_back(desk: Desk) -> None:
    register(desk)
    ticket = hand_off(desk, extra_fields=["user_details"])
    [mail] = [m for m in sent_through_sink(clock.now()) if m["To"] == "support@vendor.example"]
    row = Notification.objects.get(kind="supplier_handoff")
    # The right fields, in the supplier's terms, from the supplier-facing address, tagged.
    assert mail["From"] == "suppliers@democloud.example.com"
    assert mail["Message-ID"] == row.message_id
    assert str(mail["Subject"]) == f"[{ticket.number}] Mailbox quota not applied"
    body = text_of(mail)
    assert "The panel answers 502" in body and f"Our reference: {ticket.number}" in body
    assert "Severity: S2 (Normal)" in body  # the desk's severity in the supplier's scale
    assert "HTTP 502" in body and "Open the panel" in body  # the profile's shared fields
    assert "admin@acme.example.com" in body  # added by the agent
    # Nothing private: not the partner, the requester, the account or the unshared fields.
    for private in ("Northwind", "ned@example.com", "ACME-1", "SUB-1", "Acme"):
        assert private not in body and private not in str(mail["Subject"])
    files = [p.get_filename() for p in mail.walk() if p.get_filename()]
    assert files == ["trace.log"]

    # Their automatic acknowledgement sets their reference and is recorded as automatic.
    send_to_intake(
        supplier_mail(
            f"[VND-4711] Case opened: [{ticket.number}] Mailbox quota not applied",
            "Thank you, your case 4711 was opened.",
            Auto_Submitted="auto-replied",
            In_Reply_To=row.message_id,
            Message_ID="<ack-4711@vendor.example>",
        )
    )
    ack = Event.objects.get(ticket=ticket, kind="supplier_mail")
    assert ack.data["supplier_ref"] == "4711" and ack.data["machine"].startswith("auto-submitted")
    assert not ack.public
    assert InboundMessage.objects.get(message_id="<ack-4711@vendor.example>").outcome == "ignored"

    # A reply with neither our tag nor our Message-ID threads by their reference.
    send_to_intake(
        supplier_mail(
            "[VND-4711] Update",
            "We found the fault in 4.2 and are preparing a fix.",
            sender="engineer@vendor.example",
            Message_ID="<upd-4711@vendor.example>",
        )
    )
    update = Event.objects.filter(ticket=ticket, kind="supplier_mail").order_by("-seq").first()
    assert update is not None and update.data["machine"] == "" and "supplier_ref" not in update.data
    told = Notification.objects.get(event=update)
    assert told.recipient == desk.l1.email  # the agent who handed it over
    assert InboundMessage.objects.get(message_id="<upd-4711@vendor.example>").outcome == "comment"

    # The partner's page and API show none of it.
    api = ApiClient(desk.north_user).get(f"/tickets/{ticket.number}")
    assert api.status_code == 200
    page = Client()
    page.force_login(desk.north_user)
    html = page.get(f"/tickets/{ticket.number}/").content.decode()
    partner_mail = " ".join(
        n.body + n.subject for n in Notification.objects.filter(recipient=desk.north_user.email)
    )
    for seen in (api.content.decode(), html, partner_mail):
        for secret in ("4711", "vendor.example", "Vendor", "found the fault", "S3"):
            assert secret not in seen

    # Their "solved" status returns the ticket to the status and level that handed it over.
    send_to_intake(
        supplier_mail(
            "[VND-4711] Status: Solved",
            "Fixed in 4.2.1, deployed to your platform.",
            In_Reply_To="<upd-4711@vendor.example>",
        )
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level) == ("open", "l1")
    back = Event.objects.filter(ticket=ticket).order_by("-seq").first()
    assert back is not None and back.kind == "status_changed" and not back.public
    assert back.data["returned_by"] == desk.supplier.slug


@pytest.mark.django_db(transaction=True)
def test_a_chase_is_sent_at_the_ola_warning_once(desk: Desk, fixed_clock: Any) -> None:
    register(desk, ola_target="4h", hours="24x7", time_zone="UTC", holiday_country="")
    ticket = hand_off(desk)
    handoff_id = Notification.objects.get(kind="supplier_handoff").message_id
    fixed_clock.advance(timedelta(hours=3, minutes=1))  # 75 % of 4 hours
    sweep(clock.now())
    sweep(clock.now())
    chased = Event.objects.filter(ticket=ticket, kind="supplier_chased")
    assert chased.count() == 1 and not chased.get().public
    received = sent_through_sink(clock.now())
    [chase] = [m for m in received if str(m["Subject"]).startswith("Reminder")]
    assert chase["To"] == "support@vendor.example" and chase["In-Reply-To"] == handoff_id
    assert "13:00" in text_of(chase)  # the OLA's due instant, 4 hours after 09:00 UTC


@pytest.mark.django_db
def test_a_supplier_asked_on_its_portal_is_chased_by_the_agent(
    desk: Desk, fixed_clock: Any
) -> None:
    register(desk, method="portal", contact="https://support.vendor.example/cases",
             ola_target="4h", hours="24x7", time_zone="UTC")  # fmt: skip
    ticket = desk.open()
    act.change_status(actor=desk.l1, number=ticket.number, to="on_hold", supplier=desk.supplier,
                      note="Raised on the portal as 99.", now=clock.now())  # fmt: skip
    assert not Notification.objects.filter(kind="supplier_handoff").exists()
    fixed_clock.advance(timedelta(hours=3, minutes=5))
    sweep(clock.now())
    chased = Event.objects.get(ticket=ticket, kind="supplier_chased")
    told = Notification.objects.get(event=chased)
    assert told.recipient == desk.l1.email and "support.vendor.example" in told.body


@pytest.mark.django_db
def test_a_bounce_of_the_hand_off_is_recorded_as_such(desk: Desk) -> None:
    register(desk)
    ticket = hand_off(desk)
    ours = Notification.objects.get(kind="supplier_handoff").message_id
    raw = (
        "From: MAILER-DAEMON@mx.vendor.example\r\n"
        "To: suppliers@democloud.example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.vendor.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsupport@vendor.example: mailbox unavailable\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Final-Recipient: rfc822; support@vendor.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ours}\r\n"
        "--b--\r\n"
    ).encode()
    result = ingest(raw, source="smtp", now=clock.now())
    assert result.outcome == "ignored" and result.ticket == ticket.number
    recorded = Event.objects.get(ticket=ticket, kind="supplier_mail")
    assert recorded.data["machine"] and not recorded.data.get("solved")
    ticket.refresh_from_db()
    assert ticket.status == "on_hold"  # a bounce is not an answer


@pytest.mark.django_db
def test_the_agents_word_returns_the_ticket(desk: Desk) -> None:
    register(desk)
    ticket = hand_off(desk)
    supplier_answers.solved(
        actor=desk.l1, number=ticket.number, note="Vendor fixed it in 4.2.1.", now=clock.now()
    )
    ticket.refresh_from_db()
    assert ticket.status == "open"
    kinds = list(Event.objects.filter(ticket=ticket).order_by("seq").values_list("kind", "public"))
    assert kinds[-2:] == [("note", False), ("status_changed", False)]


@pytest.mark.django_db
def test_a_mail_from_the_supplier_for_no_ticket_is_quarantined(desk: Desk) -> None:
    register(desk)
    raw = supplier_mail("[VND-1] Hello", "Who are you?").as_bytes()
    assert ingest(raw, source="smtp", now=clock.now()).outcome == "quarantined"


@pytest.mark.django_db
def test_the_report_counts_each_suppliers_hand_offs_in_its_business_time(
    desk: Desk, fixed_clock: Any
) -> None:
    """Handed over Tuesday 09:00 UTC (04:00 in New York): the supplier's day starts 08:00 there
    (12:00 UTC). It answers at 13:00 UTC (one business hour) and solves it at 15:00 UTC (three);
    a response target of 2 hours and an OLA of 1 business day are met. On another supplier's
    terms (a 24x7 desk promising 2 hours) the same hand-off breaches."""
    from datetime import date

    from tierdesk.actions.organisations import create_organisation
    from tierdesk.domain.parties import OrganisationKind
    from tierdesk.profiles import active
    from tierdesk.queries import supplier_reports
    from tierdesk.queries.reports import Period, full_report

    register(desk)
    other = create_organisation(name="Fast Vendor", kind=OrganisationKind.SUPPLIER, now=clock.now())
    set_terms(actor=desk.admin, supplier=other, now=clock.now(),
              changes={"method": "phone", "contact": "+1 212 555 0100", "ola_target": "2h",
                       "response_target": "30m", "time_zone": "UTC", "hours": "24x7"})  # fmt: skip
    ticket = hand_off(desk)
    terms = supplier_answers.supplier_of("support@vendor.example")
    assert terms is not None
    fixed_clock.advance(timedelta(hours=4))
    supplier_answers.receive(ticket, terms, sender="support@vendor.example", subject="[VND-7] ok",
                             body="Looking at it.", machine="", now=clock.now())  # fmt: skip
    fixed_clock.advance(timedelta(hours=2))
    supplier_answers.receive(ticket, terms, sender="support@vendor.example", subject="[VND-7]",
                             body="Status: Solved", machine="", now=clock.now())  # fmt: skip
    period = Period.of_days(date(2026, 3, 1), date(2026, 3, 31))
    [row] = supplier_reports.suppliers(desk.manager, period, active(), clock.now())
    assert row["supplier"] == "Vendor" and row["handoffs"] == 1 and row["returned"] == 1
    assert (row["mean_response_hours"], row["mean_resolution_hours"]) == (1.0, 3.0)
    assert (row["response_met"], row["ola_met"], row["ola_breached"]) == (1, 1, 0)
    assert full_report(desk.north_admin, period, active(), clock.now()).sections["suppliers"] == []
    mine, theirs = supplier_reports.what_if(
        desk.manager, period, active(), clock.now(), supplier=desk.supplier.slug, as_if=other.slug
    )
    assert (mine["ola_met"], theirs["ola_met"], theirs["ola_breached"]) == (1, 0, 1)
    assert theirs["mean_resolution_hours"] == 6.0  # around the clock
