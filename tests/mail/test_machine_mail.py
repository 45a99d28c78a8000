"""Machine mail from senders the desk does not know is ignored with its reason, never answered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import InboundMessage, Notification, Ticket

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "mail"


def corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (a user's checkout); CI always has it")
    return path.read_bytes()


@pytest.fixture
def noticing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile that answers unknown senders with a registration notice (a loop risk)."""
    from tierdesk.profiles import load

    cloudsoft = load("cloudsoft")
    monkeypatch.setattr("tierdesk.intake.mail.profiles.active", lambda: cloudsoft)


AUTO_REPLIES = [
    # RFC 3834 section 3.1.5: "Auto:" before the subject; no Auto-Submitted header kept by a relay
    b"From: Pat <pat@customer.example.org>\r\nTo: support@democloud.example.com\r\n"
    b"Subject: Auto: Mailbox full\r\nMessage-ID: <a1@customer.example.org>\r\n\r\n"
    b"I am away until Monday.\r\n",
    b"From: pat@customer.example.org\r\nTo: support@democloud.example.com\r\n"
    b"Subject: Out of Office: Your ticket\r\nMessage-ID: <a2@customer.example.org>\r\n\r\n"
    b"Back on the 3rd.\r\n",
    b"From: pat@customer.example.org\r\nTo: support@democloud.example.com\r\n"
    b"X-Auto-Response-Suppress: All\r\nSubject: Abwesenheitsnotiz\r\n"
    b"Message-ID: <a3@customer.example.org>\r\n\r\nIch bin nicht im Haus.\r\n",
]


@pytest.mark.parametrize("raw", AUTO_REPLIES)
def test_an_auto_reply_from_an_unknown_sender_is_ignored_not_answered(
    desk: Desk, noticing: None, raw: bytes
) -> None:
    result = ingest(raw, source="smtp", now=clock.now())
    assert result.outcome == "ignored" and "automatic reply" in result.reason
    assert "unknown sender" in result.reason
    assert Notification.objects.count() == 0 and Ticket.objects.count() == 0


def test_arf_feedback_reports_are_ignored_in_any_wrapping(desk: Desk) -> None:
    for name in ("flanker/complaints__yahoo.eml", "flanker/complaints__aol.eml"):
        raw = corpus(name)
        assert ingest(raw, source="file", now=clock.now()).outcome == "ignored"
        # Without a From header, and re-wrapped as multipart/mixed, it is still a report.
        stripped = re.sub(rb"(?im)^from:.*\r?\n", b"", raw, count=1)
        stripped = re.sub(
            rb"(?im)^message-id:.*$",
            b"Message-ID: <stripped-" + name.encode() + b">",
            stripped,
            count=1,
        )
        stripped = stripped.replace(b"multipart/report", b"multipart/mixed", 1)
        stripped = re.sub(rb'report-type="?feedback-report"?;?', b"", stripped, count=1)
        result = ingest(stripped, source="file", now=clock.now())
        assert result.outcome == "ignored", name
        assert result.reason in (
            "feedback report (ARF) from an unknown sender",
            "precedence: list",  # AOL's also says it is list mail
        ), name
    assert not InboundMessage.objects.filter(outcome="quarantined").exists()


def test_a_known_sender_whose_subject_starts_with_auto_still_opens_a_ticket(desk: Desk) -> None:
    raw = (
        b"From: ned@example.com\r\nTo: support@democloud.example.com\r\n"
        b"Subject: Auto: scaling does not start\r\nMessage-ID: <n1@example.com>\r\n\r\nHelp.\r\n"
    )
    assert ingest(raw, source="smtp", now=clock.now()).outcome == "ticket"
