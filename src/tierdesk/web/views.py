"""Page views: thin, reading through tierdesk.queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tierdesk import profiles
from tierdesk.api.errors import error_response
from tierdesk.queries.tickets import TicketFilter, list_tickets


@login_required
def home(request: HttpRequest) -> HttpResponse:
    page = list_tickets(request.user, filters=TicketFilter(), limit=50)
    profile = profiles.active()
    return render(
        request,
        "tierdesk/home.html",
        {"tickets": page.items, "profile": profile, "statuses": profile.statuses},
    )


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(
            404, "not_found", f"no such endpoint: {request.method} {request.path}"
        )
    return render(request, "tierdesk/error.html", {"title": "Not found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(
            500, "server_error", "the desk failed to answer; the error has been logged"
        )
    return render(request, "tierdesk/error.html", {"title": "Something went wrong"}, status=500)
