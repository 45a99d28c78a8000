"""The public status page, and the desk's forms to declare incidents and announce maintenance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk import clock, refusals
from tierdesk.actions import status as act
from tierdesk.domain.errors import DomainError
from tierdesk.domain.instants import read_instant
from tierdesk.persistence.models import INCIDENT_STATES, SERVICE_STATES, Service
from tierdesk.queries.kb import is_author
from tierdesk.queries.status import status_page
from tierdesk.web.roles import signed_in


def _zone_instant(text: str) -> datetime | None:
    """A datetime-local field, read in the writer's zone (theirs, else the desk's)."""
    return read_instant(text, timezone.get_current_timezone())


def page(
    request: HttpRequest, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    staff = is_author(request.user)
    found = status_page(clock.now())
    context = {
        "page": found,
        "staff": staff,
        "services": Service.objects.all(),
        "impacts": [s for s in SERVICE_STATES if s[0] != "operational"],
        "incident_states": INCIDENT_STATES,
        "errors": errors or {},
        "typed": request.POST if errors else {},
    }
    if staff:
        context["during"] = {
            i.pk: act.tickets_during(signed_in(request), i)
            for i in found.incidents
            if i.resolved_at is None
        }
    return render(request, "tierdesk/status.html", context, status=status)


def _run(request: HttpRequest, work: Callable[[], object]) -> HttpResponse:
    if not is_author(request.user):
        raise Http404("no such page")
    try:
        work()
    except DomainError as exc:
        return page(
            request, errors=refusals.fields(exc) or {"general": refusals.message(exc)}, status=400
        )
    return redirect("status")


@login_required
@require_POST
def declare(request: HttpRequest) -> HttpResponse:
    p = request.POST
    return _run(
        request,
        lambda: act.open_incident(
            actor=signed_in(request),
            title=p.get("title", ""),
            services=p.getlist("services"),
            impact=p.get("impact", ""),
            message=p.get("message", ""),
            now=clock.now(),
        ),
    )


@login_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _run(
        request,
        lambda: act.update_incident(
            actor=signed_in(request),
            incident_id=pk,
            state=p.get("state", ""),
            message=p.get("message", ""),
            notify=p.get("notify") == "1",
            now=clock.now(),
        ),
    )


@login_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    numbers = request.POST.getlist("tickets")
    return _run(
        request,
        lambda: act.link_tickets(
            actor=signed_in(request), incident_id=pk, numbers=numbers, now=clock.now()
        ),
    )


@login_required
@require_POST
def link_mine(request: HttpRequest, number: str) -> HttpResponse:
    """A partner links its own ticket to a current incident, from the ticket page."""
    try:
        incident = int(request.POST.get("incident", ""))
        act.link_tickets(
            actor=signed_in(request), incident_id=incident, numbers=[number], now=clock.now()
        )
    except (ValueError, DomainError) as exc:
        raise Http404("no such incident") from exc
    return redirect("ticket", number=number)


@login_required
@require_POST
def announce(request: HttpRequest) -> HttpResponse:
    if not is_author(request.user):  # before anything typed is read
        raise Http404("no such page")
    p = request.POST
    starts, ends = _zone_instant(p.get("starts_at", "")), _zone_instant(p.get("ends_at", ""))
    if starts is None or ends is None:
        fields = {
            k: str(_("is not a date and time"))
            for k, v in (("starts_at", starts), ("ends_at", ends))
            if v is None
        }
        return page(request, errors=fields, status=400)
    return _run(
        request,
        lambda: act.plan_maintenance(
            actor=signed_in(request),
            title=p.get("title", ""),
            services=p.getlist("services"),
            starts_at=starts,
            ends_at=ends,
            description=p.get("description", ""),
            now=clock.now(),
        ),
    )
