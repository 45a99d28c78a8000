"""Real SMTP conversations: smtplib to the aiosmtpd intake listener (SMTP and LMTP), and the
outbox delivering to a real SMTP sink, including a server that is down."""

from __future__ import annotations

import smtplib
import socket
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.jobs.outbox import deliver
from tierdesk.mail.sources.smtp import controller
from tierdesk.persistence.models import InboundMessage, Notification, Ticket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "Ned <ned@example.com>",
        "support@democloud.example.com",
        subject,
    )
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@partner.example.com>"
    msg.set_content("The control panel shows an error for every customer since the update.")
    return msg


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lmtp", [False, True])
def test_delivery_over_smtp_and_lmtp_opens_a_ticket(desk: Desk, lmtp: bool) -> None:
    port = free_port()
    listener = controller(host="127.0.0.1", port=port, lmtp=lmtp)
    listener.start()
    try:
        client = (
            smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port, timeout=30)
        )
        with client:
            refused = client.send_message(
                message("Panel error via " + ("lmtp" if lmtp else "smtp")),
                from_addr="ned@example.com",
                to_addrs=["support@democloud.example.com"],
            )
            assert refused == {}
    finally:
        listener.stop()
    stored = InboundMessage.objects.get()
    assert (stored.source, stored.outcome, stored.envelope_to) == (
        "smtp",
        "ticket",
        ["support@democloud.example.com"],
    )
    assert Ticket.objects.get(pk=stored.ticket_id).channel == "email"


class Sink:
    """A real SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@pytest.mark.django_db(transaction=True)
def test_the_outbox_delivers_to_smtp_and_survives_a_server_that_is_down(desk: Desk) -> None:
    ticket = desk.open()
    act.add_reply(actor=desk.l1, number=ticket.number, body="Fixed, please check.", now=clock.now())
    port = free_port()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
    }
    with override_settings(**smtp):
        down = deliver(clock.now())  # nothing listens on the port yet
        assert down.sent == 0 and down.failed >= 1
        assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
        sink = Sink()
        server = Controller(sink, hostname="127.0.0.1", port=port)
        server.start()
        try:
            result = deliver(clock.now() + timedelta(minutes=5))
        finally:
            server.stop()
    total = Notification.objects.count()
    assert result.sent == total and len(sink.received) == total
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    update = next(m for m in sink.received if "Update" in str(m["Subject"]))
    assert str(update["Subject"]).startswith(f"[{ticket.number}]")
    assert update["Message-ID"] == Notification.objects.get(kind="reply").message_id
    assert (
        update["Auto-Submitted"] == "auto-generated"
        and update["Reply-To"] == "support@democloud.example.com"
    )
    assert update.is_multipart() and {p.get_content_type() for p in update.walk()} >= {
        "text/plain",
        "text/html",
    }
