"""The API's request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class TicketIn(Schema):
    subject: str = Field(max_length=250)
    description: str = ""
    severity: str | None = None
    queue: str | None = None
    language: str | None = None
    channel: str | None = Field(
        None, description="defaults to 'api'; agents log phone calls with 'phone'"
    )
    form: dict[str, str] = {}
    organisation: str | None = Field(
        None, description="partner slug; required when an agent opens a ticket"
    )
    requester: str | None = Field(
        None, description="username of the partner's requester (agents only)"
    )
    customer_account: str | None = Field(None, description="slug of the end-customer account")


class BodyIn(Schema):
    body: str


class StatusIn(Schema):
    status: str
    reason: str = ""


class SeverityIn(Schema):
    severity: str
    reason: str = ""


class AssignIn(Schema):
    assignee: str | None = Field(description="username of an agent, or null to unassign")


class LevelIn(Schema):
    level: str
    note: str = Field(description="the hand-off note for the receiving level")


class LinkIn(Schema):
    kind: str = Field(description="follow_up_of, duplicate_of or related")
    target: str = Field(description="the other ticket's number")


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
    seq: int
    at: datetime
    kind: str
    public: bool
    actor: Party | None
    data: dict[str, Any]
    hash: str


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
    organisation: OrganisationRef
    requester: Party | None
    assignee: Party | None
    customer_account: OrganisationRef | None
    opened_at: datetime
    updated_at: datetime
    profile: str
    profile_version: str


class TicketDetailOut(TicketOut):
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
