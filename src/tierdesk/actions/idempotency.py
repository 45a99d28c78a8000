"""Idempotency keys: an API call retried with the same key and the same request is answered with
the first answer and changes nothing twice.

`begin` runs before the request's transaction and commits at once, so a concurrent retry sees
that the first is still running (the unique key decides which is first); `finish` writes the
answer inside the request's transaction, so the answer is kept exactly when the change is.
`abandon` forgets a key whose request failed, so a retry runs it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from tierdesk.persistence.models import IdempotencyKey


@dataclass(frozen=True)
class Begun:
    """This request is the one running under the key."""

    pk: int
    claim_token: str


@dataclass(frozen=True)
class Answered:
    """The key's first request succeeded: its answer, to give again."""

    status: int
    content_type: str
    body: bytes


class Running:
    """The key's first request is still running."""


class Mismatch:
    """The key was used with another request."""


def keep() -> timedelta:
    return timedelta(hours=settings.TIERDESK["IDEMPOTENCY_KEEP_HOURS"])


def in_flight() -> timedelta:
    return timedelta(seconds=settings.TIERDESK["IDEMPOTENCY_IN_FLIGHT_SECONDS"])


def begin(
    *, scope: str, key: str, request_hash: str, method: str, path: str, now: datetime
) -> Begun | Answered | Running | Mismatch:
    for _ in range(3):
        row = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if row is not None and row.created_at <= now - keep():
            # Forgotten on read: a key older than a day starts over.
            IdempotencyKey.objects.filter(pk=row.pk, created_at=row.created_at).delete()
            row = None
        if row is None:
            token = uuid.uuid4().hex
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        scope=scope,
                        key=key,
                        request_hash=request_hash,
                        method=method,
                        path=path[:500],
                        claim_token=token,
                        locked_until=now + in_flight(),
                        created_at=now,
                    )
            except IntegrityError:
                continue  # another request with this key began a moment ago: look again
            return Begun(row.pk, token)
        if row.request_hash != request_hash:
            return Mismatch()
        if row.status is not None:
            return Answered(row.status, row.content_type, bytes(row.body))
        if row.locked_until is not None and row.locked_until > now:
            return Running()
        # The first request's process died before it answered: this one takes the key over.
        token = uuid.uuid4().hex
        if IdempotencyKey.objects.filter(
            pk=row.pk, claim_token=row.claim_token, status__isnull=True
        ).update(claim_token=token, locked_until=now + in_flight()):
            return Begun(row.pk, token)
    return Running()


def finish(begun: Begun, *, status: int, content_type: str, body: bytes) -> bool:
    """Keep the answer, in the request's transaction; False when the key was taken over (the
    request outlived its in-flight time), and then the caller must roll its change back."""
    return bool(
        IdempotencyKey.objects.filter(
            pk=begun.pk, claim_token=begun.claim_token, status__isnull=True
        ).update(status=status, content_type=content_type[:100], body=body, locked_until=None)
    )


def abandon(begun: Begun) -> None:
    """The request failed or was refused: it changed nothing, so a retry with the key runs."""
    IdempotencyKey.objects.filter(
        pk=begun.pk, claim_token=begun.claim_token, status__isnull=True
    ).delete()


def forget_expired(now: datetime) -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=now - keep()).delete()
    return deleted
