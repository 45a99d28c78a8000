"""What administration reads: organisations, accounts, suppliers, people, tokens and the change
log, each scoped to the reader (an administrator sees the desk; a partner admin their own
organisation; everyone else only their own tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from tierdesk.domain.authority import administers
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.words import N_
from tierdesk.persistence.actors import actor_of
from tierdesk.persistence.models import (
    AdminChange,
    ApiToken,
    Organisation,
    OrganisationDomain,
    Subscription,
    User,
)

MAX_PAGE = 200
_M = TypeVar("_M", bound=Model)


def _text(value: str | None, field: str) -> str | None:
    # PostgreSQL refuses NUL in text even in a WHERE clause: a field error, not a failed query.
    if value is not None and "\x00" in value:
        raise Invalid(
            N_("no NUL characters"), fields={field: N_("must not contain NUL characters")}
        )
    return value


def _key(value: str, what: str) -> str:
    if "\x00" in value:
        raise NotFound(N_("no such %(what)s", what=what))
    return value


def _reader(actor: User) -> Role:
    if not administers(actor_of(actor)):
        raise Forbidden(N_("administration is for administrators"))
    return Role(actor.role)


def _is_admin(actor: User) -> bool:
    return _reader(actor) is Role.ADMINISTRATOR


def _active(qs: QuerySet[_M], active: bool | None, field: str = "is_active") -> QuerySet[_M]:
    return qs if active is None else qs.filter(**{field: active})


def _search(qs: QuerySet[_M], q: str | None, *fields: str) -> QuerySet[_M]:
    words = (_text(q, "q") or "").strip()
    if not words:
        return qs
    cond = Q()
    for f in fields:
        cond |= Q(**{f"{f}__icontains": words})
    return qs.filter(cond)


def partners(
    actor: User, *, active: bool | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=OrganisationKind.PARTNER)
    if not _is_admin(actor):
        qs = qs.filter(pk=actor.organisation_id)  # type: ignore[misc]
    return _search(_active(qs, active), q, "name", "slug", "external_ref").order_by("name", "pk")


def accounts(
    actor: User,
    *,
    partner: Organisation | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=OrganisationKind.CUSTOMER).select_related("parent")
    if not _is_admin(actor):
        qs = qs.filter(parent_id=actor.organisation_id)
    if partner is not None:
        qs = qs.filter(parent=partner)
    qs = _search(_active(qs, active), q, "name", "slug", "external_ref")
    return qs.order_by("parent__name", "name", "pk")


def suppliers(
    actor: User, *, active: bool | None = None, q: str | None = None
) -> QuerySet[Organisation]:
    if not _is_admin(actor):
        raise Forbidden(N_("suppliers are for the provider's administrators"))
    qs = Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).select_related("support_terms")
    return _search(_active(qs, active), q, "name", "slug").order_by("name", "pk")


def organisation(actor: User, slug: str) -> Organisation:
    """An organisation the reader administers (any kind), or NotFound."""
    role = _reader(actor)
    org = (
        Organisation.objects.select_related("parent")
        .filter(slug=_key(slug, "organisation"))
        .first()
    )
    if org is None:
        raise NotFound(N_("no such organisation"))
    if role is Role.ADMINISTRATOR:
        return org
    own = actor.organisation_id
    if org.pk == own or (org.kind == OrganisationKind.CUSTOMER and org.parent_id == own):
        return org
    raise NotFound(N_("no such organisation"))


def subscriptions(actor: User, account: Organisation) -> QuerySet[Subscription]:
    organisation(actor, account.slug)  # scoped: NotFound when not the reader's
    return Subscription.objects.filter(account=account).order_by("reference", "pk")


def subscription(actor: User, account: Organisation, reference: str) -> Subscription:
    found = subscriptions(actor, account).filter(reference=_key(reference, "subscription")).first()
    if found is None:
        raise NotFound(N_("no such subscription"))
    return found


def domains(actor: User, org: Organisation) -> QuerySet[OrganisationDomain]:
    organisation(actor, org.slug)
    return OrganisationDomain.objects.filter(organisation=org).order_by("domain")


def people(
    actor: User,
    *,
    organisation: Organisation | None = None,
    role: str | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> QuerySet[User]:
    qs = User.objects.select_related("organisation").prefetch_related("level_memberships")
    if not _is_admin(actor):
        qs = qs.filter(organisation_id=actor.organisation_id)  # type: ignore[misc]
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if _text(role, "role"):
        qs = qs.filter(role=role)
    qs = _search(_active(qs, active), q, "username", "first_name", "last_name", "email")
    return qs.order_by("last_name", "first_name", "username")


def person(actor: User, username: str) -> User:
    found = people(actor).filter(username=_key(username, "person")).first()
    if found is None:
        raise NotFound(N_("no such person"))
    return found


def tokens(
    actor: User, *, owner: User | None = None, include_revoked: bool = True
) -> QuerySet[ApiToken]:
    """API tokens (never their secret): anyone's for an administrator, else one's own."""
    qs = ApiToken.objects.select_related("user")
    if not (actor_of(actor).active and actor.role == Role.ADMINISTRATOR):
        qs = qs.filter(user=actor)
    if owner is not None:
        qs = qs.filter(user=owner)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ChangePage:
    changes: list[AdminChange]
    next_cursor: int | None  # pass as `before` for the next (older) page


def changes(
    actor: User,
    *,
    kind: str | None = None,
    by: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    object_id: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> ChangePage:
    """The change log, newest first, a page at a time (keyset on the row id)."""
    for name, value in (("kind", kind), ("actor", by), ("object_id", object_id)):
        _text(value, name)
    qs = AdminChange.objects.select_related("actor")
    if not _is_admin(actor):
        qs = qs.filter(organisation_id=actor.organisation_id)  # type: ignore[misc]
    if kind:
        qs = qs.filter(object_kind=kind)
    if by:
        qs = qs.filter(actor__username=by)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    limit = max(1, min(limit, MAX_PAGE))
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangePage(rows, rows[-1].pk if more and rows else None)


def choosable_accounts(partner: Organisation) -> QuerySet[Organisation]:
    """The end-customer accounts a form may offer: active ones of an active partner."""
    return Organisation.objects.filter(
        kind=OrganisationKind.CUSTOMER, parent=partner, is_active=True, parent__is_active=True
    ).order_by("name")


def choosable_all_accounts() -> QuerySet[Organisation]:
    """Every partner's choosable end-customer accounts, for the desk logging a call."""
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.CUSTOMER, is_active=True, parent__is_active=True
        )
        .select_related("parent")
        .order_by("name")
    )


def choosable_subscriptions(partner: Organisation | None = None) -> QuerySet[Subscription]:
    """The subscriptions a form may offer: active ones of the active end-customer accounts of an
    active partner (of `partner` when named), with their account."""
    found = Subscription.objects.filter(
        is_active=True,
        account__kind=OrganisationKind.CUSTOMER,
        account__is_active=True,
        account__parent__is_active=True,
    )
    if partner is not None:
        found = found.filter(account__parent=partner)
    return found.select_related("account", "account__parent").order_by("account__name", "reference")


def choosable_partners() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_active=True).order_by(
        "name"
    )


def choosable_suppliers() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.SUPPLIER, is_active=True).order_by(
        "name"
    )
