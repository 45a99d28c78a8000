"""A user row as the authority rule sees it (`tierdesk.domain.authority.Actor`): read by the
write path and the administration queries alike."""

from __future__ import annotations

from tierdesk.domain.authority import Actor
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import User


def actor_of(user: User) -> Actor:
    org_active = user.organisation is None or user.organisation.is_active
    return Actor(
        user_id=user.pk,
        role=Role(user.role) if user.role else None,
        organisation_id=user.organisation_id,
        active=user.is_active and org_active,
    )
