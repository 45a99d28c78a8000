"""The demo desk's knowledge base and status page: the file's categories and articles, the
profile's services, an incident (linked to the tickets it caused) and planned maintenance."""

from __future__ import annotations

from datetime import datetime, timedelta

from tierdesk.actions import kb, status
from tierdesk.cli.demo.desk_file import Desk
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Ticket, User


def write_knowledge(
    desk: Desk, author: User, profile: Profile, tickets: dict[str, Ticket], now: datetime
) -> None:
    for position, (slug, name) in enumerate(desk.categories.items()):
        kb.save_category(actor=author, slug=slug, name=name, position=position)
    for a in desk.articles:
        article = kb.write_article(
            actor=author,
            title=a.title,
            body=a.body,
            category=a.category,
            visibility=a.visibility,
            now=now,
        )
        kb.publish(actor=author, slug=article.slug, now=now)
    status.sync_services(profile, now)
    services = list(profile.status_page.services) if profile.status_page else []
    if not services:
        return
    if desk.incident:
        linked = [tickets[k] for k in desk.incident.get("tickets", [])]
        incident = status.open_incident(
            actor=author,
            title=desk.incident["title"],
            services=desk.incident.get("services", services[:1]),
            impact=desk.incident.get("impact", "degraded"),
            message=desk.incident["message"],
            now=now,
            started_at=min((t.opened_at for t in linked), default=None),
        )
        if linked:
            status.link_tickets(
                actor=author, incident_id=incident.pk, numbers=[t.number for t in linked], now=now
            )
    if desk.maintenance:
        # Ten days ahead at 01:00 UTC: outside every profile's working hours, with ample notice.
        start = (now + timedelta(days=10)).replace(hour=1, minute=0, second=0, microsecond=0)
        status.plan_maintenance(
            actor=author,
            title=desk.maintenance["title"],
            services=desk.maintenance.get("services", services[-1:]),
            starts_at=start,
            ends_at=start + timedelta(hours=desk.maintenance.get("hours", 2)),
            description=desk.maintenance["description"],
            now=now,
            profile=profile,
        )
