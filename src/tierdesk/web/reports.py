"""The reports page: the period's figures with server-rendered SVG charts, and CSV export."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from tierdesk import clock, profiles
from tierdesk.domain.errors import Invalid
from tierdesk.domain.profiles import Profile
from tierdesk.queries import reports
from tierdesk.web import words
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
            else (f"{r[value] * 100:.1f} %" if share else str(r[value])),
            "width": round(BAR_WIDTH * (r[value] or 0) / top, 1),
            "y": i * 26,
            "text_x": round(BAR_WIDTH * (r[value] or 0) / top, 1) + 206,
            "short": r.get("meets_performance_target") is False,
        }
        for i, r in enumerate(rows)
    ]


SECTIONS = {
    "volume": _l("Volume"),
    "backlog": _l("Backlog"),
    "compliance": _l("SLA compliance"),
    "time_in_status": _l("Time in each status"),
    "time_at_level": _l("Time at each level"),
    "escalations": _l("Escalations"),
    "reopens": _l("Reopens"),
    "rejections": _l("Rejections"),
    "deflections": _l("Deflections"),
}
COLUMNS = {
    "period": _l("Period"),
    "severity": _l("Severity"),
    "level": _l("Level"),
    "queue": _l("Queue"),
    "status": _l("Status"),
    "partner": _l("Partner"),
    "channel": _l("Channel"),
    "opened": _l("Opened"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "in_progress": _l("In progress at the end"),
    "age": _l("Age"),
    "open": _l("Open"),
    "target": _l("Target"),
    "kind": _l("Kind"),
    "tickets": _l("Tickets"),
    "met": _l("Met"),
    "breached": _l("Breached"),
    "pending": _l("Pending"),
    "share_met": _l("Share met"),
    "performance_target": _l("Performance target"),
    "meets_performance_target": _l("Meets the performance target"),
    "median_hours": _l("Median (hours)"),
    "p90_hours": _l("90th percentile (hours)"),
    "mean_hours": _l("Mean (hours)"),
    "spans": _l("Stretches"),
    "total_hours": _l("Total (hours)"),
    "to": _l("To"),
    "count": _l("Count"),
    "reopened": _l("Reopened"),
    "reopen_rate": _l("Reopen rate"),
    "reason": _l("Reason"),
    "suggested_opened": _l("Suggested articles opened"),
    "deflected": _l("Not followed by a ticket"),
    "deflection_rate": _l("Deflection rate"),
}
KINDS = {
    "business": _l("business time"),
    "calendar": _l("calendar time"),
    "functional": _l("to another level"),
    "management": _l("to management"),
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
    if column == "age":
        return str(value)
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


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    if not reports.may_read(request.user):
        raise Http404("no such page")
    start, end, errors = _dates(request)
    by = request.GET.get("by", "severity")
    every = request.GET.get("every", "month")
    profile = profiles.active()
    sections: dict[str, list[dict[str, Any]]] = {}
    if not errors:
        try:
            sections = reports.full_report(
                request.user,
                reports.Period.of_days(start, end),
                profile,
                clock.now(),
                by=by,
                every=every,
            ).sections
        except Invalid as exc:
            errors = exc.fields
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
        "compliance_height": 26 * len(compliance) + 8,
        "volume_height": 26 * len(opened) + 8,
    }  # fmt: skip
    return render(request, "tierdesk/reports.html", context, status=400 if errors else 200)
