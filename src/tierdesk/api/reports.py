"""Report endpoints: the whole report or one section, and the what-if, over the caller's tickets."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from tierdesk import clock, profiles
from tierdesk.api.auth import actor
from tierdesk.api.schemas import ErrorOut
from tierdesk.domain.errors import Forbidden, Invalid
from tierdesk.domain.profiles import ProfileError
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


def _reader(request: HttpRequest) -> Any:
    user = actor(request)
    if not reports.may_read(user):
        raise Forbidden("reports are for the provider's staff and partner administrators")
    return user


@router.get(
    "/reports",
    response={200: dict[str, Any], **ERRORS},
    summary="The report for a period (business time)",
)
def report(request: HttpRequest, params: Query[PeriodQuery]) -> Any:
    user = _reader(request)
    from_, to, by, every = params.from_, params.to, params.by, params.every
    found = reports.full_report(
        user, reports.Period.of_days(from_, to), profiles.active(), clock.now(), by=by, every=every
    )
    return {"from": from_, "to": to, "profile": profiles.active().name, "sections": found.sections}


@router.get(
    "/reports/what-if",
    response={200: dict[str, Any], **ERRORS},
    summary="Compliance replayed under another shipped profile",
)
def replay(request: HttpRequest, params: Query[WhatIfQuery]) -> Any:
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
    return {
        "from": from_,
        "to": to,
        "current": current.name,
        "other": other.name,
        "tickets": mine.tickets,
        "rows": what_if.side_by_side(current, other, mine, theirs),
    }


@router.get(
    "/reports/supplier-what-if",
    response={200: dict[str, Any], **ERRORS},
    summary="A supplier's hand-offs measured on another supplier's terms (provider)",
)
def supplier_what_if(request: HttpRequest, params: Query[SupplierWhatIfQuery]) -> Any:
    user = _reader(request)
    rows = supplier_reports.what_if(
        user,
        reports.Period.of_days(params.from_, params.to),
        profiles.active(),
        clock.now(),
        supplier=params.supplier,
        as_if=params.as_if,
    )
    return {"from": params.from_, "to": params.to, "rows": rows}
