"""A redaction replaces an event's content by a tombstone and the chain still verifies; content
changed without a redaction, or a tombstone no redaction recorded, is a broken link."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tierdesk.domain import redaction
from tierdesk.domain.errors import Invalid
from tierdesk.domain.events import GENESIS, TOMBSTONE, EventRecord, event_hash, verify_chain

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SECRET = "my password is hunter2"


def _chain(datas: list[tuple[str, bool, dict[str, Any]]]) -> list[EventRecord]:
    records, prev = [], GENESIS
    for seq, (kind, public, data) in enumerate(datas, start=1):
        fields: dict[str, Any] = dict(
            ticket="LC-000001",
            seq=seq,
            at=T0 + timedelta(minutes=seq),
            actor="7",
            kind=kind,
            public=public,
            data=data,
            prev_hash=prev,
        )
        digest = event_hash(**fields)
        records.append(EventRecord(**fields, hash=digest))
        prev = digest
    return records


def _redacted(part: str = "text") -> list[EventRecord]:
    """Three events, the second's text redacted by the fourth."""
    records = _chain(
        [
            ("created", True, {"subject": "Mail down", "description": "since 9"}),
            ("reply", True, {"body": SECRET, "by": "requester"}),
            ("note", False, {"body": "checking"}),
        ]
    )
    decided = redaction.redact(
        seq=2, kind="reply", public=True, data=records[1].data, part=part, reason="a password"
    )
    data, change = redaction.seal(decided, redaction_seq=4)
    records[1] = dataclasses.replace(records[1], data=data)
    fields: dict[str, Any] = dict(
        ticket="LC-000001",
        seq=4,
        at=T0 + timedelta(minutes=4),
        actor="1",
        kind=change.kind.value,
        public=change.public,
        data=dict(change.data),
        prev_hash=records[-1].hash,
    )
    record = EventRecord(**fields, hash=event_hash(**fields))
    return [*records, record]


def test_a_redacted_event_keeps_the_chain_verifiable() -> None:
    records = _redacted()
    assert records[1].data == {"body": "", "by": "requester", TOMBSTONE: [4]}
    assert SECRET not in repr(records)
    assert verify_chain("LC-000001", records, head=records[-1].hash) is None


def test_content_changed_without_a_redaction_is_caught() -> None:
    records = _redacted()
    records[2] = dataclasses.replace(records[2], data={"body": "changed"})
    broken = verify_chain("LC-000001", records)
    assert broken is not None and broken.seq == 3 and "altered" in broken.reason


def test_a_forged_tombstone_is_caught() -> None:
    records = _redacted()
    records[2] = dataclasses.replace(records[2], data={"body": "", TOMBSTONE: [4]})
    broken = verify_chain("LC-000001", records)
    assert broken is not None and broken.seq == 3 and "tombstone" in broken.reason


def test_a_tombstone_without_its_redaction_event_is_caught() -> None:
    records = _redacted()
    broken = verify_chain("LC-000001", records[:3])
    assert broken is not None and broken.seq == 2 and "forged" in broken.reason


def test_a_tombstone_changed_after_the_redaction_is_caught() -> None:
    records = _redacted()
    records[1] = dataclasses.replace(
        records[1], data={"body": "someone else's words", "by": "requester", TOMBSTONE: [4]}
    )
    broken = verify_chain("LC-000001", records)
    assert broken is not None and broken.seq == 2 and "redaction left" in broken.reason


def test_a_redaction_whose_digests_were_changed_is_caught() -> None:
    records = _redacted()
    data = dict(records[3].data) | {"before": "0" * 64}
    records[3] = dataclasses.replace(records[3], data=data)
    broken = verify_chain("LC-000001", records)
    assert broken is not None and broken.seq == 2


def test_a_redaction_needs_a_reason_and_something_to_remove() -> None:
    with pytest.raises(Invalid) as refused:
        redaction.redact(
            seq=2, kind="reply", public=True, data={"body": "x"}, part="text", reason=" "
        )
    assert "reason" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        redaction.redact(
            seq=2, kind="reply", public=True, data={"body": "x"}, part="attachment", reason="r"
        )
    assert "part" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        redaction.redact(
            seq=2, kind="reply", public=True, data={"body": ""}, part="text", reason="r"
        )
    assert "event" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        redaction.redact(
            seq=5, kind="redacted", public=True, data={"reason": "r"}, part="text", reason="r"
        )
    assert "event" in refused.value.fields


def test_an_opening_keeps_its_desk_fields_and_loses_its_text() -> None:
    data = {
        "subject": "Carl Meyer's mailbox",
        "description": "his PIN is 1234",
        "form": {"contact": "carl@example.com"},
        "severity": "high",
        "status": "new",
    }
    decided = redaction.redact(
        seq=1, kind="created", public=True, data=data, part="text", reason="personal data"
    )
    assert decided.data["subject"] == redaction.REMOVED_SUBJECT
    assert decided.data["description"] == "" and decided.data["form"] == {"contact": ""}
    assert decided.data["severity"] == "high" and decided.data["status"] == "new"
    assert set(decided.removed) == {"Carl Meyer's mailbox", "his PIN is 1234", "carl@example.com"}


def test_what_may_still_be_removed() -> None:
    assert redaction.parts("reply", {"body": "x"}) == ("text",)
    assert redaction.parts("reply", {"body": "", TOMBSTONE: [3]}) == ()
    assert redaction.parts("attachment_added", {"name": "a.txt"}) == ("attachment",)
    assert redaction.parts("attachment_added", {"name": "", TOMBSTONE: [3]}) == ()
    assert redaction.parts("status_changed", {"from": "new", "to": "open"}) == ()
    assert redaction.parts("redacted", {"reason": "r"}) == ()
    with pytest.raises(Invalid) as refused:
        redaction.redact(
            seq=2, kind="attachment_added", public=True, data={"name": "a"}, part="text",
            reason="r",
        )  # fmt: skip
    assert "part" in refused.value.fields


def test_a_suppliers_mail_and_a_contact_attempt_can_lose_their_text() -> None:
    """A supplier's answer may quote what it was handed, and a contact attempt's note may name a
    person: both kinds carry typed text, and both can be removed."""
    mail = {
        "supplier": "odin",
        "from": "desk@odin.example",
        "subject": "Re: PIN 4711",
        "body": "PIN 4711",
    }
    assert redaction.parts("supplier_mail", mail) == ("text",)
    done = redaction.redact(
        seq=5, kind="supplier_mail", public=False, data=mail, part="text", reason="PIN"
    )
    assert "PIN 4711" not in str(done.data) and done.data["supplier"] == "odin"
    attempt = {"step": 3, "role": "Head of Support", "attempt": 1, "note": "called Carl Meyer"}
    assert redaction.parts("contact_attempted", attempt) == ("text",)
    done = redaction.redact(
        seq=6, kind="contact_attempted", public=True, data=attempt, part="text", reason="name"
    )
    assert "Carl Meyer" not in str(done.data) and done.data["attempt"] == 1
