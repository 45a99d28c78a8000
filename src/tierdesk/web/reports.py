"""The reports page: the period's figures with server-rendered SVG charts, and CSV export."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tierdesk import clock, profiles
from tierdesk.domain.errors import Invalid
from tierdesk.queries import reports

BAR_WIDTH = 420


def _dates(request: HttpRequest) -> tuple[date, date, dict[str, str]]:
    today = clock.now().date()
    errors = {}
    try:
        start = date.fromisoformat(
            request.GET.get("from") or (today - timedelta(days=30)).isoformat()
        )
    except ValueError:
        errors["from"] = "is not a date such as 2026-01-31"
        start = today - timedelta(days=30)
    try:
        end = date.fromisoformat(request.GET.get("to") or today.isoformat())
    except ValueError:
        errors["to"] = "is not a date such as 2026-01-31"
        end = today
    if end < start and not errors:
        errors["to"] = "must not be before from"
    return start, end, errors


def _bars(
    rows: list[dict[str, Any]], label: str, value: str, *, share: bool = False
) -> list[dict[str, Any]]:
    top = 1.0 if share else max([r[value] or 0 for r in rows] + [1])
    return [
        {
            "label": label.format(**r),
            "value": r[value],
            "text": "no finished targets"
            if r[value] is None
            else (f"{r[value] * 100:.1f} %" if share else str(r[value])),
            "width": round(BAR_WIDTH * (r[value] or 0) / top, 1),
            "y": i * 26,
            "text_x": round(BAR_WIDTH * (r[value] or 0) / top, 1) + 206,
            "short": r.get("meets_performance_target") is False,
        }
        for i, r in enumerate(rows)
    ]


def _tables(
    sections: dict[str, list[dict[str, Any]]],
) -> list[tuple[str, list[str], list[list[Any]]]]:
    out = []
    for name, rows in sections.items():
        columns = list(dict.fromkeys(k for r in rows for k in r))
        out.append((name.replace("_", " "), columns, [[r.get(c) for c in columns] for r in rows]))
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
        "tables": _tables(sections), "profile": profile,
        "compliance_bars": _bars(compliance, "{severity} · {target}", "share_met", share=True),
        "volume_bars": _bars(opened, "{period} · " + "{" + by + "}", "opened"),
        "bar_width": BAR_WIDTH,
        "compliance_height": 26 * len(compliance) + 8,
        "volume_height": 26 * len(opened) + 8,
    }  # fmt: skip
    return render(request, "tierdesk/reports.html", context, status=400 if errors else 200)
