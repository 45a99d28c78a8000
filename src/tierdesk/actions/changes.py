"""The administration change log: each administrative action writes one row, in its transaction.

Also the bridge from the desk's rows to the authority rule (`tierdesk.domain.authority`), so
every action asks the same question the same way, and the snapshots the log keeps (which name
no password hash, TOTP secret or token hash).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from tierdesk.domain.authority import Target, Thing, may_manage
from tierdesk.domain.errors import NotFound
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.words import N_
from tierdesk.persistence.actors import actor_of as actor_of  # kept here for the actions
from tierdesk.persistence.models import (
    AdminChange,
    ApiToken,
    Organisation,
    OrganisationDomain,
    Subscription,
    SupportTerms,
    User,
)

Snapshot = dict[str, Any]


def _kind(org: Organisation | None) -> OrganisationKind | None:
    return OrganisationKind(org.kind) if org is not None else None


def target_of(thing: Thing, obj: Any) -> Target:
    """The authority rule's view of a row."""
    if thing is Thing.PERSON:
        org = obj.organisation
        role = Role(obj.role) if obj.role else None
        return Target(thing, _kind(org), org.pk if org else None, role)
    if thing is Thing.TOKEN:
        return Target(thing, owner_id=obj.user_id)
    if thing is Thing.SUBSCRIPTION:
        obj = obj.account
    if thing is Thing.DOMAIN:
        obj = obj.organisation
    if thing in (Thing.ACCOUNT, Thing.SUBSCRIPTION):
        # An end-customer account is managed as part of the partner it belongs to.
        return Target(thing, _kind(obj.parent), obj.parent_id)
    return Target(thing, _kind(obj), obj.pk)


def require(actor: User, thing: Thing, obj: Any) -> None:
    """Refuse unless the actor manages the object: 404 when they may not even know of it."""
    if not may_manage(actor_of(actor), target_of(thing, obj)):
        raise NotFound(N_("no such %(value)s", value=thing.value))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(
    *,
    actor: User | None,
    now: datetime,
    thing: Thing,
    obj_id: Any,
    label: str,
    verb: str,
    before: Snapshot | None,
    after: Snapshot | None,
    organisation: Organisation | None = None,
) -> AdminChange:
    return AdminChange.objects.create(
        actor=actor,
        at=now,
        object_kind=thing.value,
        object_id=str(obj_id)[:40],
        object_label=label[:200],
        organisation=organisation,
        verb=verb,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )


def changed(before: Snapshot, after: Snapshot) -> dict[str, tuple[Any, Any]]:
    """The fields whose values differ: name -> (before, after)."""
    return {
        k: (before.get(k), after.get(k))
        for k in dict.fromkeys([*before, *after])
        if _plain(before.get(k)) != _plain(after.get(k))
    }


# Snapshots: what the log keeps of each kind of object. Never a secret.


def organisation_snapshot(org: Organisation) -> Snapshot:
    return {
        "kind": org.kind,
        "name": org.name,
        "slug": org.slug,
        "external_ref": org.external_ref,
        "parent": org.parent.slug if org.parent_id and org.parent else None,
        "contact_email": org.contact_email,
        "contact_phone": org.contact_phone,
        "active": org.is_active,
        **(
            {"authorised_requesters": list(org.authorised_requesters)}
            if org.kind == "customer"
            else {}
        ),
    }


def subscription_snapshot(sub: Subscription) -> Snapshot:
    return {
        "account": sub.account.slug,
        "reference": sub.reference,
        "product": sub.product,
        "active": sub.is_active,
        "starts_on": sub.starts_on,
        "ends_on": sub.ends_on,
    }


def terms_snapshot(terms: SupportTerms | None) -> Snapshot:
    if terms is None:
        return {}
    return {
        "method": terms.method,
        "contact": terms.contact,
        "severity_map": dict(terms.severity_map),
        "ola_target": terms.ola_target,
        "calendar": terms.calendar,
        "escalation_contacts": list(terms.escalation_contacts),
        "notes": terms.notes,
        "contacts": list(terms.contacts),
        "severity_scale": list(terms.severity_scale),
        "response_target": terms.response_target,
        "time_zone": terms.time_zone,
        "hours": terms.hours,
        "holiday_country": terms.holiday_country,
        "reference_pattern": terms.reference_pattern,
        "solved_phrases": list(terms.solved_phrases),
    }


def person_snapshot(user: User) -> Snapshot:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "organisation": user.organisation.slug if user.organisation else None,
        "levels": sorted(user.level_keys()) if user.pk else [],
        "language": user.language,
        "active": user.is_active,
    }


def domain_snapshot(domain: OrganisationDomain) -> Snapshot:
    return {"domain": domain.domain, "organisation": domain.organisation.slug}


def token_snapshot(token: ApiToken) -> Snapshot:
    return {
        "key_id": token.key_id,
        "name": token.name,
        "owner": token.user.username,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "scope": token.scope,
    }


def partner_of(org: Organisation | None) -> Organisation | None:
    """The partner an object belongs to, for scoping the log; None for the provider's own."""
    if org is None:
        return None
    if org.kind == OrganisationKind.CUSTOMER:
        return org.parent
    return org if org.kind == OrganisationKind.PARTNER else None
