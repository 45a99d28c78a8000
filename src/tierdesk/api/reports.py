"""Report endpoints: the whole report or one section, and the what-if, over the caller's tickets."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import BaseModel, Field

from tierdesk import clock, profiles
from tierdesk.api.auth import actor
from tierdesk.api.schemas import ErrorOut
from tierdesk.domain.errors import Forbidden, Invalid
from tierdesk.domain.profiles import ProfileError
from tierdesk.persistence.models import User
from tierdesk.queries import reports, supplier_reports, what_if

router = Router(tags=["reports"])
ERRORS: dict[int, type[Schema]] = {c: ErrorOut for c in (400, 401, 403, 404, 422)}


class PeriodQuery(Schema):
    from_: date = Field(alias="from", description="first day (UTC)")
    to: date = Field(description="last day included (UTC)")
    by: str = "severity"
    every: str = "month"


class WhatIfQuery(Schema):
    from_: date = Field(alias="from")
    to: date
    profile: str = Field(max_length=64, description="a shipped profile's name")


class SupplierWhatIfQuery(Schema):
    from_: date = Field(alias="from")
    to: date
    supplier: str = Field(max_length=80, description="the supplier whose hand-offs are replayed")
    as_if: str = Field(max_length=80, description="the supplier whose terms they are measured on")


# The report's sections, one row shape each (`queries/reports.py`). Figures that cannot be
# computed (a share of no tickets) are null. Plain pydantic models: a row built from a dict knows
# which of its fields it was given, so a volume row names only its own group.


class VolumeRowOut(BaseModel):
    period: str = Field(description="the first day of the period, or 'in progress at end'")
    severity: str | None = Field(None, description="the group, when `by=severity`")
    level: str | None = Field(None, description="the group, when `by=level`")
    queue: str | None = Field(None, description="the group, when `by=queue`")
    partner: str | None = Field(None, description="the group, when `by=partner`")
    channel: str | None = Field(None, description="the group, when `by=channel`")
    opened: int | None
    resolved: int | None
    closed: int | None
    in_progress: int | None = Field(None, description="only on the 'in progress at end' rows")


class BacklogRowOut(BaseModel):
    age: str
    severity: str
    open: int


class ComplianceRowOut(BaseModel):
    severity: str
    target: str
    kind: str
    tickets: int
    met: int
    breached: int
    pending: int
    share_met: float | None
    performance_target: float | None
    meets_performance_target: bool | None
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None


class TimeInStatusRowOut(BaseModel):
    status: str
    spans: int
    total_hours: float | None
    mean_hours: float | None


class TimeAtLevelRowOut(BaseModel):
    level: str
    spans: int
    total_hours: float | None
    mean_hours: float | None


class EscalationRowOut(BaseModel):
    kind: str = Field(description="functional (to another level) or management")
    to: str
    count: int


class ReopenRowOut(BaseModel):
    resolved: int
    reopened: int
    reopen_rate: float | None


class RejectionRowOut(BaseModel):
    reason: str | None
    count: int


class DeflectionRowOut(BaseModel):
    suggested_opened: int
    deflected: int
    deflection_rate: float | None


class SupplierRowOut(BaseModel):
    supplier: str
    terms: str | None = Field(None, description="what-if only: 'as recorded' or the other terms")
    handoffs: int
    answered: int
    returned: int
    mean_response_hours: float | None
    mean_resolution_hours: float | None
    response_met: int
    response_missed: int
    ola_met: int
    ola_breached: int
    chases: int


class ReportSectionsOut(BaseModel):
    volume: list[VolumeRowOut]
    backlog: list[BacklogRowOut]
    compliance: list[ComplianceRowOut]
    time_in_status: list[TimeInStatusRowOut]
    time_at_level: list[TimeAtLevelRowOut]
    escalations: list[EscalationRowOut]
    reopens: list[ReopenRowOut]
    rejections: list[RejectionRowOut]
    deflections: list[DeflectionRowOut]
    suppliers: list[SupplierRowOut] = Field(description="empty for a partner administrator")


class ReportOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    profile: str
    sections: ReportSectionsOut


class WhatIfRowOut(BaseModel):
    severity: str | None = Field(description="null: a target only the other profile has")
    other_severity: str
    target: str
    current_met: int | None
    current_breached: int | None
    current_share_met: float | None
    other_met: int
    other_breached: int
    other_share_met: float | None


class WhatIfOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    current: str
    other: str
    tickets: int
    rows: list[WhatIfRowOut]


class SupplierWhatIfOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    rows: list[SupplierRowOut]


def _reader(request: HttpRequest) -> User:
    user = actor(request)
    if not reports.may_read(user):
        raise Forbidden("reports are for the provider's staff and partner administrators")
    return user


@router.get(
    "/reports",
    response={200: ReportOut, **ERRORS},
    summary="The report for a period (business time)",
    by_alias=True,
    exclude_unset=True,  # a row leaves out what does not apply to it (another group)
)
def report(request: HttpRequest, params: Query[PeriodQuery]) -> ReportOut:
    user = _reader(request)
    from_, to, by, every = params.from_, params.to, params.by, params.every
    found = reports.full_report(
        user, reports.Period.of_days(from_, to), profiles.active(), clock.now(), by=by, every=every
    )
    return ReportOut.model_validate(
        {
            "from": from_,
            "to": to,
            "profile": profiles.active().name,
            "sections": ReportSectionsOut.model_validate(found.sections),
        }
    )


@router.get(
    "/reports/what-if",
    response={200: WhatIfOut, **ERRORS},
    summary="Compliance replayed under another shipped profile",
    by_alias=True,
    exclude_unset=True,  # a row leaves out what does not apply to it (another group)
)
def replay(request: HttpRequest, params: Query[WhatIfQuery]) -> WhatIfOut:
    user = _reader(request)
    from_, to, profile = params.from_, params.to, params.profile
    if profile not in profiles.builtin_names():
        raise Invalid(
            "unknown profile",
            fields={"profile": "expected one of " + ", ".join(profiles.builtin_names())},
        )
    try:
        other = profiles.load(profile)
    except ProfileError as exc:  # pragma: no cover - shipped profiles are checked by the tests
        raise Invalid("the profile does not load", fields={"profile": str(exc)}) from exc
    current = profiles.active()
    mine, theirs = what_if.compare(
        user, reports.Period.of_days(from_, to), settings.TIERDESK["PROFILE"], profile, clock.now()
    )
    return WhatIfOut.model_validate(
        {
            "from": from_,
            "to": to,
            "current": current.name,
            "other": other.name,
            "tickets": mine.tickets,
            "rows": what_if.side_by_side(current, other, mine, theirs),
        }
    )


@router.get(
    "/reports/supplier-what-if",
    response={200: SupplierWhatIfOut, **ERRORS},
    summary="A supplier's hand-offs measured on another supplier's terms (provider)",
    by_alias=True,
    exclude_unset=True,  # a row leaves out what does not apply to it (another group)
)
def supplier_what_if(request: HttpRequest, params: Query[SupplierWhatIfQuery]) -> SupplierWhatIfOut:
    user = _reader(request)
    rows = supplier_reports.what_if(
        user,
        reports.Period.of_days(params.from_, params.to),
        profiles.active(),
        clock.now(),
        supplier=params.supplier,
        as_if=params.as_if,
    )
    return SupplierWhatIfOut.model_validate({"from": params.from_, "to": params.to, "rows": rows})
