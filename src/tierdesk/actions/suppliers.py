"""Suppliers and their support terms: how the provider asks for help (e-mail, portal, phone),
which of the supplier's severities each of ours maps to, the OLA it promised and on which
calendar, whom to escalate to. Administrators only; every change is logged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import changes as log
from tierdesk.actions.organisations import Edited, new_organisation, require_new
from tierdesk.domain import support_terms
from tierdesk.domain.authority import Target, Thing
from tierdesk.domain.errors import Invalid
from tierdesk.domain.parties import OrganisationKind
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Organisation, SupportTerms, User

TERMS_FIELDS = (
    "method",
    "contact",
    "severity_map",
    "ola_target",
    "calendar",
    "escalation_contacts",
    "notes",
    "contacts",
    "severity_scale",
    "response_target",
    "time_zone",
    "hours",
    "holiday_country",
    "reference_pattern",
    "solved_phrases",
)
TEXT_FIELDS = (
    "method",
    "contact",
    "ola_target",
    "calendar",
    "notes",
    "response_target",
    "time_zone",
    "hours",
    "holiday_country",
    "reference_pattern",
)
LIST_FIELDS = ("escalation_contacts", "contacts", "severity_scale", "solved_phrases")


def _contacts(value: object, name: str = "escalation_contacts") -> tuple[str, ...]:
    """A list as JSON gives it, or as a form or CSV cell does: one per line (contacts also
    separated by ";" or ","; phrases and severity labels may contain commas)."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value if name in ("solved_phrases", "severity_scale") else value.replace(",", "\n")
        parts = text.replace(";", "\n").splitlines()
    elif isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        raise Invalid(
            N_("%(name)s is a list", name=name),
            fields={name: N_("a list of texts, one per line")},
        )
    return tuple(p.strip() for p in parts if p.strip())


def holiday_country_problem(code: str) -> str | None:
    """Whether the `holidays` package knows the country (and region) the supplier works in."""
    if not code:
        return None
    country, _, region = code.partition("-")
    try:
        profiles.public_holidays(country, region or None, (2026, 2026))
    except (KeyError, NotImplementedError, ValueError, AttributeError) as exc:
        return N_(
            "no public holidays known for %(code)r (%(error)s)",
            code=code[:20],
            error=str(exc)[:150],
        )
    return None


def _severity_map(value: object) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        # "p1=Sev A; p2=Sev B", as a form or a CSV cell gives it
        pairs = [p.split("=", 1) for p in value.replace("\n", ";").split(";") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise Invalid(
                N_("the severity mapping is not understood"),
                fields={"severity_map": N_("write it as p1=Their label; p2=Other label")},
            )
        return {k.strip(): v.strip() for k, v in pairs}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    raise Invalid(
        N_("the severity mapping is a table"),
        fields={"severity_map": N_("a table of our severity key -> the supplier's label")},
    )


def clean_terms(values: Mapping[str, object], current: SupportTerms | None) -> dict[str, Any]:
    """The terms after applying `values` to the current ones, checked against the profile."""
    unknown = {
        k: N_("is not a field of the support terms") for k in values if k not in TERMS_FIELDS
    }
    if unknown:
        raise Invalid(N_("the support terms cannot be saved so"), fields=unknown)
    base = log.terms_snapshot(current) or {
        "method": "",
        "contact": "",
        "severity_map": {},
        "ola_target": "",
        "calendar": "",
        "escalation_contacts": [],
        "notes": "",
    }
    merged: dict[str, Any] = {**{n: [] for n in LIST_FIELDS}, **{n: "" for n in TEXT_FIELDS}}
    merged.update(base)
    for name in TEXT_FIELDS:
        if name in values:
            text = "" if values[name] is None else str(values[name])
            if "\x00" in text:
                raise Invalid(
                    N_("no NUL characters"), fields={name: N_("must not contain NUL characters")}
                )
            merged[name] = text.strip()
    merged["method"] = merged["method"].lower()
    merged["holiday_country"] = merged["holiday_country"].upper()
    if "severity_map" in values:
        merged["severity_map"] = _severity_map(values["severity_map"])
    for name in LIST_FIELDS:
        if name in values:
            merged[name] = list(_contacts(values[name], name))
    for name, texts in (
        ("severity_map", [*merged["severity_map"], *merged["severity_map"].values()]),
        *((n, merged[n]) for n in LIST_FIELDS),
    ):
        if any("\x00" in text for text in texts):
            raise Invalid(
                N_("no NUL characters"), fields={name: N_("must not contain NUL characters")}
            )
    limits = {
        "contact": 300,
        "ola_target": 60,
        "calendar": 40,
        "response_target": 60,
        "time_zone": 64,
        "hours": 200,
        "holiday_country": 12,
        "reference_pattern": 200,
    }
    problems = {
        k: N_("at most %(limit)s characters", limit=n)
        for k, n in limits.items()
        if len(merged[k]) > n
    }
    profile = profiles.active()
    problems.update(
        support_terms.problems(
            support_terms.Terms(
                method=merged["method"],
                contact=merged["contact"],
                severity_map=merged["severity_map"],
                ola_target=merged["ola_target"],
                calendar=merged["calendar"],
                escalation_contacts=tuple(merged["escalation_contacts"]),
                notes=merged["notes"],
                contacts=tuple(merged["contacts"]),
                severity_scale=tuple(merged["severity_scale"]),
                response_target=merged["response_target"],
                time_zone=merged["time_zone"],
                hours=merged["hours"],
                holiday_country=merged["holiday_country"],
                reference_pattern=merged["reference_pattern"],
                solved_phrases=tuple(merged["solved_phrases"]),
            ),
            severities=profile.severities,
            calendars=profile.calendars,
        )
    )
    if "holiday_country" not in problems:
        country = holiday_country_problem(merged["holiday_country"])
        if country:
            problems["holiday_country"] = country
    if problems:
        raise Invalid(N_("the support terms cannot be saved so"), fields=problems)
    return merged


def create_supplier(
    *,
    actor: User,
    name: str,
    now: datetime,
    slug: str = "",
    external_ref: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    terms: Mapping[str, object] | None = None,
) -> Organisation:
    """A supplier organisation, with its support terms when given (method and contact at least)."""
    require_new(actor, Target(Thing.SUPPLIER, OrganisationKind.SUPPLIER))
    values = {
        "name": name,
        "slug": slug,
        "external_ref": external_ref,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    cleaned = clean_terms(terms, None) if terms else None
    with transaction.atomic():
        org = new_organisation(actor=actor, kind=OrganisationKind.SUPPLIER, now=now, values=values)
        if cleaned is not None:
            _save_terms(actor=actor, supplier=org, current=None, merged=cleaned, now=now)
    return org


def _save_terms(
    *,
    actor: User,
    supplier: Organisation,
    current: SupportTerms | None,
    merged: dict[str, Any],
    now: datetime,
) -> dict[str, tuple[Any, Any]]:
    before = log.terms_snapshot(current)
    terms = current or SupportTerms(organisation=supplier)
    for name, value in merged.items():
        setattr(terms, name, value)
    after = log.terms_snapshot(terms)
    diff = log.changed(before, after)
    if not diff:
        return {}
    terms.updated_at = now
    terms.save()
    log.record(
        actor=actor,
        now=now,
        thing=Thing.SUPPLIER,
        obj_id=supplier.pk,
        label=supplier.name,
        verb="terms" if current else "create terms",
        before={k: before.get(k) for k in diff} if current else None,
        after={k: after[k] for k in diff},
    )
    return diff


def set_terms(
    *, actor: User, supplier: Organisation, now: datetime, changes: Mapping[str, object]
) -> Edited:
    """Set or change a supplier's support terms; the first time, method and contact are needed."""
    log.require(actor, Thing.SUPPLIER, supplier)
    with transaction.atomic():
        current = SupportTerms.objects.select_for_update().filter(organisation=supplier).first()
        merged = clean_terms(changes, current)
        diff = _save_terms(actor=actor, supplier=supplier, current=current, merged=merged, now=now)
    return Edited(
        SupportTerms.objects.get(organisation=supplier) if diff or current else None, diff
    )
