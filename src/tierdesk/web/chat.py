"""The desk's side of the chat: the waiting chats (a fragment the desk page refreshes when its
live socket says the queues changed) and taking one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tierdesk import clock
from tierdesk.actions import chat as act
from tierdesk.domain.errors import DomainError
from tierdesk.queries import chat as q
from tierdesk.web.desk import _staff


def waiting(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    now = clock.now()
    chats = [
        {"ticket": t, "minutes": max(0, int((now - t.opened_at).total_seconds() // 60))}
        for t in q.waiting_chats(user)[:50]
    ]
    return render(request, "tierdesk/chat/waiting.html", {"chats": chats, "count": len(chats)})


@require_POST
def take(request: HttpRequest, number: str) -> HttpResponse:
    user = _staff(request)
    try:
        act.take(actor=user, number=number, now=clock.now())
    except DomainError:
        return redirect("desk")  # taken by someone else meanwhile, or no longer visible
    return redirect("ticket", number=number)
