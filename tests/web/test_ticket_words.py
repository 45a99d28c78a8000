"""The ticket page speaks in words: for every role, on a ticket holding every event kind, no
profile key (status, level, queue, severity, form field, target) and no snake_case identifier
appears in the text a person reads."""

from __future__ import annotations

import html
import re

from django.test import Client

from tests.conftest import Desk
from tests.web.test_every_event_kind import _every_kind
from tierdesk import profiles
from tierdesk.persistence.models import Ticket, User

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def visible_text(page: str) -> str:
    """What a reader sees: the body without scripts, styles, tags or attributes."""
    body = page[page.find("<body") :]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    body = re.sub(r"<[^>]*>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


def profile_keys(name: str) -> set[str]:
    profile = profiles.for_ticket(name)
    keys = set(profile.statuses) | set(profile.levels) | set(profile.queues)
    keys |= set(profile.severities) | {f.key for f in profile.form}
    for severity in profile.severities.values():
        keys |= set(severity.targets)
    # A key that is also an ordinary word in its own label ("new", "open", "high") is not a leak.
    labels = " ".join(
        str(x.label).lower()
        for table in (profile.statuses, profile.levels, profile.queues, profile.severities)
        for x in table.values()
    )
    return {k for k in keys if k.lower() not in labels.split()}


def _page(user: User, number: str, language: str = "en") -> str:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(f"/tickets/{number}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (user.username, response.status_code)
    return response.content.decode()


def test_the_ticket_page_shows_no_key_to_any_role(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    ticket = _every_kind(desk, fixed_clock)
    keys = profile_keys(ticket.profile)
    assert {"l1", "on_hold", "first_response"} <= keys  # the check has teeth
    assert SNAKE.findall(visible_text("<body><p title='x_y'>share_met</p></body>")) == ["share_met"]
    readers = [desk.north_user, desk.north_admin, desk.l1, desk.manager, desk.admin, desk.vendor]
    voicemail = Ticket.objects.get(channel="phone").number
    for user in readers:
        for language, number in (("en", ticket.number), ("de", ticket.number), ("de", voicemail)):
            if user == desk.vendor and number == voicemail:
                continue  # never handed to the supplier
            text = visible_text(_page(user, number, language))
            assert number in text
            snake = sorted(set(SNAKE.findall(text)))
            assert not snake, (user.username, language, snake)
            words = set(re.findall(r"[A-Za-z0-9_]+", text))
            leaked = sorted(k for k in keys if k in words)
            assert not leaked, (user.username, language, leaked)
