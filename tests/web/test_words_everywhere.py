"""Every page a person reads, for every role that may open it, in English and German: no profile
key (status, level, queue, severity, form field, target) and no snake_case identifier in the
visible text; and every notification the desk writes the same. User-entered content (subjects,
bodies, names) and ticket numbers are the reader's own words and are not checked."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Desk
from tests.web.test_every_event_kind import _every_kind
from tests.web.test_ticket_words import SNAKE, visible_text
from tierdesk import clock, profiles
from tierdesk.actions import kb as kb_actions
from tierdesk.actions import organisations as orgs
from tierdesk.actions import suppliers as sup
from tierdesk.intake.mail import ingest
from tierdesk.persistence.models import Notification, Ticket, User

# Snake-case-looking words that are no key: none so far. Add with a reason.
ALLOWED: set[str] = set()
# Keys that are also ordinary English words of the desk's own phrases ("the desk's time zone"
# is not the calendar key `desk`).
ORDINARY = {"desk"}


def _client(user: User | None, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def _world(desk: Desk, fixed_clock: Any) -> dict[str, Any]:
    """A desk with something on every page: a ticket with every event kind, an article, held mail,
    support terms and a subscription."""
    ticket = _every_kind(desk, fixed_clock)
    now = clock.now()
    article = kb_actions.write_article(
        actor=desk.l1, title="Resetting a mailbox password", body="Open the panel.", now=now
    )
    kb_actions.publish(actor=desk.l1, slug=article.slug, now=now)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "new.person@example.com",
        "support@democloud.example.com",
        "Panel down",
    )
    msg.set_content("Our customer cannot log in to the panel since this morning, please help.")
    held = ingest(msg.as_bytes(), source="smtp", now=now)
    sup.set_terms(
        actor=desk.admin,
        supplier=desk.supplier,
        now=now,
        changes={"method": "email", "contact": "help@vendor.example", "ola_target": "4h"},
    )
    orgs.add_subscription(
        actor=desk.admin, account=desk.acme, reference="SUB-9", product="Mail", now=now
    )
    return {"ticket": ticket, "article": article.slug, "held": held.message}


def pages(desk: Desk, world: dict[str, Any]) -> dict[str, list[str]]:
    """Each role's pages (username -> paths)."""
    number = world["ticket"].number
    common = ["/", f"/tickets/{number}/", "/kb/", f"/kb/{world['article']}/", "/status/"]
    common.append("/account/")
    staff = [
        "/desk/",
        "/desk/?mine=1",
        "/desk/?level=l2",
        "/desk/phone/",
        "/reports/",
        "/reports/?from=2026-03-01&to=2026-03-31&by=level",
        "/desk/quarantine/",
        f"/desk/quarantine/{world['held']}/",
        "/kb/new/",
        f"/kb/{world['article']}/edit",
    ]
    admin = [
        "/administration/",
        "/administration/profile/",
        "/administration/partners/",
        "/administration/partners/new/",
        f"/administration/partners/{desk.north.slug}/",
        f"/administration/accounts/{desk.acme.slug}/",
        f"/administration/organisations/{desk.north.slug}/state",
        f"/administration/organisations/{desk.north.slug}/people/new/",
        "/administration/suppliers/",
        "/administration/suppliers/new/",
        f"/administration/suppliers/{desk.supplier.slug}/",
        "/administration/staff/",
        "/administration/staff/new/",
        f"/administration/people/{desk.l2.username}/",
        f"/administration/people/{desk.l2.username}/state",
        "/administration/tokens/",
        "/administration/changes/",
        "/administration/import/",
    ]
    return {
        desk.north_user.username: [*common, "/tickets/new/"],
        desk.north_admin.username: [*common, "/tickets/new/", "/organisation/"],
        desk.l1.username: [*common, *staff],
        desk.l2.username: [*common, "/desk/"],
        desk.manager.username: [*common, *staff, "/administration/profile/"],
        desk.admin.username: [*common, *staff, *admin],
        desk.vendor.username: ["/", f"/tickets/{number}/", "/kb/", "/status/", "/account/"],
    }


ANONYMOUS = ["/login/", "/register/", "/password-reset/", "/kb/", "/status/"]


def profile_keys(name: str) -> set[str]:
    """The profile's keys a reader must never see, less those that are ordinary words of its own
    labels ("open", "high", "account", "resolution")."""
    profile = profiles.for_ticket(name)
    keys = set(profile.statuses) | set(profile.levels) | set(profile.queues)
    keys |= set(profile.severities) | {f.key for f in profile.form} | set(profile.calendars)
    labels = [str(f.label) for f in profile.form]
    for table in (profile.statuses, profile.levels, profile.queues, profile.severities):
        labels += [str(x.label) for x in table.values()]
    for severity in profile.severities.values():
        keys |= set(severity.targets)
        labels += [str(t.label) for t in severity.targets.values()]
    words = set(re.findall(r"[a-z0-9_]+", " ".join(labels).lower()))
    return {k for k in keys if k.lower() not in words}


def page_text(page: str) -> str:
    """The visible text less what is shown as code on purpose (a CSV column, a profile key next
    to its label on the profile page, a token): identifiers a person types."""
    return visible_text(re.sub(r"<code\b.*?</code>", " ", page, flags=re.S))


def _leaks(text: str, keys: set[str], own: set[str]) -> list[str]:
    for word in own:  # the reader's own words are theirs
        text = text.replace(word, " ")
    text = re.sub(r"\S+@\S+", " ", text)  # e-mail addresses are addresses
    keys = keys - ORDINARY
    snake = {s for s in SNAKE.findall(text) if s not in ALLOWED}
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    return sorted(snake | {k for k in keys if k in words})


def _own_words(desk: Desk) -> set[str]:
    """Usernames and e-mail addresses: chosen by people, shown as they wrote them."""
    users = User.objects.all()
    return {u.email for u in users} | {u.username for u in users}


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_page_shows_a_key_to_any_role(desk: Desk, fixed_clock: Any, language: str) -> None:
    world = _world(desk, fixed_clock)
    keys = profile_keys(world["ticket"].profile)
    own = _own_words(desk)
    users = {u.username: u for u in User.objects.all()}
    found: list[tuple[str, str, list[str]]] = []
    for username, paths in pages(desk, world).items():
        client = _client(users[username], language)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (username, path, response.status_code)
            leaked = _leaks(page_text(response.content.decode()), keys, own)
            if leaked:
                found.append((username, path, leaked))
    for path in ANONYMOUS:
        response = _client(None, language).get(path)
        assert response.status_code == 200, (path, response.status_code)
        leaked = _leaks(page_text(response.content.decode()), keys, own)
        if leaked:
            found.append(("anonymous", path, leaked))
    assert not found, "\n".join(f"{u} {p}: {w}" for u, p, w in found)


def test_no_notification_shows_a_key(desk: Desk, fixed_clock: Any) -> None:
    ticket = _every_kind(desk, fixed_clock)
    keys = profile_keys(ticket.profile)
    own = _own_words(desk)
    numbers = set(Ticket.objects.values_list("number", flat=True))
    found = []
    for n in Notification.objects.all():
        text = f"{n.subject}\n{n.body}"
        for number in numbers:
            text = text.replace(number, " ")
        leaked = _leaks(text, keys, own)
        if leaked:
            found.append((n.kind, n.recipient, leaked))
    assert Notification.objects.exists()
    assert not found, "\n".join(f"{k} to {r}: {w}" for k, r, w in found)
