"""Page views: thin, reading through tierdesk.queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tierdesk import clock, profiles
from tierdesk.domain.errors import Invalid
from tierdesk.queries.tickets import TicketFilter, list_tickets, stored_targets
from tierdesk.web import words as w
from tierdesk.web.roles import signed_in


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The organisation's tickets (for partners), or every ticket the viewer sees, with filters
    and search; the agent desk's queues are at /desk/."""
    profile = profiles.active()
    g = request.GET
    state = g.get("state", "open")
    statuses = None
    if state in ("open", "closed"):
        statuses = [k for k, s in profile.statuses.items() if s.is_open == (state == "open")]
    severity = g.get("severity", "")
    filters = TicketFilter(
        status=statuses,
        severity=[severity] if severity in profile.severities else None,
        search=g.get("q", "").strip()[:200] or None,
    )
    try:
        page = list_tickets(
            signed_in(request), filters=filters, limit=50, cursor=g.get("after") or None
        )
    except Invalid:
        page = list_tickets(signed_in(request), filters=filters, limit=50)
    zone = w.viewer_zone()
    now = clock.now()
    by_ticket = {t.pk: t for t in page.items}
    words: dict[int, list[str]] = {}
    for target in stored_targets(signed_in(request), page.items):
        ticket_profile = profiles.for_ticket(by_ticket[target.ticket_id].profile)
        line = w.stored_target(ticket_profile, target, now, zone)
        words.setdefault(target.ticket_id, []).append(line)
    rows = [(t, words.get(t.pk, [])) for t in page.items]
    context = {
        "rows": rows,
        "profile": profile,
        "state": state,
        "severity": severity,
        "q": g.get("q", ""),
        "next_cursor": page.next_cursor,
    }
    return render(request, "tierdesk/home.html", context)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "tierdesk/error.html", {"title": _("Not found")}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "tierdesk/error.html", {"title": _("Something went wrong")}, status=500)
