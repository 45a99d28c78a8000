"""Decisions about one ticket: each verb checks the rules and returns the change to record.

The ticket row is a projection: `apply` folds a change into the state, so replaying a ticket's
events from the first reproduces the row exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tierdesk.domain.errors import Conflict, Forbidden, IllegalTransition, Invalid
from tierdesk.domain.events import EventKind, is_json_value
from tierdesk.domain.parties import Party
from tierdesk.domain.profiles import Profile
from tierdesk.domain.words import N_

SUBJECT_MAX = 250
FORM_CHANNELS = ("portal", "api", "phone")
BODY_MAX = 100_000
FORM_VALUE_MAX = 10_000
LINK_KINDS = ("follow_up_of", "duplicate_of", "related", "possible_duplicate_of")
PUBLIC_KINDS = frozenset(
    {
        EventKind.CREATED,
        EventKind.REPLY,
        EventKind.STATUS_CHANGED,
        EventKind.SEVERITY_CHANGED,
        EventKind.LINKED,
    }
)


@dataclass(frozen=True)
class TicketState:
    """What the projection holds that decisions depend on."""

    subject: str
    status: str
    severity: str
    queue: str
    level: str
    language: str
    channel: str
    assignee: str | None = None
    supplier: str | None = None  # the supplier the ticket was last handed to (its slug)


@dataclass(frozen=True)
class Change:
    kind: EventKind
    data: Mapping[str, Any]
    public: bool


@dataclass(frozen=True)
class Draft:
    """A ticket as the requester (or the agent logging it) describes it."""

    subject: str
    description: str
    channel: str
    severity: str | None = None
    queue: str | None = None
    language: str | None = None
    form: Mapping[str, str] = dataclasses.field(default_factory=dict)
    language_detected: bool = (
        False  # detected from the text: recorded as found, even if refused later
    )
    voicemail: Mapping[str, str] | None = None  # a voice message's details (the profile's form)


def _text(
    fields: dict[str, str], name: str, value: str, *, limit: int, required: bool = True
) -> str:
    cleaned = value.replace("\x00", "").strip()
    if required and not cleaned:
        fields[name] = N_("is required")
    elif len(cleaned) > limit:
        fields[name] = N_(
            "is %(len)s characters long; at most %(limit)s are allowed",
            len=len(cleaned),
            limit=limit,
        )
    return cleaned


def _provider_only(party: Party, refusal: str) -> None:
    if party not in (Party.PROVIDER, Party.SYSTEM):
        raise Forbidden(refusal)


def open_ticket(profile: Profile, draft: Draft, *, party: Party) -> tuple[TicketState, Change]:
    """Check a new ticket against the profile and describe its first event."""
    fields: dict[str, str] = {}
    subject = _text(fields, "subject", draft.subject, limit=SUBJECT_MAX)
    if "\n" in subject or "\r" in subject:
        fields["subject"] = N_("must be a single line")
    description = _text(fields, "description", draft.description, limit=BODY_MAX, required=False)

    severity = profile.default_severity
    severity_from: dict[str, str] | None = None
    if draft.severity is None and draft.channel == "email":
        # CloudCTI 1.3, Cloudsoft, Exponential-e: an e-mail carries its priority in the subject.
        named = profile.severity_in_subject(draft.subject)
        if named is not None:
            severity, severity_from = named[0], {"source": "subject", "matched": named[1]}
    if draft.severity is not None:
        found = profile.severity_key(draft.severity)
        if found is None:
            fields["severity"] = N_(
                "%(severity)r is not a severity of this desk; expected one of %(choices)s",
                severity=draft.severity,
                choices=", ".join(profile.severities),
            )
        else:
            severity = found
    queue = draft.queue or profile.default_queue
    if queue not in profile.queues:
        fields["queue"] = N_(
            "%(queue)r is not a queue of this desk; expected one of %(choices)s",
            queue=queue,
            choices=", ".join(profile.queues),
        )
    if draft.channel not in profile.channels:
        fields["channel"] = N_(
            "%(channel)r is not a channel of this desk; expected one of %(choices)s",
            channel=draft.channel,
            choices=", ".join(profile.channels),
        )
    elif draft.channel == "phone" and party is not Party.PROVIDER:
        fields["channel"] = N_("phone tickets are logged by the provider's agents")
    language = draft.language or profile.languages.standard
    if not draft.language_detected and language not in profile.languages.all():
        fields["language"] = N_(
            "%(language)r is not a language this desk accepts; expected one of %(choices)s",
            language=language,
            choices=", ".join(profile.languages.all()),
        )

    form: dict[str, str] = {}
    known = {f.key: f for f in profile.form}
    for key, value in draft.form.items():
        if key not in known:
            fields[f"form.{key}"] = N_("is not a field of this desk's ticket form")
        elif not isinstance(value, str):
            fields[f"form.{key}"] = N_("must be text")
        else:
            form[key] = _text(fields, f"form.{key}", value, limit=FORM_VALUE_MAX, required=False)
    # A voicemail (LuxCloud 2.7) needs only what the profile's voicemail form asks; the ticket
    # form's missing items are recorded, to be asked for when the desk calls back.
    message: dict[str, str] = {}
    missing: list[str] = []
    by_voicemail = draft.voicemail is not None and bool(profile.voicemail)
    if by_voicemail:
        given = draft.voicemail or {}
        specs = {f.key: f for f in profile.voicemail}
        for key, value in given.items():
            if key not in specs:
                fields[f"voicemail.{key}"] = N_("is not a field of this desk's voicemail form")
            elif isinstance(value, str):
                message[key] = _text(
                    fields, f"voicemail.{key}", value, limit=SUBJECT_MAX, required=False
                )
        for spec in profile.voicemail:
            if spec.required and not message.get(spec.key):
                fields.setdefault(
                    f"voicemail.{spec.key}", N_("%(label)s is required", label=spec.label)
                )
        missing = [spec.key for spec in profile.form if spec.required and not form.get(spec.key)]
    # A mail or a chat has no form: where the profile says, its fields are read from lines that
    # follow the template ("Log files: ...") and what is still missing is recorded (CloudCTI 1.3:
    # processed only if the report is complete).
    lacking = profile.form_missing.get(draft.channel)
    if lacking and draft.channel not in FORM_CHANNELS and not by_voicemail:
        for key, value in read_template(profile, description).items():
            form.setdefault(key, value)
        missing = [
            spec.key
            for spec in profile.form
            if spec.required
            and not form.get(spec.key)
            and not (spec.key == "description" and description)
        ]
    # The form's required fields bind where a form is filled in; a mail or an alert has none.
    for spec in profile.form if draft.channel in FORM_CHANNELS and not by_voicemail else ():
        if spec.required and not form.get(spec.key):
            fields.setdefault(f"form.{spec.key}", N_("%(label)s is required", label=spec.label))
    if fields:
        raise Invalid(N_("the ticket is not complete"), fields=fields)

    # The emergency keyword (LuxCloud 2.8) sets the severity and, where the profile says, the level.
    emergency = bool(subject) and profile.is_emergency(subject)
    # Routing by channel (Zynstra: a fault from the monitoring console goes straight to L3).
    level = profile.channel_levels.get(draft.channel, profile.initial_level)
    if emergency and profile.emergency is not None:
        severity = profile.emergency.severity
        level = profile.emergency.level or level
    state = TicketState(
        subject=subject,
        status=profile.initial_status,
        severity=severity,
        queue=queue,
        level=level,
        language=language,
        channel=draft.channel,
    )
    data: dict[str, Any] = {
        "subject": subject,
        "description": description,
        "form": form,
        "severity": severity,
        "status": state.status,
        "queue": queue,
        "level": state.level,
        "language": language,
        "channel": draft.channel,
    }
    if emergency:
        data["emergency"] = True
    elif severity_from is not None:
        data["severity_from"] = severity_from
    if by_voicemail:
        data["voicemail"] = message
        data["missing"] = missing
    elif missing:
        data["missing"] = missing
        data["missing_action"] = lacking
    return state, Change(EventKind.CREATED, data, public=True)


def still_missing(records: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The form fields the opening recorded as missing (a mail without the template, a
    voicemail) that no later answer has filled in; `records` are (kind, data) in order."""
    missing: list[str] = []
    for kind, data in records:
        if kind == EventKind.CREATED or kind == EventKind.FORM_COMPLETED:
            missing = list(data.get("missing", ()))
    return missing


def complete_form(profile: Profile, missing: Sequence[str], body: str) -> Change | None:
    """CloudCTI 1.3: the requester's answer that follows the template ("Log files: ...") fills
    in what the report lacked; the fields found and what is still missing are recorded."""
    if not missing:
        return None
    found = {k: v for k, v in read_template(profile, body).items() if k in missing}
    if not found:
        return None
    left = [k for k in missing if k not in found]
    return Change(EventKind.FORM_COMPLETED, {"fields": found, "missing": left}, public=True)


def read_template(profile: Profile, text: str) -> dict[str, str]:
    """The form's fields given in a text as "Label: value" (or "key: value") lines."""
    names = {}
    for spec in profile.form:
        names[spec.label.casefold()] = spec.key
        names[spec.key.casefold()] = spec.key
    found: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        key = names.get(name.strip().casefold())
        if colon and key and value.strip() and key not in found:
            found[key] = value.strip()[:FORM_VALUE_MAX]
    return found


def missing_question(profile: Profile, missing: Sequence[str]) -> str:
    """The automatic question that lists what a report still lacks, in the template's words."""
    labels = {f.key: f.label for f in profile.form}
    lines = "\n".join(f"{labels.get(k, k)}: " for k in missing)
    return (
        "Thank you for your report. To work on it we need the following information; please "
        f"reply with these lines filled in:\n\n{lines}"
    )


def reply(
    state: TicketState, profile: Profile, *, body: str, party: Party, allow_closed: bool = False
) -> Change:
    fields: dict[str, str] = {}
    text = _text(fields, "body", body, limit=BODY_MAX)
    if fields:
        raise Invalid(N_("the reply is empty or too long"), fields=fields)
    if profile.status(state.status).category == "closed" and not allow_closed:
        raise Conflict(
            N_("the ticket is closed; it takes no more replies"),
            fields={"body": N_("the ticket is closed")},
        )
    # A supplier works for the provider: its replies reach the desk, not the requester.
    return Change(
        EventKind.REPLY, {"body": text, "by": party.value}, public=party is not Party.SUPPLIER
    )


def note(state: TicketState, *, body: str, party: Party) -> Change:
    _provider_only(party, N_("only the provider's support staff may write internal notes"))
    fields: dict[str, str] = {}
    text = _text(fields, "body", body, limit=BODY_MAX)
    if fields:
        raise Invalid(N_("the note is empty or too long"), fields=fields)
    return Change(EventKind.NOTE, {"body": text}, public=False)


def change_status(
    state: TicketState,
    profile: Profile,
    *,
    to: str,
    party: Party,
    reason: str = "",
    supplier: str | None = None,
    supplier_ref: str = "",
    note: str = "",
    supplier_ola: tuple[str, str] | None = None,
    handoff: Mapping[str, Any] | None = None,
) -> Change:
    """Move the ticket; a move to an on-hold status may name the supplier, its reference and a
    hand-off note, which is all the supplier reads of the ticket besides its shared fields.
    `supplier_ola` is the supplier's own OLA (duration text, calendar key), recorded with the
    hand-off so the clock reads the terms in force then; `handoff` the rest of the supplier's
    registry in force (its response target, own calendar, severity label) and the mail sent."""
    if to not in profile.statuses:
        raise Invalid(
            N_("%(to)r is not a status of this desk", to=to),
            fields={
                "status": N_("expected one of %(choices)s", choices=", ".join(profile.statuses))
            },
        )
    current = profile.status(state.status)
    if to == state.status:
        raise IllegalTransition(state.status, to, N_("the ticket already has that status"))
    if party in (Party.PROVIDER, Party.SYSTEM):
        allowed = current.to
    elif party is Party.REQUESTER:
        allowed = current.requester_to
    else:
        allowed = ()
    if to not in allowed:
        why = (
            N_("not allowed by this desk's process")
            if to not in current.to
            else N_("only the provider may do that")
        )
        raise IllegalTransition(state.status, to, why)
    if len(reason) > 500:
        raise Invalid(N_("the reason is too long"), fields={"reason": N_("at most 500 characters")})
    data: dict[str, Any] = {"from": state.status, "to": to, "reason": reason.strip()}
    if note.strip() and supplier is None:
        raise Invalid(
            N_("a hand-off note goes with a supplier"), fields={"note": N_("name the supplier too")}
        )
    if supplier is not None or supplier_ref:
        if profile.status(to).category != "on_hold":
            raise Invalid(
                N_("only an on-hold status names a supplier"),
                fields={"supplier": N_("'%(to)s' is not an on-hold status", to=to)},
            )
        if party is not Party.PROVIDER and party is not Party.SYSTEM:
            raise Forbidden(N_("only the provider hands tickets to suppliers"))
        if len(supplier_ref) > 100:
            raise Invalid(
                N_("the supplier's reference is too long"),
                fields={"supplier_ref": N_("at most 100 characters")},
            )
        if len(note) > BODY_MAX:
            raise Invalid(N_("the hand-off note is too long"), fields={"note": N_("too long")})
        data["supplier"] = supplier
        data["supplier_ref"] = supplier_ref.strip()
        if note.strip():
            data["note"] = note.strip()
        if supplier_ola is not None and supplier_ola[0]:
            data["ola_target"], data["ola_calendar"] = supplier_ola
        if supplier is not None and handoff:
            data.update({k: v for k, v in handoff.items() if v not in (None, "", [], {})})
            data["from_level"] = state.level
    return Change(EventKind.STATUS_CHANGED, data, public=True)


def change_severity(
    state: TicketState, profile: Profile, *, to: str, party: Party, reason: str = ""
) -> Change:
    _provider_only(party, N_("only the provider's support staff may change a ticket's severity"))
    key = profile.severity_key(to)
    if key is None:
        raise Invalid(
            N_("%(to)r is not a severity of this desk", to=to),
            fields={
                "severity": N_("expected one of %(choices)s", choices=", ".join(profile.severities))
            },
        )
    if key == state.severity:
        raise Conflict(
            N_("the ticket already has severity '%(key)s'", key=key),
            fields={"severity": N_("unchanged")},
        )
    return Change(
        EventKind.SEVERITY_CHANGED,
        {"from": state.severity, "to": key, "reason": reason.strip()},
        public=True,
    )


def assign(state: TicketState, *, assignee: str | None, party: Party) -> Change:
    _provider_only(party, N_("only the provider's support staff may assign tickets"))
    if assignee == state.assignee:
        raise Conflict(
            N_("the ticket is already assigned so"), fields={"assignee": N_("unchanged")}
        )
    return Change(EventKind.ASSIGNED, {"from": state.assignee, "to": assignee}, public=False)


def change_level(
    state: TicketState, profile: Profile, *, to: str, party: Party, note: str
) -> Change:
    _provider_only(
        party, N_("only the provider's support staff may move tickets between support levels")
    )
    if to not in profile.levels:
        raise Invalid(
            N_("%(to)r is not a support level of this desk", to=to),
            fields={"level": N_("expected one of %(choices)s", choices=", ".join(profile.levels))},
        )
    if to == state.level:
        raise Conflict(
            N_("the ticket is already at level '%(to)s'", to=to), fields={"level": N_("unchanged")}
        )
    allowed = profile.levels[state.level].escalates_to if state.level in profile.levels else ()
    if to not in allowed:
        raise Conflict(
            N_(
                "this desk's process does not move tickets from '%(level)s' to '%(to)s'",
                level=state.level,
                to=to,
            ),
            fields={
                "level": N_("allowed from here: %(levels)s", levels=", ".join(allowed) or "none")
            },
        )
    fields: dict[str, str] = {}
    text = _text(fields, "note", note, limit=BODY_MAX)
    if fields:
        raise Invalid(
            N_("a hand-off note is required when a ticket changes level"),
            fields={"note": N_("a hand-off note is required")},
        )
    return Change(
        EventKind.LEVEL_CHANGED, {"from": state.level, "to": to, "note": text}, public=False
    )


def link(
    *, kind: str, target: str, party: Party, own_number: str, same_organisation: bool
) -> Change:
    """A link between two tickets; visible to the requester only when both tickets are theirs."""
    _provider_only(party, N_("only the provider's support staff may link tickets"))
    if kind not in LINK_KINDS:
        raise Invalid(
            N_("%(kind)r is not a kind of link", kind=kind),
            fields={"kind": N_("expected one of %(choices)s", choices=", ".join(LINK_KINDS))},
        )
    if target == own_number:
        raise Invalid(
            N_("a ticket cannot be linked to itself"), fields={"target": N_("is this ticket")}
        )
    return Change(EventKind.LINKED, {"kind": kind, "target": target}, public=same_organisation)


def attachment(
    *,
    attachment_id: int,
    name: str,
    size: int,
    sha256: str,
    content_type: str,
    public: bool,
    party: Party,
) -> Change:
    if party is Party.SUPPLIER:
        public = False  # like its replies, a supplier's files reach the desk, not the requester
    elif not public:
        _provider_only(party, N_("only the provider's support staff may add internal attachments"))
    data = {
        "attachment": attachment_id,
        "name": name,
        "size": size,
        "sha256": sha256,
        "content_type": content_type,
    }
    return Change(EventKind.ATTACHMENT_ADDED, data, public=public)


def apply(state: TicketState | None, kind: str, data: Mapping[str, Any]) -> TicketState:
    """Fold one event into the projection; the first event must be `created`."""
    if kind == EventKind.CREATED:
        return TicketState(
            subject=data["subject"],
            status=data["status"],
            severity=data["severity"],
            queue=data["queue"],
            level=data["level"],
            language=data["language"],
            channel=data["channel"],
        )
    if state is None:
        raise ValueError("a ticket's record must start with a 'created' event")
    if kind == EventKind.STATUS_CHANGED:
        return dataclasses.replace(
            state, status=data["to"], supplier=data.get("supplier") or state.supplier
        )
    if kind == EventKind.SEVERITY_CHANGED:
        return dataclasses.replace(state, severity=data["to"])
    if kind == EventKind.ASSIGNED:
        return dataclasses.replace(state, assignee=data["to"])
    if kind == EventKind.LEVEL_CHANGED:
        return dataclasses.replace(state, level=data["to"])
    return state


def check_data(change: Change) -> None:
    if not is_json_value(change.data):
        raise ValueError(f"event data for {change.kind} is not plain JSON")


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    # Remembered: the duplicate check compares each new ticket with the same recent tickets.
    return frozenset(re.findall(r"[^\W\d_]{3,}", text.casefold()))


def forget_words() -> None:
    """Drop the remembered words (a redaction removed a text they were taken from)."""
    _words.cache_clear()


def similarity(a: str, b: str) -> float:
    """How alike two tickets' texts are: the overlap of their words (Jaccard), 0 to 1."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def closest(text: str, candidates: Sequence[str]) -> tuple[int, float] | None:
    """The candidate most like `text` and how alike (index, score), if any reaches the threshold."""
    words = _words(text)
    if not words:
        return None
    best: tuple[int, float] | None = None
    for index, other in enumerate(candidates):
        theirs = _words(other)
        # Jaccard cannot exceed the ratio of the two sizes: skip the set operations when even
        # that is below the threshold.
        if theirs and min(len(words), len(theirs)) >= DUPLICATE_THRESHOLD * max(
            len(words), len(theirs)
        ):
            score = len(words & theirs) / len(words | theirs)
            if score >= DUPLICATE_THRESHOLD and (best is None or score > best[1]):
                best = (index, score)
    return best


DUPLICATE_THRESHOLD = 0.6
