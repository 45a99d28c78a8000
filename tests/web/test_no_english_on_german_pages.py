"""No English left on a German page: each page of every role (the walk of
`test_words_everywhere`), rendered in English and in German; a visible run of text of two or more
words that reads the same in both is English the catalogue does not cover, unless it is the
desk's data (subjects, bodies, names, organisations, article titles, the profile's own labels,
numbers, addresses, instants). The notifications the desk writes are checked the same way, per
reader language."""

from __future__ import annotations

import html
import re
import tomllib
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.db import models

from tests.conftest import Desk
from tests.web.test_every_event_kind import _every_kind
from tests.web.test_words_everywhere import ANONYMOUS, _client, _world, pages
from tierdesk import profiles
from tierdesk.actions.notify import reader_language
from tierdesk.persistence.models import Notification, User

# Runs that are the same words in English and German on purpose. Add with a reason.
SAME_IN_BOTH = {
    "Tierdesk",  # the product's name
    "Text (Markdown)",  # German says it so too
}
# Stored text the desk wrote itself (what is checked here), not data people gave it.
WRITTEN_BY_THE_DESK = {"Notification", "IdempotencyKey", "Heartbeat"}
SKIPPED_TAGS = {"script", "style", "code", "pre", "template", "textarea"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


class _Runs(HTMLParser):
    """Each text node of the body (and the visible attributes: placeholder, title, aria-label,
    alt, a button's value), whitespace folded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self.skip = 0
        self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.body = True
        if tag in SKIPPED_TAGS:
            self.skip += 1
        if not self.body:
            return
        named = dict(attrs)
        for key in ("placeholder", "title", "aria-label", "alt"):
            if named.get(key):
                self.runs.append(str(named[key]))
        if tag == "input" and named.get("type") in ("submit", "button") and named.get("value"):
            self.runs.append(str(named["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.body and not self.skip:
            text = re.sub(r"\s+", " ", html.unescape(data)).strip()
            if text:
                self.runs.append(text)


def runs(page: str) -> set[str]:
    parser = _Runs()
    parser.feed(page)
    return set(parser.runs)


def _data() -> list[str]:
    """Every text the desk stores (what people typed, names, slugs, references) and every
    profile's own labels: shown as they are, in any language. Longest first."""
    found: set[str] = set()
    for model in apps.get_app_config("tierdesk").get_models():
        if model.__name__ in WRITTEN_BY_THE_DESK:
            continue
        names = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
        ]
        if not names:
            continue
        for row in model.objects.values_list(*names):
            for value in row:
                found |= set(_texts(value))
    for user in User.objects.all():
        found.add(user.get_full_name())
    for name in profiles.builtin_names():
        # The provider's own words in its profile: labels, definitions, help, roles, messages.
        found |= set(_texts(tomllib.loads(profiles.locate(name).read_text("utf-8"))))
        for calendar in profiles.for_ticket(name).calendars.values():
            # Holiday names as the holidays package gives them, in its own language.
            found |= {str(n) for n in calendar.holiday_names.values() if n}
    return sorted((f for f in found if f), key=len, reverse=True)


def _texts(value: object) -> list[str]:
    """The strings of a stored value, JSON included (an event's data, an alert's labels), each
    also line by line."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (*_texts(k), *_texts(v))]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, str) and value.strip():
        return [value.strip(), *(line.strip() for line in value.splitlines() if line.strip())]
    return []


def english_left(text: str, data: list[str]) -> str:
    """What is left of a run once the desk's data, numbers, addresses and instants are taken
    out; empty when fewer than two words remain."""
    rest = text
    for item in data:
        if len(item) > 2 and item in rest:  # whole words only: "de" is no part of "Denver"
            rest = re.sub(rf"(?<!\w){re.escape(item)}(?!\w)", " ", rest)
    rest = re.sub(r"\S+@\S+|https?://\S+|\S+/\S+|\b[A-Z]{2,}-\d+\b|[\w/+-]*\d[\w:./+-]*", " ", rest)
    for same in SAME_IN_BOTH:
        rest = rest.replace(same, " ")
    words = WORD.findall(rest)
    return " ".join(words) if len(words) >= 2 else ""


def test_no_page_keeps_english_in_german(desk: Desk, fixed_clock: Any) -> None:
    world = _world(desk, fixed_clock)
    data = _data()
    users = {u.username: u for u in User.objects.all()}
    walk = [(users[name], path) for name, paths in pages(desk, world).items() for path in paths]
    walk += [(None, path) for path in ANONYMOUS]
    found: list[str] = []
    for user, path in walk:
        english = _client(user, "en").get(path)
        german = _client(user, "de").get(path)
        assert english.status_code == german.status_code == 200, (user, path)
        same = runs(english.content.decode()) & runs(german.content.decode())
        for text in sorted(same):
            left = english_left(text, data)
            if left:
                who = user.username if user else "anonymous"
                found.append(f"{who} {path}: {text!r}")
    assert not found, f"{len(found)} English runs on German pages:\n" + "\n".join(found)


def _first_pages(found: list[str]) -> list[str]:
    return found


def test_no_notification_to_a_german_reader_keeps_english(desk: Desk, fixed_clock: Any) -> None:
    for user in User.objects.all():
        user.language = "de"
        user.save(update_fields=["language"])
    _every_kind(desk, fixed_clock)
    data = _data()
    found: list[str] = []
    assert Notification.objects.exists()
    people = {u.email: u for u in User.objects.all()}
    checked = 0
    for n in Notification.objects.select_related("ticket"):
        profile = profiles.for_ticket(n.ticket.profile) if n.ticket else profiles.active()
        if reader_language(people.get(n.recipient), profile) != "de":
            continue  # partners and plain addresses read the profile's reply language
        checked += 1
        for line in f"{n.subject}\n{n.body}".splitlines():
            left = english_left(line.strip(), data)
            if left and _looks_english(left):
                found.append(f"{n.kind} to {n.recipient}: {line.strip()!r}")
    assert checked, "no notification went to a German reader"
    assert not found, f"{len(found)} English lines to German readers:\n" + "\n".join(found)


ENGLISH = {"the", "and", "is", "of", "to", "your", "has", "was", "by", "with", "for", "ticket"}


def _looks_english(text: str) -> bool:
    """A line with at least two of the commonest English words (a notification has no English
    twin to compare with, so the words tell)."""
    return len(ENGLISH & {w.lower() for w in text.split()}) >= 2
