"""The quarantine page: agents list, read and process again the mail intake could not place."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tierdesk import clock
from tierdesk.domain.parties import Role, sees_internal
from tierdesk.intake.mail import process
from tierdesk.persistence.models import InboundMessage


def _staff(request: HttpRequest) -> None:
    user = request.user
    role = getattr(user, "role", "")
    if not role or not sees_internal(Role(role)):
        raise Http404("no such page")


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    _staff(request)
    held = InboundMessage.objects.filter(outcome=InboundMessage.QUARANTINED).order_by(
        "-received_at"
    )[:200]
    return render(request, "tierdesk/quarantine.html", {"messages_held": held})


@login_required
def held_message(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    message = InboundMessage.objects.filter(pk=pk, outcome=InboundMessage.QUARANTINED).first()
    if message is None:
        raise Http404("no such message in quarantine")
    raw = bytes(message.raw)
    return render(
        request,
        "tierdesk/held_message.html",
        {
            "message": message,
            "raw": raw[:200_000].decode("utf-8", "replace"),
            "truncated": len(raw) > 200_000,
        },
    )


@login_required
@require_POST
def reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    message = InboundMessage.objects.filter(pk=pk, outcome=InboundMessage.QUARANTINED).first()
    if message is None:
        raise Http404("no such message in quarantine")
    result = process(message, now=clock.now())
    request.session["quarantine_result"] = f"{result.outcome}: {result.reason}"
    return redirect("quarantine")
