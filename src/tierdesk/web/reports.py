"""The reports page: the period's figures with server-rendered SVG charts, and CSV export."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierdesk import clock, profiles, refusals
from tierdesk.domain.errors import Invalid
from tierdesk.domain.parties import Role
from tierdesk.domain.profiles import Profile
from tierdesk.queries import reports, supplier_reports
from tierdesk.web import words
from tierdesk.web.roles import signed_in
from tierdesk.web.words import CHANNELS

BAR_WIDTH = 420


def _dates(request: HttpRequest) -> tuple[date, date, dict[str, str]]:
    today = clock.now().date()
    errors = {}
    try:
        start = date.fromisoformat(
            request.GET.get("from") or (today - timedelta(days=30)).isoformat()
        )
    except ValueError:
        errors["from"] = _("is not a date such as 2026-01-31")
        start = today - timedelta(days=30)
    try:
        end = date.fromisoformat(request.GET.get("to") or today.isoformat())
    except ValueError:
        errors["to"] = _("is not a date such as 2026-01-31")
        end = today
    if end < start and not errors:
        errors["to"] = _("must not be before the first day")
    return start, end, errors


def _bars(
    rows: list[dict[str, Any]],
    label: Callable[[dict[str, Any]], str],
    value: str,
    *,
    share: bool = False,
) -> list[dict[str, Any]]:
    top = 1.0 if share else max([r[value] or 0 for r in rows] + [1])
    return [
        {
            "label": label(r),
            "value": r[value],
            "text": _("no finished targets")
            if r[value] is None
            else (f"{number_format(r[value] * 100, 1)} %" if share else str(r[value])),
            "width": round(BAR_WIDTH * (r[value] or 0) / top, 1),
            "y": i * 26,
            "text_x": round(BAR_WIDTH * (r[value] or 0) / top, 1) + 206,
            "short": r.get("meets_performance_target") is False,
        }
        for i, r in enumerate(rows)
    ]


SECTIONS = {
    "volume": gettext_lazy("Volume"),
    "backlog": gettext_lazy("Backlog"),
    "compliance": gettext_lazy("SLA compliance"),
    "time_in_status": gettext_lazy("Time in each status"),
    "time_at_level": gettext_lazy("Time at each level"),
    "escalations": gettext_lazy("Escalations"),
    "reopens": gettext_lazy("Reopens"),
    "rejections": gettext_lazy("Rejections"),
    "deflections": gettext_lazy("Deflections"),
    "suppliers": gettext_lazy("Suppliers"),
}
COLUMNS = {
    "period": gettext_lazy("Period"),
    "severity": gettext_lazy("Severity"),
    "level": gettext_lazy("Level"),
    "queue": gettext_lazy("Queue"),
    "status": gettext_lazy("Status"),
    "partner": gettext_lazy("Partner"),
    "channel": gettext_lazy("Channel"),
    "opened": gettext_lazy("Opened"),
    "resolved": gettext_lazy("Resolved"),
    "closed": gettext_lazy("Closed"),
    "in_progress": gettext_lazy("In progress at the end"),
    "age": gettext_lazy("Age"),
    "open": gettext_lazy("Open"),
    "target": gettext_lazy("Target"),
    "kind": gettext_lazy("Kind"),
    "tickets": gettext_lazy("Tickets"),
    "met": gettext_lazy("Met"),
    "breached": gettext_lazy("Breached"),
    "pending": gettext_lazy("Pending"),
    "share_met": gettext_lazy("Share met"),
    "performance_target": gettext_lazy("Performance target"),
    "meets_performance_target": gettext_lazy("Meets the performance target"),
    "median_hours": gettext_lazy("Median (hours)"),
    "p90_hours": gettext_lazy("90th percentile (hours)"),
    "mean_hours": gettext_lazy("Mean (hours)"),
    "spans": gettext_lazy("Stretches"),
    "total_hours": gettext_lazy("Total (hours)"),
    "to": gettext_lazy("To"),
    "count": gettext_lazy("Count"),
    "reopened": gettext_lazy("Reopened"),
    "reopen_rate": gettext_lazy("Reopen rate"),
    "reason": gettext_lazy("Reason"),
    "suggested_opened": gettext_lazy("Suggested articles opened"),
    "deflected": gettext_lazy("Not followed by a ticket"),
    "deflection_rate": gettext_lazy("Deflection rate"),
    "supplier": gettext_lazy("Supplier"),
    "handoffs": gettext_lazy("Hand-offs"),
    "answered": gettext_lazy("Answered"),
    "returned": gettext_lazy("Returned"),
    "mean_response_hours": gettext_lazy("Mean response (their business hours)"),
    "mean_resolution_hours": gettext_lazy("Mean resolution (their business hours)"),
    "response_met": gettext_lazy("Response met"),
    "response_missed": gettext_lazy("Response missed"),
    "ola_met": gettext_lazy("OLA met"),
    "ola_breached": gettext_lazy("OLA breached"),
    "chases": gettext_lazy("Chases sent"),
}
KINDS = {
    "business": gettext_lazy("business time"),
    "calendar": gettext_lazy("calendar time"),
    "functional": gettext_lazy("to another level"),
    "management": gettext_lazy("to management"),
    "response": gettext_lazy("response"),
    "update": gettext_lazy("update"),
    "resolution": gettext_lazy("resolution"),
    "milestone": gettext_lazy("milestone"),
    "progress": gettext_lazy("progress report"),
}
AGES = {
    "under 1 day": gettext_lazy("under 1 day"),
    "1 to 3 days": gettext_lazy("1 to 3 days"),
    "3 to 7 days": gettext_lazy("3 to 7 days"),
    "7 to 30 days": gettext_lazy("7 to 30 days"),
    "over 30 days": gettext_lazy("over 30 days"),
}
SHARES = ("share_met", "performance_target", "reopen_rate", "deflection_rate")


def _cell(profile: Profile, column: str, value: Any) -> str:
    """A report figure as a person reads it: labels for keys, shares as percentages, yes/no."""
    if value is None or value == "":
        return "\u2013"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if column in SHARES and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    table = {"severity": "severities", "level": "levels", "queue": "queues", "status": "statuses"}
    if column in table:
        return words.label(profile, table[column], value)
    if column == "to" and str(value) in profile.levels:
        return words.label(profile, "levels", value)
    if column == "to" and value == "escalation matrix":
        return str(_("the escalation matrix"))
    if column == "target":
        return words.target_label(profile, value)
    if column == "reason":
        return words.label(profile, "invalid_reasons", value)
    if column == "kind" and str(value) in KINDS:
        return str(KINDS[str(value)])
    if column == "channel":
        return CHANNELS.get(str(value), lambda: str(value))()
    if column == "period" and value == "in progress at end":
        return str(gettext_lazy("in progress at the end"))
    if column == "age":
        return str(AGES.get(str(value), value))
    return str(value)


def _tables(
    sections: dict[str, list[dict[str, Any]]], profile: Profile
) -> list[tuple[str, list[str], list[list[Any]]]]:
    out = []
    for name, rows in sections.items():
        columns = list(dict.fromkeys(k for r in rows for k in r))
        heads = [str(COLUMNS.get(c, c.replace("_", " ").capitalize())) for c in columns]
        cells = [[_cell(profile, c, r.get(c)) for c in columns] for r in rows]
        out.append((str(SECTIONS.get(name, name.replace("_", " "))), heads, cells))
    return out


def _supplier_what_if(
    request: HttpRequest, start: date, end: date, profile: Profile, errors: dict[str, str]
) -> dict[str, Any] | None:
    """The supplier what-if for a provider manager or administrator: the period's hand-offs to
    one supplier as they went and on another's terms, from the API's query."""
    user = signed_in(request)
    if user.role not in (Role.MANAGER, Role.ADMINISTRATOR):
        return None
    handed, registered = supplier_reports.what_if_choices()
    supplier, as_if = request.GET.get("supplier", ""), request.GET.get("as_if", "")
    out: dict[str, Any] = {"suppliers": handed, "terms": registered, "supplier": supplier,
                           "as_if": as_if, "errors": {}, "rows": []}  # fmt: skip
    if "supplier" not in request.GET and "as_if" not in request.GET:
        return out
    if not supplier:
        out["errors"]["supplier"] = _("choose a supplier")
    if not as_if:
        out["errors"]["as_if"] = _("choose the terms to measure on")
    if out["errors"] or errors:
        return out
    try:
        rows = supplier_reports.what_if(
            user, reports.Period.of_days(start, end), profile, clock.now(),
            supplier=supplier, as_if=as_if,
        )  # fmt: skip
    except Invalid as exc:
        out["errors"] = refusals.fields(exc)
        return out
    names = dict(handed) | dict(registered)
    labels = [
        _("As they went"),
        _("On the terms of %(supplier)s") % {"supplier": names.get(as_if, as_if)},
    ]
    columns = [c for c in (rows[0] if rows else {}) if c not in ("supplier", "terms")]
    out["columns"] = [str(COLUMNS.get(c, c.replace("_", " ").capitalize())) for c in columns]
    out["rows"] = [
        [label, *(_cell(profile, c, r.get(c)) for c in columns)]
        for label, r in zip(labels, rows, strict=False)
    ]
    out["name"] = names.get(supplier, supplier)
    return out


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    if not reports.may_read(signed_in(request)):
        raise Http404("no such page")
    start, end, errors = _dates(request)
    by = request.GET.get("by", "severity")
    every = request.GET.get("every", "month")
    profile = profiles.active()
    sections: dict[str, list[dict[str, Any]]] = {}
    if not errors:
        try:
            sections = reports.full_report(
                signed_in(request),
                reports.Period.of_days(start, end),
                profile,
                clock.now(),
                by=by,
                every=every,
            ).sections
        except Invalid as exc:
            errors = refusals.fields(exc)
    if request.GET.get("format") == "csv" and not errors:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="tierdesk-report-{start}-{end}.csv"'
        )
        rows = [{"section": n, **r} for n, rs in sections.items() for r in rs]
        columns = list(dict.fromkeys(k for r in rows for k in r)) or ["section"]
        writer = csv.DictWriter(response, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return response
    supplier_what_if = _supplier_what_if(request, start, end, profile, errors)
    compliance = sections.get("compliance", [])
    opened = [r for r in sections.get("volume", []) if r.get("opened") is not None]
    context = {
        "start": start, "end": end, "by": by, "every": every, "errors": errors,
        "tables": _tables(sections, profile), "profile": profile,
        "compliance_bars": _bars(
            compliance,
            lambda r: f"{_cell(profile, 'severity', r['severity'])} · "
            f"{_cell(profile, 'target', r['target'])}",
            "share_met",
            share=True,
        ),
        "volume_bars": _bars(
            opened, lambda r: f"{r['period']} · {_cell(profile, by, r.get(by))}", "opened"
        ),
        "bar_width": BAR_WIDTH,
        "what_if": supplier_what_if,
        "compliance_height": 26 * len(compliance) + 8,
        "volume_height": 26 * len(opened) + 8,
    }  # fmt: skip
    failed = errors or (supplier_what_if is not None and supplier_what_if["errors"])
    return render(request, "tierdesk/reports.html", context, status=400 if failed else 200)
