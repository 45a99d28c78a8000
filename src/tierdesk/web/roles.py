"""Who may open the administration pages and the profile page.

Administrators run the desk's set-up; managers run the desk itself. Both are the provider's
staff and both keep the desk and the reports; only administrators reach the administration
pages, and managers may read the profile in force. Anyone else gets "not found", so the pages
do not reveal that they exist.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from tierdesk.actions.changes import actor_of
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import User


def _user(request: HttpRequest) -> User | None:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    return user


def signed_in(request: HttpRequest) -> User:
    """The person signed in to a page behind `login_required`, typed as the desk's user."""
    user = request.user
    if not isinstance(user, User):
        raise Http404("no such page")
    return user


def administrator(request: HttpRequest) -> User:
    """The signed-in administrator (active, of an active organisation, as the authority rule
    sees them), or 404."""
    user = _user(request)
    actor = actor_of(user) if user is not None else None
    if user is None or actor is None or not (actor.active and actor.role is Role.ADMINISTRATOR):
        raise Http404("no such page")
    return user


def reads_profile(request: HttpRequest) -> User:
    """The signed-in administrator or manager, or 404."""
    user = _user(request)
    if user is None or user.role not in (Role.ADMINISTRATOR, Role.MANAGER):
        raise Http404("no such page")
    return user


def is_administrator(user: object) -> bool:
    return isinstance(user, User) and user.is_active and user.role == Role.ADMINISTRATOR
