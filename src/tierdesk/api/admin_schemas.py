"""The administration API's request and response shapes (names start with Admin: one namespace
for every schema of the API)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from tierdesk.api.schemas import Text


class AdminFieldChangeOut(Schema):
    before: Any = None
    after: Any = None


class AdminOrganisationIn(Schema):
    name: Text = Field(max_length=200)
    slug: Text = Field("", max_length=80, description="derived from the name when left out")
    external_ref: Text = Field("", max_length=100)
    contact_email: Text = Field("", max_length=254)
    contact_phone: Text = Field("", max_length=40)


class AdminOrganisationPatch(Schema):
    name: Text | None = Field(None, max_length=200)
    slug: Text | None = Field(None, max_length=80)
    external_ref: Text | None = Field(None, max_length=100)
    contact_email: Text | None = Field(None, max_length=254)
    contact_phone: Text | None = Field(None, max_length=40)
    authorised_requesters: list[Text] | None = Field(
        None,
        max_length=500,
        description="end-customer accounts only: e-mail addresses or @domains of the people who "
        "may raise requests for the account (empty: nobody is checked)",
    )


class AdminOrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    external_ref: str
    contact_email: str
    contact_phone: str
    active: bool
    partner: str | None = None
    created_at: datetime
    authorised_requesters: list[str] = Field(
        default_factory=list, description="end-customer accounts: who may raise requests"
    )


class AdminOrganisationEditOut(Schema):
    organisation: AdminOrganisationOut
    changed: dict[str, AdminFieldChangeOut]


class AdminAccountIn(AdminOrganisationIn):
    partner: Text | None = Field(
        None, description="the partner's slug; a partner admin's own organisation when left out"
    )


class AdminSubscriptionIn(Schema):
    reference: Text = Field(max_length=100)
    product: Text = Field(max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True


class AdminSubscriptionPatch(Schema):
    reference: Text | None = Field(None, max_length=100)
    product: Text | None = Field(None, max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool | None = None


class AdminSubscriptionOut(Schema):
    account: str
    reference: str
    product: str
    active: bool
    starts_on: date | None
    ends_on: date | None


class AdminSubscriptionEditOut(Schema):
    subscription: AdminSubscriptionOut
    changed: dict[str, AdminFieldChangeOut]


class AdminTermsIn(Schema):
    method: Text | None = Field(None, description="email, portal or phone")
    contact: Text | None = Field(
        None, max_length=300, description="the address, URL or phone number the method needs"
    )
    severity_map: dict[Text, Text] | None = Field(
        None, description="each of the profile's severity keys -> the supplier's own label"
    )
    ola_target: Text | None = Field(None, max_length=60, description='e.g. "4h", "1 business day"')
    calendar: Text | None = Field(None, max_length=40, description="one of the profile's calendars")
    escalation_contacts: list[Text] | None = None
    notes: Text | None = Field(None, max_length=5000)
    contacts: list[Text] | None = Field(None, description="other addresses of the supplier's desk")
    severity_scale: list[Text] | None = Field(None, description="the supplier's severity labels")
    response_target: Text | None = Field(None, max_length=60, description='e.g. "2h"')
    time_zone: Text | None = Field(None, max_length=64, description="e.g. America/New_York")
    hours: Text | None = Field(
        None, max_length=200, description='e.g. "mon-fri 08:00-18:00; sat 09:00-12:00" or "24x7"'
    )
    holiday_country: Text | None = Field(
        None, max_length=12, description='the public holidays of, e.g. "US" or "DE-BY"'
    )
    reference_pattern: Text | None = Field(
        None, max_length=200, description="a regular expression finding their reference in subjects"
    )
    solved_phrases: list[Text] | None = Field(
        None, description="phrases or statuses in their mails that say it is solved"
    )


class AdminTermsOut(Schema):
    method: str
    contact: str
    severity_map: dict[str, str]
    ola_target: str
    calendar: str
    escalation_contacts: list[str]
    notes: str
    contacts: list[str]
    severity_scale: list[str]
    response_target: str
    time_zone: str
    hours: str
    holiday_country: str
    reference_pattern: str
    solved_phrases: list[str]


class AdminSupplierIn(AdminOrganisationIn):
    terms: AdminTermsIn | None = None


class AdminSupplierOut(AdminOrganisationOut):
    terms: AdminTermsOut | None = None


class AdminSupplierEditOut(Schema):
    supplier: AdminSupplierOut
    changed: dict[str, AdminFieldChangeOut]


class AdminPersonIn(Schema):
    username: Text = Field(max_length=150)
    organisation: Text = Field(description="slug of the person's organisation")
    role: Text = Field(
        description="agent, manager, administrator, partner_user, partner_admin, supplier_contact"
    )
    email: Text = Field(max_length=254)
    first_name: Text = Field("", max_length=150)
    last_name: Text = Field("", max_length=150)
    phone: Text = Field("", max_length=40)
    language: Text = Field("en", max_length=8)
    levels: list[Text] = Field(default_factory=list, description="an agent's support levels")
    invite: bool = Field(True, description="send a link to choose a password")


class AdminPersonPatch(Schema):
    first_name: Text | None = Field(None, max_length=150)
    last_name: Text | None = Field(None, max_length=150)
    email: Text | None = Field(None, max_length=254)
    phone: Text | None = Field(None, max_length=40)
    language: Text | None = Field(None, max_length=8)
    role: Text | None = None
    levels: list[Text] | None = None


class AdminPersonOut(Schema):
    username: str
    name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    role: str
    organisation: str | None
    levels: list[str]
    language: str
    active: bool


class AdminPersonEditOut(Schema):
    person: AdminPersonOut
    changed: dict[str, AdminFieldChangeOut]


class AdminTokenIn(Schema):
    name: Text = Field(max_length=100)
    owner: Text | None = Field(None, description="username; yourself when left out")
    expires_at: datetime | None = Field(None, description="with a time zone")
    scope: Literal["", "monitoring", "messages"] = Field(
        "",
        description='"" a personal token for the whole API; "monitoring" only the Alertmanager '
        'receiver; "messages" only the relayed-message webhook',
    )


class AdminTokenOut(Schema):
    key_id: str
    name: str
    owner: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    scope: str


class AdminIssuedTokenOut(AdminTokenOut):
    secret: str = Field(description="shown this once; only its hash is kept")


class AdminDomainIn(Schema):
    domain: Text = Field(max_length=253)


class AdminDomainOut(Schema):
    domain: str
    created_at: datetime


class AdminChangeOut(Schema):
    id: int
    at: datetime
    actor: str | None
    object_kind: str
    object_id: str
    object_label: str
    verb: str
    before: Any = None
    after: Any = None


class AdminChangePageOut(Schema):
    items: list[AdminChangeOut]
    next_cursor: int | None


class AdminImportRowOut(Schema):
    row: int
    key: str
    outcome: str
    column: str
    reason: str


class AdminImportOut(Schema):
    kind: str
    applied: bool
    summary: dict[str, int]
    rows: list[AdminImportRowOut]
