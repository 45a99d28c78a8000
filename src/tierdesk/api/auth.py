"""Who is calling: a personal API token (Authorization: Bearer ...) or the page session."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from tierdesk import clock
from tierdesk.actions.tokens import authenticate
from tierdesk.domain.errors import Forbidden
from tierdesk.persistence.models import User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = authenticate(token, now=clock.now())
        if user is not None:
            request.user = user
        return user


class ScopedToken(HttpBearer):
    """A token issued for one intake (`monitoring`, `messages`): it opens that endpoint and
    nothing else, and a personal token does not open it."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        now = clock.now()
        user = authenticate(token, now=now, scope=self.scope)
        if user is None and authenticate(token, now=now) is not None:
            raise Forbidden(
                f"this is a personal token; this endpoint takes a token of scope {self.scope!r} "
                f"(tierdesk token create --scope {self.scope})"
            )
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    """The page session; CSRF-checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def actor(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)  # set by django-ninja's authentication
    assert isinstance(user, User)
    return user


def _anonymous(request: HttpRequest) -> AnonymousUser | None:
    # A caller who sent credentials that did not work is told so, not served as anonymous.
    return None if request.headers.get("Authorization") else AnonymousUser()


# Public reads (published public articles, the status page): a token or session when given,
# else an anonymous reader whose queries show only what is public.
anonymous_allowed = [BearerToken(), ActiveSession(), _anonymous]
