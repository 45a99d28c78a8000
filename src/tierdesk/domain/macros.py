"""Canned replies (macros): their placeholders, the check a text passes before it is kept, how a
text is filled for one ticket, and who may manage which.

A placeholder is written `{{ticket.number}}` (spaces inside the braces allowed). The set is
fixed: a text naming any other is refused, naming it. Filling is one pass over the text with the
values substituted as plain strings: a value that itself contains `{{...}}` (a subject a
requester typed) is never read as a placeholder, and nothing is evaluated, so a canned reply
cannot reach anything but these values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tierdesk.domain.errors import Invalid
from tierdesk.domain.parties import Role
from tierdesk.domain.words import N_

# Anything between double braces is meant as a placeholder; a lone brace is text.
PATTERN = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)

# Each placeholder and what it stands for (the management page lists them).
PLACEHOLDERS: dict[str, str] = {
    "requester.name": "the requester's name",
    "partner.name": "the partner organisation's name",
    "account.name": "the end-customer account's name (the partner's when there is none)",
    "ticket.number": "the ticket's number",
    "ticket.subject": "the ticket's subject",
    "ticket.severity": "the ticket's severity, by the profile's label",
    "due.response": "when the next response is due, in the desk's time zone, zone named",
    "due.resolution": "when the resolution is due, in the desk's time zone, zone named",
    "agent.name": "the name of the agent who sends the reply",
}

# The state change a canned reply suggests beside Send: by status category, so the same reply
# fits every profile ("waiting": Send and set Pending; "resolved": Send and resolve).
SUGGESTIONS = ("", "waiting", "resolved")

TITLE_MAX = 120
BODY_MAX = 20_000

# Who manages shared canned replies; agents keep personal ones of their own.
MANAGERS = (Role.MANAGER, Role.ADMINISTRATOR)
USERS = (Role.AGENT, Role.MANAGER, Role.ADMINISTRATOR)


def placeholders_in(text: str) -> list[str]:
    """The placeholders a text names, in order of first appearance."""
    return list(dict.fromkeys(m.group(1) for m in PATTERN.finditer(text)))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def unclosed(text: str) -> bool:
    """An opening `{{` left without its `}}`: a placeholder cut short."""
    return "{{" in PATTERN.sub("", text)


@dataclass(frozen=True)
class Draft:
    """What a canned reply is made of, as given: checked by `check`."""

    title: str
    texts: Mapping[str, str]  # language -> text
    suggests: str = ""


def check(draft: Draft, *, languages: Iterable[str]) -> dict[str, str]:
    """Every problem with a draft, by field (`title`, `suggests`, `texts.<language>`)."""
    allowed = tuple(languages)
    problems: dict[str, str] = {}
    title = draft.title.strip()
    if not title:
        problems["title"] = N_("is required")
    elif len(title) > TITLE_MAX:
        problems["title"] = N_("must be at most %(TITLE_MAX)s characters", TITLE_MAX=TITLE_MAX)
    if draft.suggests not in SUGGESTIONS:
        problems["suggests"] = N_("must be one of: none, waiting, resolved")
    texts = {lang: body for lang, body in draft.texts.items() if body.strip()}
    if not texts:
        problems["texts"] = N_("needs a text in at least one language")
    for lang, body in draft.texts.items():
        where = f"texts.{lang}"
        if lang not in allowed:
            problems[where] = N_(
                "is not a language of the profile: %(choices)s", choices=", ".join(allowed)
            )
        elif len(body) > BODY_MAX:
            problems[where] = N_("must be at most %(BODY_MAX)s characters", BODY_MAX=BODY_MAX)
        elif unknown := unknown_placeholders(body):
            problems[where] = N_(
                "unknown placeholder %(unknown)s; known: %(known)s",
                unknown=", ".join("{{" + name + "}}" for name in unknown),
                known=", ".join("{{" + name + "}}" for name in PLACEHOLDERS),
            )
        elif unclosed(body):
            problems[where] = N_("has a '{{' without its closing '}}'")
    return problems


def require_valid(draft: Draft, *, languages: Iterable[str]) -> None:
    problems = check(draft, languages=languages)
    if problems:
        raise Invalid(N_("the canned reply has invalid fields"), fields=problems)


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each placeholder replaced by its value, in one pass (values are never read
    again); a placeholder without a value becomes empty."""
    return PATTERN.sub(
        lambda m: values.get(m.group(1), "") if m.group(1) in PLACEHOLDERS else "", text
    )


def text_for(texts: Mapping[str, str], *, wanted: str, fallbacks: Iterable[str]) -> tuple[str, str]:
    """The text in the wanted language, else in the first fallback that has one, else any:
    (language, text)."""
    for lang in (wanted, *fallbacks):
        if texts.get(lang, "").strip():
            return lang, texts[lang]
    for lang, body in texts.items():
        if body.strip():
            return lang, body
    return "", ""


def may_use(role: Role | None) -> bool:
    return role in USERS


def may_manage(role: Role | None, user_id: int, owner_id: int | None) -> bool:
    """Managers and administrators manage the shared canned replies and nobody's personal ones;
    an agent (or anyone who uses them) manages their own personal ones."""
    if role not in USERS:
        return False
    if owner_id is None:
        return role in MANAGERS
    return owner_id == user_id
