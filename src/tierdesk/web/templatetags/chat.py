"""`{% chat_window %}`: the portal's chat window for a signed-in partner user, where the profile
offers a chat (`[chat]`); nothing for anyone else."""

from __future__ import annotations

from typing import Any

from django import template

from tierdesk import clock
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.persistence.models import User
from tierdesk.queries import chat as q

register = template.Library()


@register.inclusion_tag("tierdesk/chat/window.html", takes_context=True)
def chat_window(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    profile = q.offered()
    if (
        profile is None
        or not isinstance(user, User)
        or not user.role
        or party_of(Role(user.role)) is not Party.REQUESTER
    ):
        return {"offered": False}
    now = clock.now()
    current = q.current_chat(user)
    if not q.within_hours(profile, now):
        state = "closed"
    elif q.available_agent(profile, now) is None:
        state = "busy"
    else:
        state = "open"
    return {
        "offered": True,
        "state": state,
        "number": current.number if current is not None and current.chat.live else "",
        "csrf_token": context.get("csrf_token"),
    }
