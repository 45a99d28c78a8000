"""A supplier's support terms checked against the profile: method, contact, severities, OLA."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
    return found
