"""Every real e-mail in the shared corpus goes through intake: no exception escapes, each ends in
exactly one outcome, and running the corpus twice adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions.people import create_user
from tierdesk.domain.parties import Role
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import Event, InboundMessage, Ticket

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "mail"
OUTCOMES = {"ticket", "comment", "ignored", "quarantined"}


def messages() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent (a user's checkout); CI always has it")
    skip = ("LICENSE", "COPYING", "NOTICE", "README", "SOURCES.md")
    return sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and not any(s in p.name for s in skip)
    )


def test_the_whole_corpus_twice(desk: Desk) -> None:
    files = messages()
    assert len(files) > 200
    # Some corpus senders are registered partners, so replies and tickets happen too.
    import email

    for n, path in enumerate(files[:40]):
        sender = email.utils.parseaddr(
            str(email.message_from_bytes(path.read_bytes()).get("From") or "")
        )[1]
        if sender and "@" in sender and n % 3 == 0:
            create_user(
                username=f"corpus{n}",
                email=sender,
                organisation=desk.north,
                role=Role.PARTNER_USER,
                now=clock.now(),
            )
    first = {}
    for path in files:
        result = ingest(path.read_bytes(), source="file", now=clock.now())
        assert result.outcome in OUTCOMES | {"duplicate"}, (path, result)
        first[path] = result
    assert not InboundMessage.objects.filter(outcome="pending").exists()
    unique = sum(1 for r in first.values() if r.outcome != "duplicate")
    assert InboundMessage.objects.count() == unique
    assert (
        Ticket.objects.count() >= 1
        and InboundMessage.objects.filter(outcome="ignored").count() >= 10
    )
    counts = (InboundMessage.objects.count(), Ticket.objects.count(), Event.objects.count())
    for path in files:
        assert ingest(path.read_bytes(), source="file", now=clock.now()).outcome == "duplicate", (
            path
        )
    assert (InboundMessage.objects.count(), Ticket.objects.count(), Event.objects.count()) == counts
