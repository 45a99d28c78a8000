"""A supplier's support terms checked against the profile: method, contact, severities, OLA,
and the supplier's own desk: its calendar, how its mails carry its reference, and the words that
say a ticket is solved. Pure: the country's holidays come in as dates."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tierdesk.domain.calendars import Calendar, Interval, expand_days, parse_hours
from tierdesk.domain.durations import DurationError, parse_duration
from tierdesk.domain.words import N_

METHODS = ("email", "portal", "phone")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
MAX_CONTACTS = 10


@dataclass(frozen=True)
class Terms:
    method: str
    contact: str
    severity_map: Mapping[str, str]
    ola_target: str
    calendar: str
    escalation_contacts: tuple[str, ...]
    notes: str
    contacts: tuple[str, ...] = ()
    severity_scale: tuple[str, ...] = ()
    response_target: str = ""
    time_zone: str = ""
    hours: str = ""
    holiday_country: str = ""
    reference_pattern: str = ""
    solved_phrases: tuple[str, ...] = field(default=())


def contact_problem(method: str, contact: str) -> str | None:
    """What is wrong with a contact for a request method, if anything."""
    if method == "email" and not _EMAIL.match(contact):
        return N_("an e-mail request needs an address such as support@vendor.example")
    if method == "portal" and not _URL.match(contact):
        return N_("a portal request needs the portal's URL, starting with https://")
    if method == "phone" and not _PHONE.match(contact):
        return N_("a telephone request needs a phone number such as +44 20 7946 0000")
    return None


def _contact_kind_problem(contact: str) -> str | None:
    if _EMAIL.match(contact) or _URL.match(contact) or _PHONE.match(contact):
        return None
    return N_("%(contact)r is not an e-mail address, a URL or a phone number", contact=contact[:60])


def problems(
    terms: Terms, *, severities: Iterable[str], calendars: Iterable[str]
) -> dict[str, str]:
    """Every problem, keyed by the field it belongs to; empty when the terms are usable."""
    found: dict[str, str] = {}
    severities = list(severities)
    calendars = list(calendars)
    if terms.method not in METHODS:
        found["method"] = N_(
            "%(value)r is not one of %(value2)s", value=terms.method[:40], value2=", ".join(METHODS)
        )
    elif not terms.contact.strip():
        found["contact"] = N_("is required")
    else:
        problem = contact_problem(terms.method, terms.contact.strip())
        if problem:
            found["contact"] = problem
    for key, label in terms.severity_map.items():
        if key not in severities:
            found[f"severity_map.{key}"[:80]] = N_(
                "%(value)r is not a severity of the profile; expected one of %(value2)s",
                value=key[:40],
                value2=", ".join(severities),
            )
        elif not str(label).strip() or len(str(label)) > 60:
            found[f"severity_map.{key}"] = N_("the supplier's label: 1 to 60 characters")
    if terms.ola_target.strip():
        try:
            parse_duration(terms.ola_target)
        except DurationError as exc:
            found["ola_target"] = str(exc)
    if terms.calendar and terms.calendar not in calendars:
        found["calendar"] = N_(
            "%(value)r is not a calendar of the profile; expected one of %(value2)s",
            value=terms.calendar[:40],
            value2=", ".join(calendars),
        )
    if len(terms.escalation_contacts) > MAX_CONTACTS:
        found["escalation_contacts"] = N_("at most %(MAX_CONTACTS)s", MAX_CONTACTS=MAX_CONTACTS)
    for contact in terms.escalation_contacts:
        problem = _contact_kind_problem(contact)
        if problem:
            found["escalation_contacts"] = problem
            break
    if len(terms.notes) > 5000:
        found["notes"] = N_("at most 5000 characters")
    found.update(_own_desk_problems(terms))
    return found


def _own_desk_problems(terms: Terms) -> dict[str, str]:
    found: dict[str, str] = {}
    if len(terms.contacts) > MAX_CONTACTS:
        found["contacts"] = N_("at most %(MAX_CONTACTS)s", MAX_CONTACTS=MAX_CONTACTS)
    for contact in terms.contacts:
        problem = _contact_kind_problem(contact)
        if problem:
            found["contacts"] = problem
            break
    if len(terms.severity_scale) > 20 or any(
        not s.strip() or len(s) > 60 for s in terms.severity_scale
    ):
        found["severity_scale"] = N_("at most 20 labels of 1 to 60 characters")
    elif terms.severity_scale:
        for key, label in terms.severity_map.items():
            if label not in terms.severity_scale and f"severity_map.{key}" not in found:
                found[f"severity_map.{key}"] = N_(
                    "%(label)r is not on the supplier's scale (%(scale)s)",
                    label=label[:60],
                    scale=", ".join(terms.severity_scale),
                )
    if terms.response_target.strip():
        try:
            parse_duration(terms.response_target)
        except DurationError as exc:
            found["response_target"] = str(exc)
    if terms.time_zone:
        try:
            ZoneInfo(terms.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            found["time_zone"] = N_(
                "%(zone)r is not an IANA time zone such as 'Europe/Berlin'",
                zone=terms.time_zone[:60],
            )
    if terms.hours:
        try:
            weekly_hours(terms.hours)
        except ValueError as exc:
            found["hours"] = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    if terms.hours and not terms.time_zone:
        found.setdefault("time_zone", N_("opening hours need the time zone they are in"))
    if terms.holiday_country and not _COUNTRY.match(terms.holiday_country):
        found["holiday_country"] = N_("an ISO country code such as 'DE', or with a region: 'US-CA'")
    if terms.reference_pattern:
        problem = reference_pattern_problem(terms.reference_pattern)
        if problem:
            found["reference_pattern"] = problem
    if len(terms.solved_phrases) > 20 or any(
        not p.strip() or len(p) > 200 for p in terms.solved_phrases
    ):
        found["solved_phrases"] = N_("at most 20 phrases of 1 to 200 characters")
    return found


_COUNTRY = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def reference_pattern_problem(pattern: str) -> str | None:
    """What is wrong with a pattern that finds the supplier's reference in a subject, if anything."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return N_("is not a regular expression: %(error)s", error=str(exc))
    if compiled.groups > 1:
        return N_("at most one group: the reference it captures")
    if compiled.match(""):
        return N_("matches an empty subject; it must find a reference")
    return None


def find_reference(pattern: str, subject: str) -> str:
    """The supplier's reference in a subject (the pattern's group, or the whole match), or ""."""
    if not pattern:
        return ""
    try:
        found = re.search(pattern, subject or "")
    except re.error:
        return ""
    if found is None:
        return ""
    return (found.group(1) if found.re.groups else found.group(0)).strip()[:100]


def says_solved(phrases: Sequence[str], text: str) -> str:
    """The first of the supplier's "solved" phrases (or statuses) found in a mail, or ""."""
    folded = " ".join((text or "").casefold().split())
    for phrase in phrases:
        wanted = " ".join(phrase.casefold().split())
        if wanted and wanted in folded:
            return phrase
    return ""


def weekly_hours(text: str) -> tuple[tuple[Interval, ...], ...] | None:
    """ "mon-fri 08:00-18:00; sat 09:00-12:00" as weekly intervals; "24x7" as None (always open).
    Raises ValueError naming what is not understood."""
    spec = text.strip().lower()
    if spec in ("24x7", "24/7", "always"):
        return None
    weekly: list[list[Interval]] = [[] for _ in range(7)]
    for part in (p.strip() for p in spec.replace("\n", ";").split(";")):
        if not part:
            continue
        days, _, times = part.partition(" ")
        try:
            numbers = expand_days(days)
        except ValueError:
            raise ValueError(
                N_(
                    "%(days)r is not a day or range of days such as 'mon-fri'; "
                    "write e.g. 'mon-fri 08:00-18:00; sat 09:00-12:00' or '24x7'",
                    days=days[:20],
                )
            ) from None
        for window in times.replace(",", " ").split():
            interval = parse_hours(window)
            for day in numbers:
                weekly[day].append(interval)
    if not any(weekly):
        raise ValueError(N_("opens on no day; write e.g. 'mon-fri 08:00-18:00' or '24x7'"))
    for windows in weekly:
        windows.sort()
        if any(b[0] < a[1] for a, b in itertools.pairwise(windows)):
            raise ValueError(N_("opening hours overlap"))
    return tuple(tuple(d) for d in weekly)


@functools.lru_cache(maxsize=256)
def own_calendar(key: str, time_zone: str, hours: str, closed: frozenset[date]) -> Calendar:
    """The supplier's own business calendar: its zone, its weekly hours, its country's holidays
    (as dates). Cached: a sweep replays many tickets on the same supplier's calendar."""
    weekly = weekly_hours(hours) if hours else None
    return Calendar(
        key=key,
        timezone=time_zone or "UTC",
        weekly=weekly if weekly is not None else ((),) * 7,
        holidays=closed,
        always_open=weekly is None,
    )


def calendar_from_record(key: str, spec: object) -> Calendar | None:
    """The supplier's calendar as a hand-off recorded it ({timezone, hours, holidays}), if it reads."""
    if not isinstance(spec, Mapping):
        return None
    zone, hours, days = spec.get("timezone"), spec.get("hours"), spec.get("holidays", [])
    if not isinstance(zone, str) or not isinstance(hours, str) or not isinstance(days, list):
        return None
    try:
        ZoneInfo(zone or "UTC")
        closed = frozenset(date.fromisoformat(str(d)) for d in days)
        return own_calendar(key, zone, hours, closed)
    except (ValueError, ZoneInfoNotFoundError):
        return None
