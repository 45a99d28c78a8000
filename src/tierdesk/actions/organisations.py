"""Partner organisations, their end-customer accounts and subscriptions: create, edit,
deactivate and reactivate, each change checked by the authority rule and logged.

Nothing is deleted: a deactivated organisation keeps its tickets, its people cannot sign in and
it leaves the choices offered on forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tierdesk.actions import changes as log
from tierdesk.actions.people import create_organisation
from tierdesk.domain import requester_authority
from tierdesk.domain.authority import Target, Thing, may_manage
from tierdesk.domain.errors import Conflict, Invalid, NotFound
from tierdesk.domain.parties import OrganisationKind
from tierdesk.domain.words import N_
from tierdesk.persistence.models import AdminChange, Organisation, Subscription, User

SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
ORGANISATION_FIELDS = ("name", "slug", "external_ref", "contact_email", "contact_phone")
SUBSCRIPTION_FIELDS = ("reference", "product", "starts_on", "ends_on", "active")


@dataclass(frozen=True)
class Edited:
    """The object after an edit, and what changed: field -> (before, after). Empty: nothing."""

    obj: Any
    changes: dict[str, tuple[Any, Any]]


def thing_of(org: Organisation) -> Thing:
    return {
        OrganisationKind.CUSTOMER: Thing.ACCOUNT,
        OrganisationKind.SUPPLIER: Thing.SUPPLIER,
    }.get(OrganisationKind(org.kind), Thing.ORGANISATION)


def _text(value: object, field: str, limit: int, problems: dict[str, str]) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        problems[field] = N_("must not contain NUL characters")
    elif len(text) > limit:
        problems[field] = N_("at most %(limit)s characters", limit=limit)
    return text.strip()


def check_contact(values: Mapping[str, object], problems: dict[str, str]) -> None:
    email = str(values.get("contact_email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["contact_email"] = N_("%(value)r is not an e-mail address", value=email[:60])
    phone = str(values.get("contact_phone") or "").strip()
    if phone and not PHONE.match(phone):
        problems["contact_phone"] = N_(
            "%(value)r is not a phone number such as +352 2612 3456", value=phone[:60]
        )


def clean_organisation(
    values: Mapping[str, object], *, current: Organisation | None = None
) -> dict[str, Any]:
    """The organisation fields given, stripped and checked; Invalid names every bad field."""
    listed = (
        current is not None
        and current.kind == OrganisationKind.CUSTOMER
        and "authorised_requesters" in values
    )
    unknown = [
        k
        for k in values
        if k not in ORGANISATION_FIELDS and not (listed and k == "authorised_requesters")
    ]
    problems: dict[str, str] = {k: N_("is not a field that can be set here") for k in unknown}
    out: dict[str, Any] = {}
    if listed:
        raw = values["authorised_requesters"]
        entries = raw.splitlines() if isinstance(raw, str) else raw
        if not isinstance(entries, list | tuple) or not all(isinstance(e, str) for e in entries):
            problems["authorised_requesters"] = N_("is not a list of e-mail addresses and @domains")
        elif any("\x00" in e for e in entries):
            problems["authorised_requesters"] = N_("must not contain NUL characters")
        else:
            cleaned, problem = requester_authority.normalise(entries)
            if problem:
                problems["authorised_requesters"] = problem
            else:
                out["authorised_requesters"] = cleaned
    limits = {
        "name": 200,
        "slug": 80,
        "external_ref": 100,
        "contact_email": 254,
        "contact_phone": 40,
    }
    for name in ORGANISATION_FIELDS:
        if name in values:
            out[name] = _text(values[name], name, limits[name], problems)
    if "name" in out and not out["name"] and "name" not in problems:
        problems["name"] = N_("is required")
    if out.get("slug") and "slug" not in problems:
        slug = out["slug"]
        if (
            current is not None
            and current.kind == OrganisationKind.SUPPLIER
            and slug != current.slug
        ):
            # Tickets and their hand-offs name a supplier by its slug: renamed, it would lose
            # them, and whoever took the old slug next would read them.
            problems["slug"] = N_("a supplier keeps its slug; the tickets handed to it name it so")
        elif not SLUG.match(slug):
            problems["slug"] = N_(
                "lower-case letters, digits and single hyphens or underscores, e.g. north-wind"
            )
        elif (
            Organisation.objects.filter(slug=slug)  # type: ignore[misc]
            .exclude(pk=current.pk if current else None)
            .exists()
        ):
            problems["slug"] = N_("%(slug)r is already used by another organisation", slug=slug)
    check_contact(out, problems)
    if problems:
        raise Invalid(N_("the organisation cannot be saved so"), fields=problems)
    return out


def may_manage_accounts_of(actor: User, partner: Organisation) -> bool:
    return may_manage(
        log.actor_of(actor), Target(Thing.ACCOUNT, OrganisationKind.PARTNER, partner.pk)
    )


def require_new(actor: User, target: Target) -> None:
    if not may_manage(log.actor_of(actor), target):
        raise NotFound(N_("no such %(value)s", value=target.thing.value))


def new_organisation(
    *,
    actor: User,
    kind: OrganisationKind,
    now: datetime,
    values: Mapping[str, object],
    parent: Organisation | None = None,
) -> Organisation:
    data = clean_organisation(values)
    org = create_organisation(
        name=data.get("name", ""),
        kind=kind,
        now=now,
        parent=parent,
        slug=data.get("slug") or None,
        external_ref=data.get("external_ref", ""),
    )
    org.contact_email = data.get("contact_email", "")
    org.contact_phone = data.get("contact_phone", "")
    org.save(update_fields=["contact_email", "contact_phone"])
    log.record(
        actor=actor,
        now=now,
        thing=thing_of(org),
        obj_id=org.pk,
        label=org.name,
        verb="create",
        before=None,
        after=log.organisation_snapshot(org),
        organisation=log.partner_of(org),
    )
    return org


def create_partner(
    *,
    actor: User,
    name: str,
    now: datetime,
    slug: str = "",
    external_ref: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Organisation:
    """A new partner organisation. Administrators only."""
    require_new(actor, Target(Thing.ORGANISATION, OrganisationKind.PARTNER))
    values = {
        "name": name,
        "slug": slug,
        "external_ref": external_ref,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    with transaction.atomic():
        return new_organisation(actor=actor, kind=OrganisationKind.PARTNER, now=now, values=values)


def create_account(
    *,
    actor: User,
    partner: Organisation,
    name: str,
    now: datetime,
    slug: str = "",
    external_ref: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Organisation:
    """A new end-customer account of a partner: administrators, or that partner's admins."""
    if partner.kind != OrganisationKind.PARTNER:
        raise Invalid(
            N_("an end-customer account belongs to a partner"),
            fields={"partner": N_("is not a partner organisation")},
        )
    require_new(actor, Target(Thing.ACCOUNT, OrganisationKind.PARTNER, partner.pk))
    if not partner.is_active:
        raise Invalid(
            N_("the partner is deactivated"),
            fields={"partner": N_("is deactivated; reactivate it first")},
        )
    values = {
        "name": name,
        "slug": slug,
        "external_ref": external_ref,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    with transaction.atomic():
        return new_organisation(
            actor=actor, kind=OrganisationKind.CUSTOMER, now=now, values=values, parent=partner
        )


def edit_organisation(
    *, actor: User, organisation: Organisation, now: datetime, changes: Mapping[str, object]
) -> Edited:
    """Change any of name, slug, external_ref, contact_email, contact_phone of a partner, an
    end-customer account, a supplier (or the provider itself, for administrators), and an
    account's authorised requesters (Zynstra: who may raise requests for it)."""
    thing = thing_of(organisation)
    log.require(actor, thing, organisation)
    data = clean_organisation(changes, current=organisation)
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = log.organisation_snapshot(org)
        for name, value in data.items():
            if name == "slug" and not value:
                continue  # an empty slug keeps the one there is
            setattr(org, name, value)
        after = log.organisation_snapshot(org)
        diff = log.changed(before, after)
        if diff:
            org.save()
            log.record(
                actor=actor,
                now=now,
                thing=thing,
                obj_id=org.pk,
                label=org.name,
                verb="edit",
                before={k: before[k] for k in diff},
                after={k: after[k] for k in diff},
                organisation=log.partner_of(org),
            )
    return Edited(org, diff)


def _set_active(*, actor: User, organisation: Organisation, active: bool, now: datetime) -> Edited:
    thing = thing_of(organisation)
    log.require(actor, thing, organisation)
    if organisation.kind == OrganisationKind.PROVIDER:
        raise Conflict(
            N_("the provider's own organisation is never deactivated"),
            fields={"organisation": N_("is the provider")},
        )
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if active and org.parent is not None and not org.parent.is_active:
            raise Conflict(
                N_("its partner is deactivated; reactivate the partner first"),
                fields={"partner": N_("is deactivated")},
            )
        if org.is_active == active:
            return Edited(org, {})
        org.is_active = active
        org.save(update_fields=["is_active"])
        # Its people go with it (so no session, login or token of theirs works), and come back
        # with it: exactly those it took, not those deactivated one by one before.
        if active:
            people = _taken_with(org, thing)
            User.objects.filter(username__in=people, organisation=org).update(is_active=True)
        else:
            people = sorted(
                User.objects.filter(organisation=org, is_active=True).values_list(
                    "username", flat=True
                )
            )
            User.objects.filter(username__in=people).update(is_active=False)
        log.record(
            actor=actor,
            now=now,
            thing=thing,
            obj_id=org.pk,
            label=org.name,
            verb="reactivate" if active else "deactivate",
            before={"active": not active},
            after={"active": active, **({"people": people} if people else {})},
            organisation=log.partner_of(org),
        )
    return Edited(org, {"active": (not active, active)})


def _taken_with(org: Organisation, thing: Thing) -> list[str]:
    last = (
        AdminChange.objects.filter(
            object_kind=thing.value, object_id=str(org.pk), verb="deactivate"
        )
        .order_by("-at", "-pk")
        .first()
    )
    people = (last.after or {}).get("people", []) if last is not None else []
    return [str(p) for p in people]


def deactivate_organisation(*, actor: User, organisation: Organisation, now: datetime) -> Edited:
    """Its people can no longer sign in and it leaves every choice; its tickets stay.
    The answer's `people` are the usernames deactivated with it."""
    return _set_active(actor=actor, organisation=organisation, active=False, now=now)


def reactivate_organisation(*, actor: User, organisation: Organisation, now: datetime) -> Edited:
    return _set_active(actor=actor, organisation=organisation, active=True, now=now)


# Subscriptions ---------------------------------------------------------------------------------


def _date(value: object, field: str, problems: dict[str, str]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems[field] = N_("%(value)r is not a date such as 2026-01-31", value=str(value)[:40])
        return None


def _flag(value: object, field: str, problems: dict[str, str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "active", "on"):
        return True
    if text in ("0", "false", "no", "n", "inactive", "off"):
        return False
    problems[field] = N_("%(value)r is not yes or no", value=str(value)[:20])
    return True


def clean_subscription(
    values: Mapping[str, object], *, account: Organisation, current: Subscription | None = None
) -> dict[str, Any]:
    problems: dict[str, str] = {
        k: "is not a field that can be set here" for k in values if k not in SUBSCRIPTION_FIELDS
    }
    out: dict[str, Any] = {}
    if "reference" in values:
        out["reference"] = _text(values["reference"], "reference", 100, problems)
        if not out["reference"] and "reference" not in problems:
            problems["reference"] = N_("is required")
        elif (
            Subscription.objects.filter(account=account, reference=out["reference"])  # type: ignore[misc]
            .exclude(pk=current.pk if current else None)
            .exists()
        ):
            problems["reference"] = N_(
                "%(reference)r is already a subscription of this account",
                reference=out["reference"],
            )
    if "product" in values:
        out["product"] = _text(values["product"], "product", 200, problems)
        if not out["product"] and "product" not in problems:
            problems["product"] = N_("is required")
    for name in ("starts_on", "ends_on"):
        if name in values:
            out[name] = _date(values[name], name, problems)
    if "active" in values:
        out["active"] = _flag(values["active"], "active", problems)
    starts = out.get("starts_on", current.starts_on if current else None)
    ends = out.get("ends_on", current.ends_on if current else None)
    if starts and ends and ends < starts and "ends_on" not in problems:
        problems["ends_on"] = N_("is before the start")
    if problems:
        raise Invalid(N_("the subscription cannot be saved so"), fields=problems)
    return out


def add_subscription(
    *,
    actor: User,
    account: Organisation,
    reference: str,
    product: str,
    now: datetime,
    starts_on: date | None = None,
    ends_on: date | None = None,
    active: bool = True,
) -> Subscription:
    if account.kind != OrganisationKind.CUSTOMER:
        raise Invalid(
            N_("subscriptions belong to end-customer accounts"),
            fields={"account": N_("is not an end-customer account")},
        )
    log.require(actor, Thing.ACCOUNT, account)
    data = clean_subscription(
        {
            "reference": reference,
            "product": product,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "active": active,
        },
        account=account,
    )
    with transaction.atomic():
        sub = Subscription.objects.create(
            account=account,
            reference=data["reference"],
            product=data["product"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            is_active=data["active"],
            created_at=now,
        )
        log.record(
            actor=actor,
            now=now,
            thing=Thing.SUBSCRIPTION,
            obj_id=sub.pk,
            label=f"{account.name}: {sub.reference}",
            verb="create",
            before=None,
            after=log.subscription_snapshot(sub),
            organisation=log.partner_of(account),
        )
    return sub


def edit_subscription(
    *, actor: User, subscription: Subscription, now: datetime, changes: Mapping[str, object]
) -> Edited:
    """Change any of reference, product, starts_on, ends_on, active (false ends it)."""
    log.require(actor, Thing.SUBSCRIPTION, subscription)
    data = clean_subscription(changes, account=subscription.account, current=subscription)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        before = log.subscription_snapshot(sub)
        for name, value in data.items():
            setattr(sub, "is_active" if name == "active" else name, value)
        after = log.subscription_snapshot(sub)
        diff = log.changed(before, after)
        if diff:
            sub.save()
            log.record(
                actor=actor,
                now=now,
                thing=Thing.SUBSCRIPTION,
                obj_id=sub.pk,
                label=f"{sub.account.name}: {sub.reference}",
                verb="edit",
                before={k: before[k] for k in diff},
                after={k: after[k] for k in diff},
                organisation=log.partner_of(sub.account),
            )
    return Edited(sub, diff)
