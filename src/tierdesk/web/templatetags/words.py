"""Template filters for the desk's keys: `{{ ticket|label:"statuses" }}` shows the profile's
label (of the profile the ticket runs under), never the key."""

from __future__ import annotations

from typing import Any

from django import template

from tierdesk import profiles
from tierdesk.web import words
from tierdesk.web.timeline import when

register = template.Library()


@register.filter
def label(ticket: Any, table: str) -> str:
    """The label of the ticket's status, level, queue or severity: `table` names the profile's
    table (statuses, levels, queues, severities)."""
    column = {"statuses": "status", "levels": "level", "queues": "queue", "severities": "severity"}
    profile = profiles.for_ticket(getattr(ticket, "profile", "") or profiles.active().name)
    return words.label(profile, table, getattr(ticket, column[table], ""))


@register.filter
def key_label(key: Any, table: str) -> str:
    """The active profile's label for a bare key (a filter's value, a report row)."""
    return words.label(profiles.active(), table, key)


@register.filter
def moment(value: Any) -> str:
    """An instant in the page's one zone (the viewer's, else the desk's), the zone named."""
    return when(value, words.viewer_zone())


@register.filter
def role_label(user: Any) -> str:
    """A person's role in the viewer's language; an agent's with its levels' labels."""
    from tierdesk.domain.parties import Role
    from tierdesk.web.admin_forms import ROLE_LABELS

    try:
        role = Role(getattr(user, "role", ""))
    except ValueError:
        return ""
    text = str(ROLE_LABELS[role])
    if role is Role.AGENT:
        profile = profiles.active()
        levels = [words.label(profile, "levels", k) for k in user.level_keys()]
        if levels:
            text += ": " + ", ".join(levels)
    return text


@register.simple_tag
def language_codes() -> list[str]:
    """The desk's languages, each to be named in itself (Deutsch, Français), not translated."""
    from django.conf import settings

    return [code for code, _ in settings.LANGUAGES]
