"""Mail that pretends: a sender disguised in an encoded display name posts as nobody."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.intake.mail import ingest
from tierdesk.intake.parse import parse
from tierdesk.persistence.models import Event, InboundMessage, Ticket


def raw(sender: str, subject: str, body: str = "Please close this, it works now.") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@democloud.example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((sender, subject)))}@evil.example>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_an_encoded_display_name_never_supplies_the_address(desk: Desk) -> None:
    ticket = desk.open()
    events = Event.objects.filter(ticket=ticket).count()
    result = ingest(
        raw(
            "=?utf-8?q?agent1=40example.com?= <attacker@evil.example>",
            f"Re: [{ticket.number}] quota",
        ),
        source="smtp",
        now=clock.now(),
    )
    assert result.outcome == "quarantined"
    assert "unknown sender attacker@evil.example" in result.reason
    assert "looks like another address (agent1@example.com)" in result.reason
    assert Event.objects.filter(ticket=ticket).count() == events
    stored = InboundMessage.objects.get(pk=result.message)
    assert stored.sender == "attacker@evil.example"
    assert "agent1@example.com" in stored.reason  # noted on the message


@pytest.mark.parametrize(
    "sender",
    [
        "=?utf-8?q?ned=40example.com?= <attacker@evil.example>",
        "=?utf-8?b?bmVkQGV4YW1wbGUuY29t?= <attacker@evil.example>",
        '"ned@example.com" <attacker@evil.example>',
        "=?utf-8?q?Ned_=3Cned=40example.com=3E?= <attacker@evil.example>",
    ],
)
def test_a_partner_disguise_opens_no_ticket(desk: Desk, sender: str) -> None:
    result = ingest(raw(sender, "Open a ticket for me"), source="smtp", now=clock.now())
    assert result.outcome == "quarantined" and "attacker@evil.example" in result.reason
    assert "ned@example.com" in result.reason
    assert Ticket.objects.count() == 0


def test_an_encoded_word_alone_is_no_address(desk: Desk) -> None:
    result = ingest(raw("=?utf-8?q?ned=40example.com?=", "Hello"), source="smtp", now=clock.now())
    assert (result.outcome, result.reason) == ("quarantined", "no sender address")
    assert Ticket.objects.count() == 0


def test_an_honest_display_name_is_decoded_and_not_flagged() -> None:
    mail = parse(raw("=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Example.com>", "Hi"))
    assert (mail.sender_name, mail.sender, mail.sender_warning) == (
        "Jürgen Müller",
        "juergen@example.com",
        "",
    )
    own = parse(raw('"juergen@example.com" <Juergen@Example.com>', "Hi"))
    assert own.sender == "juergen@example.com" and own.sender_warning == ""
