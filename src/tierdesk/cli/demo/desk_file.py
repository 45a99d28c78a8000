"""Reading a profile's demo desk file (desks/<profile>.toml): its organisations, people, ticket
stories and knowledge base, checked against the profile, with instants resolved against now.

A story's instants are written as the desk would say them:
  "-3d 10:15"  the third working day before today (on the file's calendar), 10:15 local time;
  "-40m", "-2h" that long before now;
  "+25m", "+1h30m" that long after the story's previous step (or its opening).

`[[canned_replies]]` entries (title, `suggests` = "waiting" or "resolved", a `texts` table of
language = text, optional `by`: a username, the first manager when left out) are added through
the canned-reply action: a manager's are shared, an agent's personal.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from tierdesk.domain.calendars import Calendar
from tierdesk.domain.parties import ROLE_ORGANISATION, OrganisationKind, Role
from tierdesk.domain.profiles import Profile

DESKS = Path(__file__).parent / "desks"
PROVIDER = "provider"  # how a file names the profile's provider organisation

# The verbs a story's steps use, each with its positional parameters (the action they call is
# chosen in story.py).
VERBS: dict[str, tuple[str, ...]] = {
    "reply": ("body",),
    "note": ("body",),
    "status": ("to", "reason"),
    "hold": ("supplier", "ref", "reason"),  # to the profile's on-hold status, naming a supplier
    "level": ("to", "note"),
    "assign": ("to",),
    "severity": ("to", "reason"),
    "resolve": ("solution",),
    "confirm": (),
    "ask": ("body",),
    "ask_confirmation": ("body",),
    "reject": ("reason", "note"),
    "escalate": ("reason",),
    "link": ("target", "kind"),
}


class DeskFileError(Exception):
    """A demo desk file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    kind: OrganisationKind
    parent: str | None = None
    external_ref: str = ""
    domains: tuple[str, ...] = ()
    terms: dict[str, Any] = field(default_factory=dict)  # a supplier's support terms
    authorised: tuple[str, ...] = ()  # an account's authorised requesters (Zynstra)


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    org: str
    role: Role
    levels: tuple[str, ...] = ()  # an agent's support levels
    serves: tuple[str, ...] = ()  # the supplier-staffed levels a supplier contact works at
    email: str = ""


@dataclass(frozen=True)
class Step:
    at: datetime
    by: str
    verb: str
    args: dict[str, str]
    where: str  # for messages: "ticket 'x' step 3"


@dataclass(frozen=True)
class Story:
    key: str
    shows: str
    opened_at: datetime
    by: str
    subject: str
    channel: str
    severity: str | None
    queue: str | None
    partner: str | None  # when the provider opens it on a partner's behalf
    requester: str | None
    account: str | None
    description: str
    form: dict[str, str]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Article:
    category: str
    title: str
    body: str
    visibility: str


@dataclass(frozen=True)
class CannedReplySeed:
    title: str
    texts: dict[str, str]
    suggests: str = ""
    by: str = ""  # the username who adds it: a manager's is shared, an agent's personal


@dataclass(frozen=True)
class Desk:
    source: Path
    organisations: tuple[Org, ...]
    people: tuple[Person, ...]
    stories: tuple[Story, ...]
    categories: dict[str, str] = field(default_factory=dict)
    articles: tuple[Article, ...] = ()
    incident: dict[str, Any] = field(default_factory=dict)
    maintenance: dict[str, Any] = field(default_factory=dict)
    canned_replies: tuple[CannedReplySeed, ...] = ()


def path_for(profile: Profile) -> Path:
    return DESKS / f"{profile.name}.toml"


def shipped() -> list[str]:
    return sorted(p.stem for p in DESKS.glob("*.toml"))


def read(profile: Profile, now: datetime) -> Desk:
    path = path_for(profile)
    if not path.is_file():
        raise DeskFileError(
            f"there is no demo desk for the profile {profile.name!r}; demo desks exist for "
            + ", ".join(shipped())
        )
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DeskFileError(f"{path.name}: not valid TOML: {exc}") from exc
    try:
        return _Reader(profile, path, now).desk(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise DeskFileError(f"{path.name}: a missing or malformed entry ({exc!r})") from exc


class _Reader:
    def __init__(self, profile: Profile, path: Path, now: datetime) -> None:
        self.profile, self.path, self.now = profile, path, now

    def fail(self, where: str, message: str) -> DeskFileError:
        return DeskFileError(f"{self.path.name}: {where}: {message}")

    def desk(self, data: dict[str, Any]) -> Desk:
        calendar_key = data.get("calendar", self.profile.default_calendar)
        if calendar_key not in self.profile.calendars:
            raise self.fail("calendar", f"{calendar_key!r} is not a calendar of the profile")
        self.calendar = self.profile.calendars[calendar_key]
        orgs = [Org(PROVIDER, self.profile.provider_name, OrganisationKind.PROVIDER)]
        for i, p in enumerate(data.get("partners", [])):
            orgs.append(
                Org(
                    p["slug"],
                    p["name"],
                    OrganisationKind.PARTNER,
                    domains=tuple(p.get("domains", ())),
                )
            )
            for a in p.get("accounts", []):
                orgs.append(
                    Org(
                        a["slug"],
                        a["name"],
                        OrganisationKind.CUSTOMER,
                        p["slug"],
                        a.get("ref", ""),
                        authorised=tuple(a.get("authorised", ())),
                    )
                )
            if not p.get("accounts"):
                raise self.fail(f"partners[{i}]", "a partner needs end-customer accounts")
        for s in data.get("suppliers", []):
            orgs.append(
                Org(s["slug"], s["name"], OrganisationKind.SUPPLIER, terms=dict(s.get("terms", {})))
            )
        kinds = {o.slug: o.kind for o in orgs}
        people = [self.person(i, p, kinds) for i, p in enumerate(data.get("people", []))]
        if not any(p.role is Role.ADMINISTRATOR for p in people):
            raise self.fail("people", "the desk needs an administrator (who sets up the rest)")
        self.users = {p.username: p for p in people}
        self.kinds = kinds
        stories = [self.story(s) for s in data.get("tickets", [])]
        keys = [s.key for s in stories]
        if len(set(keys)) != len(keys):
            raise self.fail("tickets", "two tickets have the same key")
        return Desk(
            source=self.path,
            organisations=tuple(orgs),
            people=tuple(people),
            stories=tuple(stories),
            categories=dict(data.get("categories", {})),
            articles=tuple(
                Article(a["category"], a["title"], a["body"], a.get("visibility", "public"))
                for a in data.get("articles", [])
            ),
            incident=dict(data.get("incident", {})),
            maintenance=dict(data.get("maintenance", {})),
            canned_replies=tuple(
                self.canned_reply(i, c) for i, c in enumerate(data.get("canned_replies", []))
            ),
        )

    def canned_reply(self, i: int, c: dict[str, Any]) -> CannedReplySeed:
        by = c.get("by") or next(
            (p.username for p in self.users.values() if p.role is Role.MANAGER),
            next(p.username for p in self.users.values() if p.role is Role.ADMINISTRATOR),
        )
        self.user(by, f"canned_replies[{i}].by")
        return CannedReplySeed(c["title"], dict(c["texts"]), c.get("suggests", ""), by)

    def person(self, i: int, p: dict[str, Any], kinds: dict[str, OrganisationKind]) -> Person:
        where = f"people[{i}] ({p.get('username', '?')})"
        try:
            role = Role(p["role"])
        except ValueError:
            raise self.fail(where, f"{p['role']!r} is not a role") from None
        org = p.get("org", PROVIDER)
        if kinds.get(org) is not ROLE_ORGANISATION[role]:
            raise self.fail(where, f"a {role.value} belongs to a {ROLE_ORGANISATION[role].value}")
        levels, serves = tuple(p.get("levels", ())), tuple(p.get("serves", ()))
        for level in (*levels, *serves):
            if level not in self.profile.levels:
                raise self.fail(where, f"{level!r} is not a level of the profile")
        for level in serves:
            if self.profile.levels[level].staffed_by is not OrganisationKind.SUPPLIER:
                raise self.fail(where, f"{level!r} is not staffed by a supplier")
        return Person(p["username"], p["name"], org, role, levels, serves, p.get("email", ""))

    def story(self, s: dict[str, Any]) -> Story:
        key = s.get("key", "?")
        where = f"ticket {key!r}"
        opened = self.instant(s["at"], None, where)
        by = self.user(s["by"], where)
        for name in ("partner",):
            if s.get(name) is not None and self.kinds.get(s[name]) is not OrganisationKind.PARTNER:
                raise self.fail(where, f"{s[name]!r} is not a partner")
        if s.get("account") is not None and self.kinds.get(s["account"]) is not (
            OrganisationKind.CUSTOMER
        ):
            raise self.fail(where, f"{s['account']!r} is not an end-customer account")
        steps: list[Step] = []
        previous = opened
        for n, raw in enumerate(s.get("steps", []), start=1):
            here = f"{where} step {n}"
            if not isinstance(raw, list) or len(raw) < 3:
                raise self.fail(here, 'expected ["when", "who", "verb", ...]')
            at = self.instant(raw[0], previous, here)
            if at < previous:
                raise self.fail(here, f"{raw[0]!r} is before the step it follows")
            verb = raw[2]
            if verb not in VERBS:
                raise self.fail(here, f"{verb!r} is not a verb; expected one of {', '.join(VERBS)}")
            args: dict[str, str] = {}
            rest = list(raw[3:])
            if rest and isinstance(rest[-1], dict):
                args.update(rest.pop())
            if len(rest) > len(VERBS[verb]):
                raise self.fail(here, f"{verb} takes {', '.join(VERBS[verb]) or 'nothing'}")
            args.update(zip(VERBS[verb], rest, strict=False))
            steps.append(Step(at, self.user(raw[1], here), verb, args, here))
            previous = at
        return Story(
            key=key,
            shows=s.get("shows", ""),
            opened_at=opened,
            by=by,
            subject=s["subject"],
            channel=s.get("channel", "portal"),
            severity=s.get("severity"),
            queue=s.get("queue"),
            partner=s.get("partner"),
            requester=s.get("requester"),
            account=s.get("account"),
            description=s.get("description", ""),
            form=dict(s.get("form", {})),
            steps=tuple(steps),
        )

    def user(self, username: str, where: str) -> str:
        if username not in self.users:
            raise self.fail(where, f"{username!r} is not one of the desk's people")
        return username

    def instant(self, text: str, previous: datetime | None, where: str) -> datetime:
        at = resolve_instant(text, self.now, previous, self.calendar)
        if at is None:
            raise self.fail(where, f"{text!r} is not an instant such as '-3d 10:15', '-40m', '+2h'")
        if at > self.now:
            raise self.fail(where, f"{text!r} is in the future")
        return at


_DAY = re.compile(r"-(\d+)d (\d{1,2}):(\d{2})")
_SPAN = re.compile(r"([+-])((?:\d+[dhm])+)")
_PART = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def resolve_instant(
    text: str, now: datetime, previous: datetime | None, calendar: Calendar
) -> datetime | None:
    day = _DAY.fullmatch(text.strip())
    if day is not None:
        back, hour, minute = (int(g) for g in day.groups())
        local = working_day_before(now.astimezone(calendar.zone).date(), back, calendar)
        return datetime.combine(local, time(hour, minute), tzinfo=calendar.zone)
    span = _SPAN.fullmatch(text.strip())
    if span is None:
        return None
    length = sum((int(n) * _UNITS[u] for n, u in _PART.findall(span.group(2))), timedelta())
    if span.group(1) == "-":
        return now - length
    return None if previous is None else previous + length


def working_day_before(today: date, count: int, calendar: Calendar) -> date:
    """The `count`-th working day before `today` on the calendar (today itself not counted)."""
    day = today
    for _ in range(count):
        day -= timedelta(days=1)
        while not calendar.intervals_on(day):
            day -= timedelta(days=1)
    return day
