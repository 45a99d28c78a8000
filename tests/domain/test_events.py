"""The hash chain catches any change, removal or reordering of a ticket's events."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.domain.events import (
    GENESIS,
    EventRecord,
    canonical,
    content_digest,
    event_hash,
    verify_chain,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def chain(n: int) -> list[EventRecord]:
    records, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = dict(
            ticket="LC-000001",
            seq=seq,
            at=T0 + timedelta(minutes=seq),
            actor="7",
            kind="reply",
            public=True,
            data={"body": f"message {seq}", "n": seq},
            prev_hash=prev,
        )
        digest = event_hash(**fields)
        records.append(EventRecord(**fields, hash=digest))
        prev = digest
    return records


def test_intact_chain_verifies() -> None:
    records = chain(5)
    assert verify_chain("LC-000001", records, head=records[-1].hash) is None


def test_altered_data_is_caught_at_that_event() -> None:
    records = chain(5)
    records[2] = dataclasses.replace(records[2], data={"body": "rewritten", "n": 3})
    broken = verify_chain("LC-000001", records)
    assert broken is not None and broken.seq == 3 and "altered" in broken.reason


def test_altered_instant_or_visibility_is_caught() -> None:
    for change in ({"at": T0}, {"public": False}, {"actor": "8"}, {"kind": "note"}):
        records = chain(3)
        records[1] = dataclasses.replace(records[1], **change)  # type: ignore[arg-type]
        broken = verify_chain("LC-000001", records)
        assert broken is not None and broken.seq == 2, change


def test_removed_event_is_caught() -> None:
    records = chain(4)
    del records[1]
    broken = verify_chain("LC-000001", records)
    assert broken is not None and broken.seq == 3


def test_truncated_tail_is_caught_by_the_head() -> None:
    records = chain(4)
    assert verify_chain("LC-000001", records[:3]) is None
    broken = verify_chain("LC-000001", records[:3], head=records[-1].hash)
    assert broken is not None and "removed" in broken.reason


def test_rehashed_forgery_still_breaks_the_next_link() -> None:
    records = chain(3)
    forged = dataclasses.replace(records[0], data={"body": "forged", "n": 1})
    forged = dataclasses.replace(
        forged,
        hash=event_hash(
            ticket=forged.ticket,
            seq=1,
            at=forged.at,
            actor=forged.actor,
            kind=forged.kind,
            public=forged.public,
            data=forged.data,
            prev_hash=GENESIS,
        ),
    )
    broken = verify_chain("LC-000001", [forged, *records[1:]])
    assert broken is not None and broken.seq == 2


def test_canonical_form_is_stable_across_key_order_and_time_zones() -> None:
    from zoneinfo import ZoneInfo

    a = canonical(
        ticket="X-1",
        seq=1,
        at=T0,
        actor=None,
        kind="created",
        public=True,
        data={"b": 1, "a": "é"},
        prev_hash=GENESIS,
    )
    b = canonical(
        ticket="X-1",
        seq=1,
        at=T0.astimezone(ZoneInfo("Europe/Luxembourg")),
        actor=None,
        kind="created",
        public=True,
        data={"a": "é", "b": 1},
        prev_hash=GENESIS,
    )
    assert a == b
    # The content enters the chain as its digest, so a redaction can keep it.
    assert content_digest({"a": "é", "b": 1}).encode() in a
    assert "é".encode() not in a


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical(
            ticket="X-1",
            seq=1,
            at=datetime(2026, 1, 1),
            actor=None,
            kind="created",
            public=True,
            data={},
            prev_hash=GENESIS,
        )
