"""Who is available: agents of a level who have not marked themselves away.

Routing (`actions/routing.py`) picks among them; the live chat also needs them connected (a page
of the desk open, `queries/chat.py`); the desk page shows each level's agents and their state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tierdesk.domain.parties import Role
from tierdesk.domain.profiles import Profile
from tierdesk.domain.routing import Candidate
from tierdesk.persistence.models import LevelMembership, User


def agents_of(level: str) -> QuerySet[User]:
    """The active agents who are members of `level`."""
    return User.objects.filter(
        is_active=True,
        role=Role.AGENT,
        pk__in=LevelMembership.objects.filter(level=level).values("user"),
    )


def available_agents(level: str) -> QuerySet[User]:
    """The active agents of `level` who are not away, in the order of their ids."""
    return agents_of(level).filter(away=False).order_by("pk")


def candidates(level: str) -> list[Candidate]:
    """The available agents of `level` as routing weighs them: their open tickets, their turn."""
    rows = available_agents(level).annotate(
        open_count=Count("assigned", filter=Q(assigned__is_open=True))
    )
    return [
        Candidate(key=str(u.pk), open_tickets=u.open_count, routed_at=u.routed_at) for u in rows
    ]


@dataclass(frozen=True)
class LevelAvailability:
    level: str
    label: str
    available: tuple[str, ...]  # names
    away: tuple[str, ...]


def desk_availability(profile: Profile) -> list[LevelAvailability]:
    """Each level's agents, available and away, as the desk page shows them."""
    out = []
    for key, level in profile.levels.items():
        people = list(agents_of(key).order_by("first_name", "username"))
        out.append(
            LevelAvailability(
                key,
                level.label,
                tuple(u.get_full_name() or u.username for u in people if not u.away),
                tuple(u.get_full_name() or u.username for u in people if u.away),
            )
        )
    return out
