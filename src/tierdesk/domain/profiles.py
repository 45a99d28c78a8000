"""The support-process profile as typed, frozen values, and its validation from plain data.

A profile arrives as the nested dicts a TOML file parses to. `parse_profile` checks every key
and reports every problem at once, each naming its key path, so a provider fixes a file in one
pass instead of one error at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierdesk.domain.parties import OrganisationKind

STATUS_CATEGORIES = ("new", "open", "waiting", "on_hold", "resolved", "closed")
CHANNELS = ("portal", "email", "phone", "api", "chat", "monitoring")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class ProfileError(Exception):
    """A profile that cannot be used; `problems` lists every error with its key path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    staffed_by: OrganisationKind
    escalates_to: tuple[str, ...]


@dataclass(frozen=True)
class Severity:
    key: str
    label: str
    definition: str
    examples: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    category: str
    to: tuple[str, ...]
    requester_to: tuple[str, ...]

    @property
    def is_open(self) -> bool:
        return self.category not in ("resolved", "closed")


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    help: str
    required: bool
    multiline: bool


@dataclass(frozen=True)
class Languages:
    standard: str
    accepted: tuple[str, ...]
    reply: str

    def all(self) -> tuple[str, ...]:
        return (self.standard, *self.accepted)


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    digest: str
    description: str
    provider_name: str
    ticket_prefix: str
    number_digits: int
    levels: Mapping[str, Level]
    initial_level: str
    severities: Mapping[str, Severity]
    default_severity: str
    statuses: Mapping[str, Status]
    initial_status: str
    queues: Mapping[str, Queue]
    default_queue: str
    channels: tuple[str, ...]
    languages: Languages
    form: tuple[FormField, ...]

    def status(self, key: str) -> Status:
        return self.statuses[key]

    def severity_key(self, given: str) -> str | None:
        """The severity a requester meant: its key, its label or one of its aliases."""
        wanted = given.strip().casefold()
        for severity in self.severities.values():
            names = (severity.key, severity.label, *severity.aliases)
            if wanted in (name.casefold() for name in names):
                return severity.key
        return None

    def format_number(self, sequence: int) -> str:
        return f"{self.ticket_prefix}-{sequence:0{self.number_digits}d}"


class _Reader:
    """Walks plain data, collecting every problem with the path where it was found."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def table(
        self, data: Mapping[str, Any], path: str, key: str, *, required: bool = True
    ) -> dict[str, Any]:
        where = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None:
            if required:
                self.fail(where, "is missing; expected a table")
            return {}
        if not isinstance(value, Mapping):
            self.fail(where, f"{value!r} is not a table")
            return {}
        return dict(value)

    def text(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        *,
        default: str | None = None,
        pattern: re.Pattern[str] | None = None,
        expected: str = "text",
    ) -> str:
        where = f"{path}.{key}" if path else key
        value = data.get(key, default)
        if value is None:
            self.fail(where, f"is missing; expected {expected}")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"{value!r} is not {expected}")
            return ""
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(where, f"{value!r} is not {expected}")
        return value

    def flag(self, data: Mapping[str, Any], path: str, key: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", f"{value!r} is not true or false")
            return default
        return value

    def number(
        self, data: Mapping[str, Any], path: str, key: str, *, default: int, low: int, high: int
    ) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{path}.{key}", f"{value!r} is not a whole number from {low} to {high}")
            return default
        return value

    def texts(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        *,
        choices: tuple[str, ...] | None = None,
        expected: str = "a list of text",
    ) -> tuple[str, ...]:
        where = f"{path}.{key}" if path else key
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(where, f"{value!r} is not {expected}")
            return ()
        if choices is not None:
            for item in value:
                if item not in choices:
                    self.fail(where, f"{item!r} is not one of {', '.join(choices)}")
        return tuple(value)

    def keyed(self, table: Mapping[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
        entries = []
        for key, value in table.items():
            if not KEY_PATTERN.fullmatch(key):
                self.fail(
                    f"{path}.{key}", "is not a valid key; expected lower-case letters, digits and _"
                )
                continue
            if not isinstance(value, Mapping):
                self.fail(f"{path}.{key}", f"{value!r} is not a table")
                continue
            entries.append((key, dict(value)))
        if not entries:
            self.fail(path, "has no entries; expected at least one")
        return entries

    def unknown(self, data: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else key
                self.fail(where, f"is not a known key; expected one of {', '.join(known)}")


def parse_profile(data: Mapping[str, Any], *, source: str, digest: str) -> Profile:
    """Turn parsed TOML into a Profile, or raise ProfileError listing every problem."""
    r = _Reader()
    r.unknown(
        data,
        "",
        (
            "profile",
            "provider",
            "levels",
            "tickets",
            "severities",
            "statuses",
            "queues",
            "languages",
            "form",
        ),
    )
    meta = r.table(data, "", "profile")
    r.unknown(meta, "profile", ("name", "version", "description"))
    provider = r.table(data, "", "provider")
    r.unknown(provider, "provider", ("name", "ticket_prefix", "number_digits"))

    levels: dict[str, Level] = {}
    for key, item in r.keyed(r.table(data, "", "levels"), "levels"):
        path = f"levels.{key}"
        r.unknown(item, path, ("label", "staffed_by", "escalates_to"))
        staffed = r.text(
            item, path, "staffed_by", default="provider", expected="provider or supplier"
        )
        kind = OrganisationKind.PROVIDER
        if staffed in ("provider", "supplier"):
            kind = OrganisationKind(staffed)
        elif staffed:
            r.fail(f"{path}.staffed_by", f"{staffed!r} is not provider or supplier")
        levels[key] = Level(
            key, r.text(item, path, "label"), kind, r.texts(item, path, "escalates_to")
        )
    for level in levels.values():
        for target in level.escalates_to:
            if target not in levels:
                r.fail(
                    f"levels.{level.key}.escalates_to",
                    f"{target!r} is not a level defined under levels",
                )

    severities: dict[str, Severity] = {}
    for key, item in r.keyed(r.table(data, "", "severities"), "severities"):
        path = f"severities.{key}"
        r.unknown(item, path, ("label", "definition", "examples", "aliases"))
        definition = item.get("definition", "")
        if not isinstance(definition, str):
            r.fail(f"{path}.definition", f"{definition!r} is not text")
            definition = ""
        severities[key] = Severity(
            key,
            r.text(item, path, "label"),
            definition,
            r.texts(item, path, "examples"),
            r.texts(item, path, "aliases"),
        )

    statuses: dict[str, Status] = {}
    for key, item in r.keyed(r.table(data, "", "statuses"), "statuses"):
        path = f"statuses.{key}"
        r.unknown(item, path, ("label", "category", "to", "requester_to"))
        category = r.text(item, path, "category", expected="one of " + ", ".join(STATUS_CATEGORIES))
        if category and category not in STATUS_CATEGORIES:
            r.fail(f"{path}.category", f"{category!r} is not one of {', '.join(STATUS_CATEGORIES)}")
        statuses[key] = Status(
            key,
            r.text(item, path, "label"),
            category,
            r.texts(item, path, "to"),
            r.texts(item, path, "requester_to"),
        )
    for status in statuses.values():
        for target in status.to:
            if target not in statuses:
                r.fail(
                    f"statuses.{status.key}.to",
                    f"{target!r} is not a status defined under statuses",
                )
        for target in status.requester_to:
            if target not in status.to:
                r.fail(
                    f"statuses.{status.key}.requester_to", f"{target!r} is not also listed in to"
                )
    initial = [s.key for s in statuses.values() if s.category == "new"]
    if statuses and len(initial) != 1:
        r.fail("statuses", f"needs exactly one status with category 'new', found {len(initial)}")

    queues: dict[str, Queue] = {}
    for key, item in r.keyed(r.table(data, "", "queues"), "queues"):
        r.unknown(item, f"queues.{key}", ("label",))
        queues[key] = Queue(key, r.text(item, f"queues.{key}", "label"))

    tickets = r.table(data, "", "tickets")
    r.unknown(
        tickets, "tickets", ("initial_level", "default_severity", "default_queue", "channels")
    )
    initial_level = r.text(tickets, "tickets", "initial_level", expected="a level key")
    if initial_level and levels and initial_level not in levels:
        r.fail("tickets.initial_level", f"{initial_level!r} is not a level defined under levels")
    default_severity = r.text(tickets, "tickets", "default_severity", expected="a severity key")
    if default_severity and severities and default_severity not in severities:
        r.fail(
            "tickets.default_severity",
            f"{default_severity!r} is not a severity defined under severities",
        )
    default_queue = r.text(tickets, "tickets", "default_queue", expected="a queue key")
    if default_queue and queues and default_queue not in queues:
        r.fail("tickets.default_queue", f"{default_queue!r} is not a queue defined under queues")
    channels = r.texts(tickets, "tickets", "channels", choices=CHANNELS)

    langs = r.table(data, "", "languages")
    r.unknown(langs, "languages", ("standard", "accepted", "reply"))
    lang_expected = "a language code such as 'en' or 'de'"
    standard = r.text(
        langs, "languages", "standard", pattern=LANGUAGE_PATTERN, expected=lang_expected
    )
    accepted = r.texts(langs, "languages", "accepted")
    for code in accepted:
        if not LANGUAGE_PATTERN.fullmatch(code):
            r.fail("languages.accepted", f"{code!r} is not {lang_expected}")
    reply = r.text(
        langs,
        "languages",
        "reply",
        default=standard or "en",
        pattern=LANGUAGE_PATTERN,
        expected=lang_expected,
    )

    form_fields: list[FormField] = []
    form = r.table(data, "", "form", required=False)
    r.unknown(form, "form", ("fields",))
    for key, item in r.keyed(r.table(form, "form", "fields"), "form.fields") if form else []:
        path = f"form.fields.{key}"
        r.unknown(item, path, ("label", "help", "required", "multiline"))
        form_fields.append(
            FormField(
                key,
                r.text(item, path, "label"),
                str(item.get("help", "")),
                r.flag(item, path, "required", default=False),
                r.flag(item, path, "multiline", default=False),
            )
        )

    profile = Profile(
        name=r.text(
            meta,
            "profile",
            "name",
            pattern=re.compile(r"^[a-z][a-z0-9-]*$"),
            expected="a lower-case name",
        ),
        version=r.text(meta, "profile", "version", expected="a version such as '1.2'"),
        digest=digest,
        description=str(meta.get("description", "")),
        provider_name=r.text(provider, "provider", "name"),
        ticket_prefix=r.text(
            provider,
            "provider",
            "ticket_prefix",
            pattern=PREFIX_PATTERN,
            expected="1 to 8 upper-case letters or digits, starting with a letter",
        ),
        number_digits=r.number(provider, "provider", "number_digits", default=6, low=3, high=12),
        levels=levels,
        initial_level=initial_level,
        severities=severities,
        default_severity=default_severity,
        statuses=statuses,
        initial_status=initial[0] if len(initial) == 1 else "",
        queues=queues,
        default_queue=default_queue,
        channels=channels,
        languages=Languages(standard, accepted, reply),
        form=tuple(form_fields),
    )
    if r.problems:
        raise ProfileError(source, r.problems)
    return profile
