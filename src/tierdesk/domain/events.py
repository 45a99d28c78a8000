"""The ticket record: event kinds, their canonical form and the hash chain that makes it indelible.

Each event's hash is SHA-256 over a canonical serialisation of the event and the previous
event's hash, so changing, removing or reordering any stored event breaks every later link. The
event's content (its data) enters the chain as a digest, `content_digest(data)`: a redaction may
replace the content by a tombstone, and the redaction event, chained after it, records the digest
of the content before and after. The chain still verifies, and a tombstone no redaction recorded,
or content changed without one, is a broken link.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64


class EventKind(StrEnum):
    CREATED = "created"
    REPLY = "reply"
    NOTE = "note"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    ASSIGNED = "assigned"
    LEVEL_CHANGED = "level_changed"
    LINKED = "linked"
    ATTACHMENT_ADDED = "attachment_added"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    REJECTED = "rejected"
    FOLLOW_UP_OPENED = "follow_up_opened"
    MANAGEMENT_ESCALATED = "management_escalated"
    CONTACT_ATTEMPTED = "contact_attempted"
    DUPLICATE_SUSPECTED = "duplicate_suspected"
    INCIDENT_LINKED = "incident_linked"
    INCIDENT_RESOLVED = "incident_resolved"
    ALERT_FIRING = "alert_firing"
    ALERT_RESOLVED = "alert_resolved"
    AUTHORITY_CHECKED = "authority_checked"
    FORM_COMPLETED = "form_completed"
    SUPPLIER_MAIL = "supplier_mail"  # a mail from the supplier's desk (or its mail system)
    SUPPLIER_CHASED = "supplier_chased"  # the OLA warning's chase, to the supplier or the agent
    REDACTED = "redacted"


# The key of a redacted event's data that names the redaction events (their seqs, in order).
TOMBSTONE = "redacted_by"


@dataclass(frozen=True)
class EventRecord:
    """One stored event, in the terms the chain is computed over."""

    ticket: str
    seq: int
    at: datetime
    actor: str | None
    kind: str
    public: bool
    data: Mapping[str, Any]
    prev_hash: str
    hash: str


def _instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("event instants must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_digest(data: Mapping[str, Any]) -> str:
    """SHA-256 of an event's content in canonical form: what the chain covers of the data."""
    return hashlib.sha256(_json(data)).hexdigest()


def canonical(
    *,
    ticket: str,
    seq: int,
    at: datetime,
    actor: str | None,
    kind: str,
    public: bool,
    data: Mapping[str, Any] | None = None,
    content: str | None = None,
    prev_hash: str,
) -> bytes:
    """The exact bytes an event's hash is computed over: sorted keys, no spaces, UTF-8, with the
    content as its digest (`content`, or computed from `data`)."""
    if content is None:
        if data is None:
            raise ValueError("an event needs its data or its content digest")
        content = content_digest(data)
    body = {
        "actor": actor,
        "at": _instant(at),
        "content": content,
        "kind": kind,
        "prev": prev_hash,
        "public": public,
        "seq": seq,
        "ticket": ticket,
    }
    return _json(body)


def event_hash(
    *,
    ticket: str,
    seq: int,
    at: datetime,
    actor: str | None,
    kind: str,
    public: bool,
    data: Mapping[str, Any] | None = None,
    content: str | None = None,
    prev_hash: str,
) -> str:
    return hashlib.sha256(
        canonical(
            ticket=ticket,
            seq=seq,
            at=at,
            actor=actor,
            kind=kind,
            public=public,
            data=data,
            content=content,
            prev_hash=prev_hash,
        )
    ).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    ticket: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.ticket} event {self.seq}: {self.reason}"


@dataclass(frozen=True)
class Redaction:
    """A redaction as its event records it: which event, the content digests before and after."""

    seq: int  # the redaction event's own seq
    event: int  # the event whose content it replaced
    before: str
    after: str


def redaction_of(record: EventRecord) -> Redaction | None:
    if record.kind != EventKind.REDACTED:
        return None
    d = record.data
    try:
        return Redaction(record.seq, int(d["event"]), str(d["before"]), str(d["after"]))
    except (KeyError, TypeError, ValueError):
        return None


def _chained_content(
    record: EventRecord, redactions: Sequence[Redaction]
) -> tuple[str | None, str | None]:
    """The content digest the chain covers for `record` (its data's, or the one its first
    redaction recorded), or a reason the content is not what the record says it is."""
    current = content_digest(record.data)
    tombstone = record.data.get(TOMBSTONE) if isinstance(record.data, Mapping) else None
    if not redactions:
        if tombstone is not None:
            return None, "it carries a tombstone that no redaction recorded (forged)"
        return current, None
    if tombstone != [r.seq for r in redactions]:
        return None, "its tombstone does not name the redactions recorded for it"
    if current != redactions[-1].after:
        return None, "its content is not what its redaction left (altered)"
    for earlier, later in itertools.pairwise(redactions):
        if later.before != earlier.after:
            return None, "its redactions do not follow one another"
    return redactions[0].before, None


def verify_chain(
    ticket: str, records: Iterable[EventRecord], *, head: str | None = None
) -> ChainBreak | None:
    """The first broken link of a ticket's chain, or None when every event is intact.

    `head` is the hash the ticket row says its last event has; a chain whose last events were
    removed is still a valid prefix, so the head is what catches truncation. A redacted event is
    checked against the digests its redactions recorded (see the module's note).
    """
    records = list(records)
    redactions: dict[int, list[Redaction]] = {}
    for record in records:
        found = redaction_of(record)
        if record.kind == EventKind.REDACTED and found is None:
            return ChainBreak(ticket, record.seq, "a redaction that does not say what it removed")
        if found is not None:
            if found.event >= found.seq:
                return ChainBreak(ticket, record.seq, "a redaction of an event not before it")
            redactions.setdefault(found.event, []).append(found)
    prev = GENESIS
    expected_seq = 1
    for record in records:
        if record.seq != expected_seq:
            return ChainBreak(
                ticket,
                record.seq,
                f"expected event {expected_seq}; events are missing or reordered",
            )
        if record.prev_hash != prev:
            return ChainBreak(
                ticket, record.seq, "its previous-hash does not match the event before it"
            )
        content, problem = _chained_content(record, redactions.pop(record.seq, []))
        if content is None:
            return ChainBreak(ticket, record.seq, problem or "altered")
        recomputed = event_hash(
            ticket=ticket,
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            kind=record.kind,
            public=record.public,
            content=content,
            prev_hash=record.prev_hash,
        )
        if recomputed != record.hash:
            return ChainBreak(ticket, record.seq, "its content does not match its hash (altered)")
        prev = record.hash
        expected_seq += 1
    if redactions:
        seq = min(r.seq for found in redactions.values() for r in found)
        return ChainBreak(ticket, seq, "a redaction of an event the record does not have")
    if head is not None and head != prev:
        return ChainBreak(
            ticket,
            expected_seq,
            "the ticket's last recorded hash is not the chain's end (events removed)",
        )
    return None


def is_json_value(value: Any) -> bool:
    """Event data must survive a database round trip unchanged: JSON scalars, lists, objects."""
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return all(is_json_value(v) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and is_json_value(v) for k, v in value.items())
    return False
