"""An agent's saved desk views: a name for a queue's filters, kept per agent."""

from __future__ import annotations

from datetime import datetime

from tierdesk.persistence.models import SavedView, User


def save_view(*, user: User, name: str, query: str, now: datetime) -> None:
    """Keep (or replace) the agent's view of that name."""
    SavedView.objects.update_or_create(
        user=user, name=name, defaults={"query": query, "created_at": now}
    )


def delete_view(*, user: User, pk: int) -> None:
    """Forget one of the agent's own views; another's is left alone."""
    SavedView.objects.filter(user=user, pk=pk).delete()
