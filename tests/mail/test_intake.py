"""E-mail intake: every message ends in one outcome; threads, tenants, machines and duplicates."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.intake.mail import ingest
from tierdesk.jobs.outbox import deliver
from tierdesk.persistence.models import Attachment, Event, InboundMessage, Notification, Ticket


def mail(
    sender: str = "ned@example.com",
    to: str = "support@democloud.example.com",
    subject: str = "Mailbox full",
    body: str = "The mailbox of our customer ACME is full since this morning.",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_a_registered_partner_opens_a_ticket_in_the_address_queue(desk: Desk) -> None:
    result = ingest(mail(Message_ID="<a1@partner.example.com>"), source="smtp", now=clock.now())
    assert (result.outcome, result.ticket) == ("ticket", "DC-000001")
    ticket = Ticket.objects.get(number="DC-000001")
    assert (ticket.channel, ticket.queue, ticket.requester, ticket.subject) == (
        "email",
        "technical",
        desk.north_user,
        "Mailbox full",
    )
    billing = ingest(
        mail(to="Business <business.ticket@democloud.example.com>", subject="Invoice question"),
        source="smtp",
        now=clock.now(),
    )
    assert Ticket.objects.get(number=billing.ticket).queue == "business"
    stored = InboundMessage.objects.get(message_id="<a1@partner.example.com>")
    assert bytes(stored.raw) == mail(
        Message_ID="<a1@partner.example.com>"
    )  # the raw bytes, as received
    assert (stored.outcome, stored.ticket) == ("ticket", ticket)


def test_the_same_message_twice_changes_nothing(desk: Desk) -> None:
    raw = mail(Message_ID="<twice@partner.example.com>")
    assert ingest(raw, source="smtp", now=clock.now()).outcome == "ticket"
    counts = (Ticket.objects.count(), Event.objects.count(), InboundMessage.objects.count())
    again = ingest(raw, source="imap:INBOX", now=clock.now())
    assert (again.outcome, again.ticket) == ("duplicate", "DC-000001")
    assert (Ticket.objects.count(), Event.objects.count(), InboundMessage.objects.count()) == counts
    no_id = mail(subject="No Message-ID here")
    assert ingest(no_id, source="file", now=clock.now()).outcome == "ticket"
    assert ingest(no_id, source="file", now=clock.now()).outcome == "duplicate"  # by digest


def test_replies_thread_by_headers_then_by_tag(desk: Desk) -> None:
    ticket = desk.open()
    act.add_reply(actor=desk.l1, number=ticket.number, body="Which mailbox?", now=clock.now())
    sent = Notification.objects.filter(
        ticket=ticket, recipient="ned@example.com", kind="reply"
    ).get()
    by_header = ingest(
        mail(subject="Re: whatever", body="The sales@ one.", In_Reply_To=sent.message_id),
        source="smtp",
        now=clock.now(),
    )
    assert (by_header.outcome, by_header.ticket) == ("comment", ticket.number)
    by_tag = ingest(
        mail(subject=f"Re: [{ticket.number}] Mailbox", body="And info@ too."),
        source="smtp",
        now=clock.now(),
    )
    assert (by_tag.outcome, by_tag.ticket) == ("comment", ticket.number)
    bodies = list(
        Event.objects.filter(ticket=ticket, kind="reply").values_list("data__body", flat=True)
    )
    assert "The sales@ one." in bodies and "And info@ too." in bodies


def test_another_partner_quoting_a_ticket_number_never_lands_on_it(desk: Desk) -> None:
    north = desk.open()
    result = ingest(
        mail(
            sender="carl@example.com",
            subject=f"Re: [{north.number}] same problem here",
            body="We see the same problem on our side.",
        ),
        source="smtp",
        now=clock.now(),
    )
    assert result.outcome == "ticket" and result.ticket != north.number
    assert Ticket.objects.get(number=result.ticket).organisation == desk.contoso
    assert Event.objects.filter(ticket=north).count() == 1


def test_quoted_history_is_trimmed_for_display_and_kept_raw(desk: Desk) -> None:
    body = "It works again.\n\nOn Tue, Support wrote:\n> Please check now\n> Regards"
    result = ingest(mail(body=body, subject="Works"), source="smtp", now=clock.now())
    created = Event.objects.get(ticket__number=result.ticket, kind="created")
    assert created.data["description"] == "It works again."
    assert b"> Please check now" in bytes(
        InboundMessage.objects.get(ticket__number=result.ticket).raw
    )


def test_unknown_senders_are_quarantined(desk: Desk) -> None:
    result = ingest(mail(sender="stranger@elsewhere.example.org"), source="smtp", now=clock.now())
    assert (result.outcome, result.ticket) == ("quarantined", None)
    assert "unknown sender" in result.reason
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "auto-submitted"),
        ({"Precedence": "bulk"}, "precedence"),
        ({"X_Autoreply": "yes"}, "x-autoreply"),
    ],
)
def test_auto_replies_never_open_tickets(desk: Desk, headers: dict[str, str], reason: str) -> None:
    result = ingest(mail(subject="Out of office", **headers), source="smtp", now=clock.now())
    assert result.outcome == "ignored" and reason in result.reason
    assert Ticket.objects.count() == 0 and Notification.objects.count() == 0


def test_a_bounce_of_a_notification_is_recorded_on_its_ticket(desk: Desk) -> None:
    ticket = desk.open()
    sent = Notification.objects.filter(ticket=ticket).first()
    assert sent is not None
    bounce = EmailMessage()
    bounce["From"], bounce["To"], bounce["Subject"] = (
        "MAILER-DAEMON@mx.example.com",
        "desk@tierdesk.localhost",
        "Undeliverable",
    )
    bounce.set_content(f"Delivery failed.\n\nOriginal message:\nMessage-ID: {sent.message_id}\n")
    bounce["In-Reply-To"] = sent.message_id
    result = ingest(bounce.as_bytes(), source="smtp", now=clock.now())
    assert result.outcome == "ignored" and result.ticket == ticket.number
    note = Event.objects.filter(ticket=ticket, kind="note").last()
    assert note is not None and sent.recipient in note.data["body"]


def test_a_flood_from_one_sender_is_throttled(desk: Desk, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIERDESK = {**settings.TIERDESK, "MAIL_THROTTLE": (3, 10)}
    outcomes = [
        ingest(
            mail(
                subject=f"Loop {n}", body=f"Loop message number {n} with enough words to be prose."
            ),
            source="smtp",
            now=clock.now(),
        ).outcome
        for n in range(5)
    ]
    assert outcomes[:3] == ["ticket", "ticket", "ticket"] and outcomes[3:] == ["ignored", "ignored"]


def test_html_is_sanitised_and_attachments_stored_safely(desk: Desk) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "ned@example.com",
        "support@democloud.example.com",
        "Screenshot",
    )
    msg.set_content("See the screenshot of the error dialog attached to this message.")
    msg.add_alternative("<p>See <b>the screenshot</b></p><script>alert(1)</script>", subtype="html")
    msg.add_attachment(
        b"\x89PNG fake", maintype="image", subtype="png", filename="../../etc/passwd.png"
    )
    result = ingest(msg.as_bytes(), source="smtp", now=clock.now())
    attachment = Attachment.objects.get(ticket__number=result.ticket)
    assert attachment.original_name == "passwd.png" and attachment.file.read() == b"\x89PNG fake"


def test_notifications_thread_back_to_the_mail(desk: Desk) -> None:
    from django.core import mail as outbox

    result = ingest(mail(Message_ID="<start@partner.example.com>"), source="smtp", now=clock.now())
    act.add_reply(
        actor=desk.l1,
        number=result.ticket,
        body="We are on it.",
        now=clock.now() + timedelta(minutes=5),
    )
    deliver(clock.now() + timedelta(minutes=6))
    to_partner = [m for m in outbox.outbox if m.to == ["ned@example.com"]]
    update = next(m for m in to_partner if "Update" in m.subject)
    assert update.subject.startswith(f"[{result.ticket}]")
    assert "<start@partner.example.com>" in update.extra_headers["References"]
    assert update.extra_headers["In-Reply-To"]
    assert update.reply_to == ["support@democloud.example.com"]
    assert update.extra_headers["Auto-Submitted"] == "auto-generated"
    assert update.alternatives and "We are on it." in update.alternatives[0][0]


def test_the_confirmation_of_a_mailed_ticket_is_an_auto_reply_in_its_thread(desk: Desk) -> None:
    from django.core import mail as outbox

    ingest(mail(Message_ID="<opening@partner.example.com>"), source="smtp", now=clock.now())
    deliver(clock.now())
    received = next(m for m in outbox.outbox if m.to == ["ned@example.com"])
    assert "Ticket received" in received.subject
    assert received.extra_headers["Auto-Submitted"] == "auto-replied"
    assert received.extra_headers["In-Reply-To"] == "<opening@partner.example.com>"


def test_an_unknown_sender_gets_the_registration_notice_where_the_profile_says(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tierdesk.profiles import load

    cloudsoft = load("cloudsoft")  # Step 1: register before using any channel
    monkeypatch.setattr("tierdesk.intake.mail.profiles.active", lambda: cloudsoft)
    result = ingest(
        mail(sender="new.user@customer.example.com", Message_ID="<first@customer.example.com>"),
        source="smtp",
        now=clock.now(),
    )
    assert (result.outcome, result.ticket) == (
        "ignored",
        None,
    ) and "registration notice" in result.reason
    notice = Notification.objects.get(recipient="new.user@customer.example.com")
    assert (
        cloudsoft.registration_url in notice.body
        and notice.in_reply_to == "<first@customer.example.com>"
    )
    assert Ticket.objects.count() == 0
    auto = ingest(
        mail(
            sender="new.user@customer.example.com",
            subject="Out of office",
            Auto_Submitted="auto-replied",
        ),
        source="smtp",
        now=clock.now(),
    )
    assert (
        auto.outcome == "ignored" and Notification.objects.count() == 1
    )  # machine mail is never answered


def test_an_oversized_mail_attachment_is_noted_not_stored(desk: Desk) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "ned@example.com",
        "support@democloud.example.com",
        "Big log",
    )
    msg.set_content("The full server log of the failing night is attached to this message.")
    msg.add_attachment(
        b"x" * (256 * 1024 + 1), maintype="application", subtype="octet-stream", filename="big.log"
    )
    result = ingest(msg.as_bytes(), source="smtp", now=clock.now())
    assert result.outcome == "ticket" and not Attachment.objects.exists()
    note = Event.objects.get(ticket__number=result.ticket, kind="note")
    assert "'big.log'" in note.data["body"] and not note.public and note.actor_id is None


def test_the_subject_carries_the_priority(desk: Desk) -> None:
    """CloudCTI 1.3, Cloudsoft: a mail's subject names its priority by the profile's aliases."""
    result = ingest(mail(subject="P1 - webshop down for all users"), source="smtp", now=clock.now())
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.severity == "high"
    created = Event.objects.get(ticket=ticket, seq=1).data
    assert created["severity_from"] == {"source": "subject", "matched": "P1"}
