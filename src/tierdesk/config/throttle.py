"""Rate limits: how often one address, or one API token, may knock on each door.

Counted in what every worker process shares: with Redis as the cache, by django-ratelimit in
Redis; with the database as the cache (the embedded desk), in the `tierdesk_ratecount` table, one
atomic upsert per door (django-ratelimit's add, get and set on the database cache took up to 12
statements per door and could lose counts between concurrent requests). The windows are
django-ratelimit's either way: fixed, staggered per key. A request over a limit is answered
429 with Retry-After (the seconds until its window ends): a JSON error from the API, a short
translated page elsewhere. The login lockout per username (django-axes) stays as it is; these
limits are per address and per token, so spraying many usernames or tokens is slowed too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_ratelimit.core
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from tierdesk import clock
from tierdesk.api.errors import error_response


class _DeskTime:
    """The library reads the time to find a request's window; it reads the desk's clock, so a
    test that moves the clock moves the windows (and production reads the system clock)."""

    @staticmethod
    def time() -> float:
        return clock.now().timestamp()


django_ratelimit.core.time = _DeskTime


@dataclass(frozen=True)
class Door:
    """One limited door: a name (the setting's and the counter's), the paths and methods it
    covers, and what a request is counted by."""

    name: str
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    key: Callable[[str, HttpRequest], str | None]


def client_address(request: HttpRequest) -> str:
    """The caller's address: the proxy's X-Forwarded-For entry when the desk is behind one
    (TIERDESK_BEHIND_PROXY), else the connection's."""
    if getattr(settings, "TIERDESK_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [part.strip() for part in forwarded.split(",") if part.strip()]
        if entries:
            return entries[-1]
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104 (a key, not a bind)


def _by_address(group: str, request: HttpRequest) -> str:
    return "address:" + client_address(request)


def _by_token(group: str, request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None  # a session caller is counted by address only
    # The token's key id (before the dot) names it; hashed so no part of a secret is a key.
    key_id = token.strip().split(".", 1)[0]
    return "token:" + hashlib.sha256(key_id.encode("utf-8", "replace")).hexdigest()


POST = ("POST",)
ANY = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

DOORS = (
    Door("LOGIN", re.compile(r"^/login/$"), POST, _by_address),
    Door("LOGIN_CODE", re.compile(r"^/login/code/$"), POST, _by_address),
    Door("REGISTER", re.compile(r"^/register/$"), POST, _by_address),
    Door("PASSWORD_RESET", re.compile(r"^/password-reset/$"), POST, _by_address),
    # Following an emailed link: a registration confirmation or a password reset token.
    Door(
        "LINKS",
        re.compile(r"^/(register/confirm/[^/]+|password-reset/[^/]+/[^/]+)/$"),
        ANY,
        _by_address,
    ),
    Door("API_TOKEN", re.compile(r"^/api/"), ANY, _by_token),
    Door("API_ADDRESS", re.compile(r"^/api/"), ANY, _by_address),
)


def rates() -> dict[str, str]:
    configured: dict[str, str] = getattr(settings, "TIERDESK_RATE_LIMITS", {})
    return configured


def over_limit(request: HttpRequest) -> tuple[Door, int] | None:
    """A door whose limit this request exceeds, and the seconds until every exceeded door has
    reopened.

    Every matching door counts the request, so a caller over one limit still uses up the others.
    """
    method = request.method or "GET"
    path = request.path_info
    refused: tuple[Door, int] | None = None
    for door in DOORS:
        rate = rates().get(door.name)
        if not rate or method not in door.methods or not door.pattern.match(path):
            continue
        value = door.key(door.name, request)
        if value is None:
            continue
        usage = (
            _count_in_database(door.name, value, rate)
            if _counted_in_database()
            else django_ratelimit.core.get_usage(
                request, group=door.name, key=door.key, rate=rate, increment=True
            )
        )
        if usage is not None and usage["should_limit"]:
            # The window's last second still belongs to it: reopen the second after.
            wait = max(1, int(usage["time_left"]) + 1)
            if refused is None or wait > refused[1]:
                refused = (door, wait)
    return refused


def _counted_in_database() -> bool:
    backend = str(settings.CACHES[getattr(settings, "RATELIMIT_USE_CACHE", "default")]["BACKEND"])
    return backend.endswith("DatabaseCache")


_UPSERT = """
INSERT INTO tierdesk_ratecount (key, window_end, count) VALUES (%s, %s, 1)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN tierdesk_ratecount.window_end = excluded.window_end
                 THEN tierdesk_ratecount.count + 1 ELSE 1 END,
    window_end = excluded.window_end
RETURNING count
"""
_PURGE_EVERY = 300  # seconds between deletions of ended windows' rows, per process
_purged = {"at": 0}


def _count_in_database(group: str, value: str, rate: str) -> dict[str, Any] | None:
    """This request counted at one door, in one statement (autocommitted, so the row is never
    held for the request's own transaction); the usage as django-ratelimit reports it."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    limit, period = django_ratelimit.core._split_rate(rate)
    window_end = django_ratelimit.core._get_window(value, period)
    key = f"{group}:{value}"[:200]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, window_end])
        row = cursor.fetchone()
        now = int(_DeskTime.time())
        if row is not None and row[0] == 1 and now - _purged["at"] > _PURGE_EVERY:
            # A new window began: now and then, forget the counters whose windows have ended.
            _purged["at"] = now
            cursor.execute("DELETE FROM tierdesk_ratecount WHERE window_end < %s", [now])
    count = int(row[0]) if row is not None else 0
    return {
        "count": count,
        "limit": limit,
        "should_limit": count > limit,
        "time_left": window_end - int(_DeskTime.time()),
    }


def refusal(request: HttpRequest, retry_after: int) -> HttpResponse:
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = error_response(
            429,
            "rate_limited",
            f"too many requests; try again in {retry_after} seconds",
        )
    else:
        minutes = max(1, -(-retry_after // 60))
        response = render(
            request,
            "tierdesk/rate_limited.html",
            {
                "message": ngettext(
                    "Too many attempts from your address. Please try again in %(minutes)s minute.",
                    "Too many attempts from your address. Please try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            },
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = over_limit(request)
        if found is not None:
            return refusal(request, found[1])
        return self.get_response(request)
