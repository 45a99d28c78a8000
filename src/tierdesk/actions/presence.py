"""Who has a ticket open on the desk now (the collision warning): each agent's last sign of
life on the ticket page and whether they are typing a reply."""

from __future__ import annotations

from datetime import datetime

from tierdesk.persistence.models import Ticket, TicketPresence, User


def mark_present(*, ticket: Ticket, user: User, now: datetime, editing: bool) -> None:
    TicketPresence.objects.update_or_create(
        ticket=ticket, user=user, defaults={"seen_at": now, "editing": editing}
    )
