"""The ticket record: event kinds, their canonical form and the hash chain that makes it indelible.

Each event's hash is SHA-256 over a canonical serialisation of the event and the previous
event's hash, so changing, removing or reordering any stored event breaks every later link.
"""

from __future__ import annotations

import hashlib
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


def canonical(
    *,
    ticket: str,
    seq: int,
    at: datetime,
    actor: str | None,
    kind: str,
    public: bool,
    data: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    """The exact bytes an event's hash is computed over: sorted keys, no spaces, UTF-8."""
    body = {
        "actor": actor,
        "at": _instant(at),
        "data": data,
        "kind": kind,
        "prev": prev_hash,
        "public": public,
        "seq": seq,
        "ticket": ticket,
    }
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(
    *,
    ticket: str,
    seq: int,
    at: datetime,
    actor: str | None,
    kind: str,
    public: bool,
    data: Mapping[str, Any],
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


def verify_chain(
    ticket: str, records: Iterable[EventRecord], *, head: str | None = None
) -> ChainBreak | None:
    """The first broken link of a ticket's chain, or None when every event is intact.

    `head` is the hash the ticket row says its last event has; a chain whose last events were
    removed is still a valid prefix, so the head is what catches truncation.
    """
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
        recomputed = event_hash(
            ticket=ticket,
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            kind=record.kind,
            public=record.public,
            data=record.data,
            prev_hash=record.prev_hash,
        )
        if recomputed != record.hash:
            return ChainBreak(ticket, record.seq, "its content does not match its hash (altered)")
        prev = record.hash
        expected_seq += 1
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
