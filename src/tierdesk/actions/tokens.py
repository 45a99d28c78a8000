"""Personal API tokens: issued once in clear, kept only as a hash, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from tierdesk.actions import changes as log
from tierdesk.domain.authority import Thing
from tierdesk.domain.errors import Invalid, NotFound
from tierdesk.domain.words import N_
from tierdesk.persistence.models import ApiToken, User

PREFIX = "tdk"
# What a token opens: "" the whole API as its person; a scope only its own intake endpoint
# (a monitoring system or a message bridge holds a token that reads nothing else).
SCOPES = ("", "monitoring", "messages")


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *,
    user: User,
    name: str,
    now: datetime,
    expires_at: datetime | None = None,
    scope: str = "",
) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid(N_("a token needs a name"), fields={"name": N_("1 to 100 characters")})
    if scope not in SCOPES:
        raise Invalid(
            N_("no such scope"),
            fields={
                "scope": N_(
                    "expected one of %(choices)s", choices=", ".join(s or '""' for s in SCOPES)
                )
            },
        )
    if expires_at is not None and expires_at <= now:
        raise Invalid(
            N_("the expiry is in the past"), fields={"expires_at": N_("must be in the future")}
        )
    key_id = secrets.token_hex(6)
    secret = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_id=key_id,
        key_hash=_digest(secret),
        created_at=now,
        expires_at=expires_at,
        scope=scope,
    )
    return IssuedToken(token, secret)


def authenticate(secret: str, *, now: datetime, scope: str = "") -> User | None:
    """The active user a presented token of `scope` belongs to, or None (a token of another
    scope opens nothing here). Constant-time comparison."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or "\x00" in secret or len(parts[1]) > 16:
        return None  # not a token this desk issued (PostgreSQL refuses NUL even in a lookup)
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_id=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(secret)):
        return None
    if token.scope != scope:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not may_sign_in(token.user):
        return None
    # Record use at most once a minute so reads do not turn into writes on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_token(*, user: User, key_id: str, now: datetime) -> None:
    updated = ApiToken.objects.filter(user=user, key_id=key_id, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if not updated:
        raise Invalid(
            N_("no such active token"), fields={"key_id": N_("no active token with this id")}
        )


def may_sign_in(user: User) -> bool:
    """An active person of an active organisation. (Deactivating an organisation deactivates
    its people too, so page sessions refuse them; tokens check both anyway.)"""
    return user.is_active and (user.organisation is None or user.organisation.is_active)


def issue_token(
    *,
    actor: User,
    owner: User,
    name: str,
    now: datetime,
    expires_at: datetime | None = None,
    scope: str = "",
) -> IssuedToken:
    """A token for `owner` (oneself, or anyone for an administrator); the secret is in the
    answer once and nowhere else, the change log included."""
    log.require(actor, Thing.TOKEN, ApiToken(user=owner))
    if not may_sign_in(owner):
        raise Invalid(
            N_("a deactivated person gets no token"), fields={"user": N_("is deactivated")}
        )
    with transaction.atomic():
        issued = create_token(user=owner, name=name, now=now, expires_at=expires_at, scope=scope)
        log.record(
            actor=actor,
            now=now,
            thing=Thing.TOKEN,
            obj_id=issued.token.key_id,
            label=f"{issued.token.name} ({owner.username})",
            verb="create",
            before=None,
            after=log.token_snapshot(issued.token),
            organisation=log.partner_of(owner.organisation),
        )
    return issued


def withdraw_token(*, actor: User, key_id: str, now: datetime) -> ApiToken:
    """Revoke a token by its id: one's own, or anyone's for an administrator."""
    token = (
        ApiToken.objects.select_related("user", "user__organisation").filter(key_id=key_id).first()
        if "\x00" not in key_id
        else None
    )
    if token is None:
        raise NotFound(N_("no such token"))
    log.require(actor, Thing.TOKEN, token)
    if token.revoked_at is not None:
        raise Invalid(
            N_("the token is already revoked"), fields={"key_id": N_("is already revoked")}
        )
    with transaction.atomic():
        before = log.token_snapshot(token)
        revoke_token(user=token.user, key_id=key_id, now=now)
        token.revoked_at = now
        log.record(
            actor=actor,
            now=now,
            thing=Thing.TOKEN,
            obj_id=token.key_id,
            label=f"{token.name} ({token.user.username})",
            verb="revoke",
            before={"revoked_at": before["revoked_at"]},
            after={"revoked_at": now},
            organisation=log.partner_of(token.user.organisation),
        )
    return token
