"""The API's request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field


def _no_nul(value: str) -> str:
    # Databases refuse NUL in text; refuse it here with a field error instead of failing later.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class TicketIn(Schema):
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
    body: Text


class StatusIn(Schema):
    status: Text
    reason: Text = ""
    supplier: Text | None = Field(
        None, description="slug of the supplier, when putting the ticket on hold"
    )
    supplier_ref: Text = Field("", description="the supplier's own ticket reference")
    note: Text = Field(
        "", description="the hand-off note: all the supplier reads besides the shared fields"
    )


class SeverityIn(Schema):
    severity: Text
    reason: Text = ""


class AssignIn(Schema):
    assignee: Text | None = Field(description="username of an agent, or null to unassign")


class LevelIn(Schema):
    level: Text
    note: Text = Field(description="the hand-off note for the receiving level")


class SolutionIn(Schema):
    solution: Text = Field(
        description="the solution, noted in the ticket with the profile's resolved message"
    )


class AskIn(Schema):
    body: Text
    confirmation: bool = Field(
        False, description="true: ask to confirm a fix; false: ask a question"
    )


class RejectIn(Schema):
    reason: Text = Field(description="one of the profile's invalid-ticket reasons")
    note: Text = ""


class EscalationIn(Schema):
    reason: Text = Field("", description="why; required when no SLA target is breached")


class LinkIn(Schema):
    kind: Text = Field(description="follow_up_of, duplicate_of or related")
    target: Text = Field(description="the other ticket's number")


class Party(Schema):
    id: int
    name: str


class OrganisationRef(Schema):
    slug: str
    name: str


class LinkOut(Schema):
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


class EventOut(Schema):
    ticket: str
    seq: int
    at: datetime
    kind: str
    public: bool
    actor: Party | None
    data: dict[str, Any]
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
    next_deadline: datetime | None


class TicketDetailOut(TicketOut):
    sla: list[TargetOut]
    links: list[LinkOut]
    attachments: list[AttachmentOut]
    events: list[EventOut]


class TicketPageOut(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class ErrorOut(Schema):
    error: str
    message: str
    fields: dict[str, str]
