"""Erasure on an indelible record: what a redaction removes from an event and what it records.

An administrator may remove the text of an event (a person's data, a pasted password) or the file
an event added. The event keeps its place, kind, actor and instant; its text fields become empty
(a subject becomes "(removed)") and its data names the redaction (`TOMBSTONE`). The redaction is
itself an event, chained after it, that records the content digests before and after, so
`events.verify_chain` still verifies the whole record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierdesk.domain.errors import Invalid
from tierdesk.domain.events import TOMBSTONE, EventKind, content_digest
from tierdesk.domain.parties import Role
from tierdesk.domain.ticket import Change
from tierdesk.domain.words import N_

TEXT, ATTACHMENT = "text", "attachment"
PARTS = (TEXT, ATTACHMENT)
REMOVED_SUBJECT = "(removed)"
REASON_MAX = 1000

# The free text each kind of event carries: what a person typed or sent. Codes, labels, names of
# levels and statuses are the desk's own words and stay.
TEXT_FIELDS: Mapping[str, tuple[str, ...]] = {
    EventKind.CREATED: ("subject", "description", "voicemail", "form"),
    EventKind.REPLY: ("body",),
    EventKind.NOTE: ("body",),
    EventKind.STATUS_CHANGED: ("note", "supplier_ref"),
    EventKind.SEVERITY_CHANGED: ("reason",),
    EventKind.LEVEL_CHANGED: ("note",),
    EventKind.REJECTED: ("note",),
    EventKind.MANAGEMENT_ESCALATED: ("reason",),
    EventKind.FORM_COMPLETED: ("fields",),
    EventKind.ATTACHMENT_ADDED: ("name",),
    EventKind.AUTHORITY_CHECKED: ("requester",),
    EventKind.ALERT_FIRING: ("summary", "description", "labels", "annotations"),
    EventKind.ALERT_RESOLVED: ("summary", "description", "labels", "annotations"),
    EventKind.SUPPLIER_MAIL: ("subject", "body"),
    EventKind.CONTACT_ATTEMPTED: ("note",),
}


def may_redact(role: str) -> bool:
    """Only the desk's administrators remove content from the record."""
    return role == Role.ADMINISTRATOR


def parts(kind: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """What of an event may still be removed: its file, its text, or nothing."""
    if kind == EventKind.ATTACHMENT_ADDED:
        return () if data.get(TOMBSTONE) else (ATTACHMENT,)
    if kind == EventKind.REDACTED:
        return ()
    texts = [t for k in TEXT_FIELDS.get(kind, ()) if k in data for t in _texts(data[k])]
    return (TEXT,) if texts else ()


@dataclass(frozen=True)
class Redacted:
    """The event's new content, the texts it removed (to find their copies) and the change to
    record."""

    data: dict[str, Any]
    removed: tuple[str, ...]
    fields: tuple[str, ...]
    change: Change


def _blank(value: Any) -> Any:
    if isinstance(value, str):
        return ""
    if isinstance(value, Mapping):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return value


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def redact(
    *, seq: int, kind: str, public: bool, data: Mapping[str, Any], part: str, reason: str
) -> Redacted:
    """Remove `part` ("text" or "attachment") of event `seq`; `Invalid` names the field when
    there is nothing to remove or no reason is given."""
    reason = reason.strip()
    problems: dict[str, str] = {}
    if not reason:
        problems["reason"] = N_("say why the content is removed")
    elif len(reason) > REASON_MAX:
        problems["reason"] = N_("at most %(limit)s characters", limit=REASON_MAX)
    if part not in PARTS:
        problems["part"] = N_("choose text or attachment")
    elif kind == EventKind.REDACTED:
        problems["event"] = N_("a redaction cannot itself be redacted")
    elif part == ATTACHMENT and kind != EventKind.ATTACHMENT_ADDED:
        problems["part"] = N_("this event added no file")
    elif part == TEXT and kind == EventKind.ATTACHMENT_ADDED:
        problems["part"] = N_("remove the file: its name goes with it")
    elif part == ATTACHMENT and data.get(TOMBSTONE):
        problems["event"] = N_("this event's file was already removed")
    if problems:
        raise Invalid(N_("the redaction is refused"), fields=problems)
    fields = tuple(k for k in TEXT_FIELDS.get(kind, ()) if k in data)
    removed = tuple(t for k in fields for t in _texts(data[k]))
    if part == TEXT and not removed:
        raise Invalid(
            N_("the redaction is refused"), fields={"event": N_("this event has no text left")}
        )
    new = dict(data)
    for key in fields:
        new[key] = REMOVED_SUBJECT if key == "subject" else _blank(data[key])
    later = list(data.get(TOMBSTONE) or ())
    record: dict[str, Any] = {
        "event": seq,
        "part": part,
        "fields": list(fields),
        "reason": reason,
        "before": content_digest(data),
    }
    if part == ATTACHMENT:
        record["attachment"] = data.get("attachment")
    # The redaction's own seq is known only when it is appended; the caller completes it.
    return Redacted(
        data=new | {TOMBSTONE: later},
        removed=removed,
        fields=fields,
        change=Change(EventKind.REDACTED, record, public=public),
    )


def seal(redacted: Redacted, *, redaction_seq: int) -> tuple[dict[str, Any], Change]:
    """The tombstone naming the redaction event `redaction_seq`, and that event's change with the
    digest of the content it leaves."""
    data = dict(redacted.data)
    data[TOMBSTONE] = [*data[TOMBSTONE], redaction_seq]
    record = dict(redacted.change.data) | {"after": content_digest(data)}
    return data, Change(EventKind.REDACTED, record, public=redacted.change.public)
