"""The IMAP poller against a real Dovecot (.ci/dovecot.sh starts one and CI sets
TIERDESK_TEST_IMAP_URL; configured but unreachable is a failure, not a skip)."""

from __future__ import annotations

import imaplib
import os
import time
from email.message import EmailMessage

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.intake.mail import ingest
from tierdesk.mail.sources.imap import Mailbox, poll
from tierdesk.persistence.models import InboundMessage, Ticket

URL = os.environ.get("TIERDESK_TEST_IMAP_URL")
pytestmark = pytest.mark.skipif(
    not URL, reason="set TIERDESK_TEST_IMAP_URL (see .ci/dovecot.sh) for a real IMAP server"
)


def connect(box: Mailbox) -> imaplib.IMAP4:
    client = imaplib.IMAP4(box.host, box.port)
    client.login(box.user, box.password)
    return client


def empty(box: Mailbox) -> None:
    client = connect(box)
    for folder in ("INBOX", "Processed"):
        client.select(folder)
        client.store("1:*", "+FLAGS", "(\\Deleted)") if client.search(None, "ALL")[1][0] else None
        client.expunge()
    client.logout()


def deliver(box: Mailbox, subject: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "ned@example.com",
        "support@democloud.example.com",
        subject,
    )
    msg["Message-ID"] = message_id
    msg.set_content("The control panel is unreachable for all of our customers since 09:00.")
    raw = msg.as_bytes()
    client = connect(box)
    client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    client.logout()
    return raw


def flags(box: Mailbox, folder: str) -> list[bytes]:
    client = connect(box)
    client.select(folder)
    _, data = client.fetch("1:*", "(FLAGS)") if client.search(None, "ALL")[1][0] else ("OK", [])
    client.logout()
    return [d for d in data if d]


def test_poll_opens_tickets_and_marks_them_seen_after_commit(desk: Desk) -> None:
    box = Mailbox.from_url(str(URL))
    empty(box)
    deliver(box, "Panel unreachable", "<imap-1@partner.example.com>")
    deliver(box, "Second problem: invoices missing", "<imap-2@partner.example.com>")
    results = poll(box, now=clock.now())
    assert [r.outcome for r in results] == ["ticket", "ticket"]
    assert Ticket.objects.filter(channel="email").count() == 2
    assert all(b"\\Seen" in f for f in flags(box, "INBOX")) and len(flags(box, "INBOX")) == 2
    assert poll(box, now=clock.now()) == []  # nothing unseen: nothing fetched again


def test_a_message_committed_but_not_yet_marked_is_a_harmless_duplicate(desk: Desk) -> None:
    box = Mailbox.from_url(str(URL))
    empty(box)
    raw = deliver(box, "Crash between commit and flag", "<imap-3@partner.example.com>")
    ingest(raw, source="imap:INBOX", now=clock.now())  # as if the poller died before flagging it
    results = poll(box, now=clock.now())
    assert [r.outcome for r in results] == ["duplicate"]
    assert InboundMessage.objects.count() == 1 and Ticket.objects.count() == 1


def test_move_mode_files_processed_mail_away(desk: Desk) -> None:
    box = Mailbox.from_url(f"{URL}?move=Processed")
    empty(box)
    deliver(box, "Please move me", "<imap-4@partner.example.com>")
    assert [r.outcome for r in poll(box, now=clock.now())] == ["ticket"]
    assert flags(box, "INBOX") == [] and len(flags(box, "Processed")) == 1
