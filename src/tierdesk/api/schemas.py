"""The API's request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from tierdesk.queries import disclosure


def _no_nul(value: str) -> str:
    # Databases refuse NUL in text; refuse it here with a field error instead of failing later.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class TicketIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "Mailbox quota not applied",
                    "description": "Since the upgrade this morning.",
                    "severity": "high",
                    "form": {"account": "ACME-1"},
                }
            ]
        }
    )

    subject: Text = Field(max_length=250)
    description: Text = ""
    severity: Text | None = None
    queue: Text | None = None
    language: Text | None = None
    channel: Text | None = Field(
        None, description="defaults to 'api'; agents log phone calls with 'phone'"
    )
    form: dict[str, Text] = {}
    organisation: Text | None = Field(
        None, description="partner slug; required when an agent opens a ticket"
    )
    requester: Text | None = Field(
        None, description="username of the partner's requester (agents only)"
    )
    customer_account: Text | None = Field(None, description="slug of the end-customer account")


class BodyIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"body": "The quota is back to 50 GB, thank you."}]}
    )

    body: Text


class ReplyIn(BodyIn):
    any_language: bool = Field(
        default=False,
        description="send it even though it is not in the profile's reply language "
        "(without it the desk's reply in another language is refused with 422 naming `body`)",
    )


class StatusIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "on_hold",
                    "reason": "waiting for the supplier",
                    "supplier": "vendor",
                    "note": "Quota not applied after the upgrade.",
                }
            ]
        }
    )

    status: Text
    reason: Text = ""
    supplier: Text | None = Field(
        None, description="slug of the supplier, when putting the ticket on hold"
    )
    supplier_ref: Text = Field("", description="the supplier's own ticket reference")
    note: Text = Field(
        "", description="the hand-off note: all the supplier reads besides the shared fields"
    )
    attachments: list[int] = Field(
        default_factory=list,
        description="ids of the ticket's files to send with a hand-off by e-mail",
    )
    fields: list[Text] = Field(
        default_factory=list,
        description="private fields to add to a hand-off by e-mail (description, organisation, "
        "requester, customer_account or an unshared form field)",
    )


class SeverityIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"severity": "medium", "reason": "only one mailbox is affected"}]
        }
    )

    severity: Text
    reason: Text = ""


class AssignIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"assignee": "agent2"}]})

    assignee: Text | None = Field(description="username of an agent, or null to unassign")


class LevelIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"level": "l2", "note": "Reproduced; needs the mail platform team."}]
        }
    )

    level: Text
    note: Text = Field(description="the hand-off note for the receiving level")


class SolutionIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"solution": "The quota job was restarted."}]}
    )

    solution: Text = Field(
        description="the solution, noted in the ticket with the profile's resolved message"
    )
    any_language: bool = Field(
        default=False,
        description="send it even though it is not in the profile's reply language "
        "(without it such a solution is refused with 422 naming `solution`)",
    )


class AskIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"body": "Does the mailbox accept mail again?", "confirmation": True}]
        }
    )

    body: Text
    confirmation: bool = Field(
        False, description="true: ask to confirm a fix; false: ask a question"
    )


class AuthorityIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"authorised": True, "note": "Confirmed with the account's IT manager."}]
        }
    )

    authorised: bool = Field(
        description="true: the requester may raise requests for the end-customer account; "
        "false: the ticket is rejected with the reason no_authority"
    )
    note: Text = Field("", max_length=2000, description="how it was validated; required if not")


class RejectIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "duplicate", "note": "See the ticket opened yesterday."}]
        }
    )

    reason: Text = Field(description="one of the profile's invalid-ticket reasons")
    note: Text = ""


class RedactionIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"part": "text", "reason": "the requester pasted a password"}]
        }
    )

    part: Text = Field(
        "text", description="`text`: the event's text; `attachment`: the file the event added"
    )
    reason: Text = Field(description="why the content is removed; kept in the record")


class EscalationIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "the customer's shop is down"}]}
    )

    reason: Text = Field("", description="why; required when no SLA target is breached")


class AvailabilityIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"available": False}]})

    available: bool = Field(description="false: away, new tickets are not routed to me")


class ContactAttemptIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "Phoned the Head of Support; no answer."}]}
    )

    note: Text = Field("", description="how the contact was tried and what happened")


class TicketLinkIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"kind": "related", "target": "DC-000042"}]}
    )

    kind: Text = Field(description="follow_up_of, duplicate_of or related")
    target: Text = Field(description="the other ticket's number")


class Party(Schema):
    id: int
    name: str


class OrganisationRef(Schema):
    slug: str
    name: str


class TicketLinkOut(Schema):
    kind: str
    target: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    public: bool
    uploaded_at: datetime
    url: str


EVENT_DATA = (
    "what the event records; its keys depend on `kind` (e.g. `body` of a reply, `from`/`to` of a "
    "change, `reason`), narrowed to what the caller's side may read"
)


class PartnerAttachmentOut(Schema):
    """A file as the partner reads it (the partner sees the public files only)."""

    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: datetime
    url: str


class EventOut(Schema):
    """An event of the record as the provider's staff (or a supplier, of its own hand-offs)
    reads it."""

    ticket: str
    seq: int
    at: datetime
    kind: str
    public: bool
    actor: Party | None
    data: dict[str, Any] = Field(description=EVENT_DATA)
    hash: str


PARTNER_HIDDEN = frozenset(disclosure.SUPPLIER_KEYS) - {"note"}


def _partner_data(data: dict[str, Any]) -> dict[str, Any]:
    # The partner's side is narrowed by `queries.disclosure`; the schema keeps the supplier's
    # keys out even if a new event kind forgot to be narrowed there.
    # A `note` is the partner's own word on a rejection or a contact attempt; a hand-off's note
    # is already dropped by `disclosure.event_data`.
    return {k: v for k, v in data.items() if k not in PARTNER_HIDDEN}


class PartnerEventOut(Schema):
    """An event of the record as the partner reads it: public events only, and never a
    supplier's name, reference, hand-off note or terms."""

    ticket: str
    seq: int
    at: datetime
    kind: str
    actor: Party | None
    data: Annotated[dict[str, Any], AfterValidator(_partner_data)] = Field(
        description=EVENT_DATA + "; never a supplier's details"
    )
    hash: str


class TargetOut(Schema):
    target: str
    label: str
    kind: str
    state: str
    calendar: str
    due: datetime | None
    due_text: str
    used_seconds: float
    limit_seconds: int
    met_at: datetime | None
    breached_at: datetime | None
    why: str


class TicketOut(Schema):
    number: str
    subject: str
    description: str
    form: dict[str, str]
    severity: str
    status: str
    queue: str
    level: str
    language: str
    channel: str
    organisation: OrganisationRef | None = Field(
        description="the partner; null for a supplier, which never learns who asked"
    )
    requester: Party | None
    assignee: Party | None
    customer_account: OrganisationRef | None
    opened_at: datetime
    updated_at: datetime
    profile: str
    profile_version: str
    next_deadline: datetime | None = Field(
        description="the desk's next automatic instant (a warning, a breach, a timed closure); "
        "for a partner, null once a supplier has had the ticket (it may be the supplier's clock)"
    )


class ContingencyRouteOut(Schema):
    key: str
    label: str = Field(description="the route, in the profile's words")
    contact: str = Field(description="the number or address to use")
    note: str
    because: list[str] = Field(
        description="what holds, as codes: outside:<calendar>, accounts:<count>, "
        "expired:<target kind>, severity:<severity>"
    )
    reasons: list[str] = Field(description="the same, in words")


class TicketDetailOut(TicketOut):
    sla: list[TargetOut]
    contingency: list[ContingencyRouteOut] = Field(
        description="other ways to reach the provider that the profile offers now "
        "(empty for a supplier, and when no condition holds)"
    )
    links: list[TicketLinkOut]
    attachments: list[AttachmentOut]
    events: list[EventOut]


class PartnerTicketDetailOut(TicketOut):
    """The ticket as a partner reads it: the provider's commitments (no supplier's OLA), the
    public conversation only."""

    sla: list[TargetOut] = Field(description="the provider's targets; never a supplier's")
    contingency: list[ContingencyRouteOut]
    links: list[TicketLinkOut]
    attachments: list[PartnerAttachmentOut]
    events: list[PartnerEventOut]


class TicketPageOut(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class ErrorOut(Schema):
    """Every refusal: a code, a sentence, and the fields at fault with what is wrong with each."""

    error: str = Field(description="a code: invalid, not_found, forbidden, unauthenticated, ...")
    message: str
    fields: dict[str, str] = Field(description="field name -> what is wrong with it")
