"""Personal API tokens: issued once in clear, kept only as a hash, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from tierdesk.domain.errors import Invalid
from tierdesk.persistence.models import ApiToken, User

PREFIX = "tdk"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, user: User, name: str, now: datetime, expires_at: datetime | None = None
) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a token needs a name", fields={"name": "1 to 100 characters"})
    if expires_at is not None and expires_at <= now:
        raise Invalid("the expiry is in the past", fields={"expires_at": "must be in the future"})
    key_id = secrets.token_hex(6)
    secret = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_id=key_id,
        key_hash=_digest(secret),
        created_at=now,
        expires_at=expires_at,
    )
    return IssuedToken(token, secret)


def authenticate(secret: str, *, now: datetime) -> User | None:
    """The active user a presented token belongs to, or None. Constant-time comparison."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_id=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(secret)):
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.is_active:
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
        raise Invalid("no such active token", fields={"key_id": "no active token with this id"})
