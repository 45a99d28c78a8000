"""The status page's writes: services, incidents with their updates, planned maintenance, and
tickets linked to an incident (each link is also an event on the ticket's record)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions.automatic import record_due
from tierdesk.actions.record import append
from tierdesk.domain import maintenance
from tierdesk.domain import ticket as decide
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile
from tierdesk.domain.words import N_
from tierdesk.persistence.models import (
    INCIDENT_STATES,
    SERVICE_STATES,
    Incident,
    IncidentTicket,
    IncidentUpdate,
    Maintenance,
    Service,
    Ticket,
    User,
)
from tierdesk.queries.kb import is_author
from tierdesk.queries.tickets import get_ticket, visible_tickets

STATES = {k for k, _ in SERVICE_STATES}
INCIDENT = {k for k, _ in INCIDENT_STATES}


def _staff(actor: User) -> None:
    if not is_author(actor):
        raise Forbidden(N_("only the provider's staff change the status page"))


def sync_services(profile: Profile, now: datetime) -> int:
    """Create the services the profile names that the desk does not have yet."""
    rules = profile.status_page
    if rules is None:
        return 0
    made = 0
    for position, (key, label) in enumerate(rules.services.items()):
        _, created = Service.objects.get_or_create(
            slug=key, defaults={"name": label, "position": position, "updated_at": now}
        )
        made += created
    return made


def _aware(**instants: datetime | None) -> None:
    """Instants from outside must say their time zone (an offset or Z)."""
    naive = {
        k: N_("needs a time zone, e.g. 2026-03-11T01:00:00+01:00")
        for k, v in instants.items()
        if v is not None and v.tzinfo is None
    }
    if naive:
        raise Invalid(N_("an instant without a time zone is ambiguous"), fields=naive)


def _services(slugs: Iterable[str]) -> list[Service]:
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        raise Invalid(N_("name at least one service"), fields={"services": N_("is required")})
    found = list(Service.objects.filter(slug__in=wanted))
    missing = sorted(set(wanted) - {s.slug for s in found})
    if missing:
        raise Invalid(
            N_("unknown service"),
            fields={"services": N_("no service %(service)r", service=missing[0])},
        )
    return found


def set_service_state(*, actor: User, slug: str, state: str, now: datetime) -> Service:
    _staff(actor)
    if state not in STATES:
        raise Invalid(
            N_("unknown state"),
            fields={"state": N_("expected one of %(choices)s", choices=", ".join(sorted(STATES)))},
        )
    updated = Service.objects.filter(slug=slug).update(state=state, updated_at=now)
    if not updated:
        raise NotFound(N_("no service %(value)r", value=slug[:60]))
    return Service.objects.get(slug=slug)


def open_incident(
    *,
    actor: User,
    title: str,
    services: Iterable[str],
    impact: str,
    message: str,
    now: datetime,
    started_at: datetime | None = None,
) -> Incident:
    _staff(actor)
    _aware(started_at=started_at)
    problems = {}
    if not title.strip():
        problems["title"] = N_("is required")
    if impact not in STATES - {"operational"}:
        problems["impact"] = N_(
            "expected one of degraded, partial_outage, major_outage, maintenance"
        )
    if not message.strip():
        problems["message"] = N_("is required: say what is known")
    if started_at is not None and started_at > now:
        problems["started_at"] = N_("is in the future")
    if problems:
        raise Invalid(N_("the incident cannot be opened"), fields=problems)
    with transaction.atomic():
        chosen = _services(services)
        incident = Incident.objects.create(
            title=title.strip()[:200],
            state="investigating",
            impact=impact,
            started_at=started_at or now,
            created_by=actor,
        )
        incident.services.set(chosen)
        IncidentUpdate.objects.create(
            incident=incident, at=now, state="investigating", message=message, author=actor
        )
        Service.objects.filter(pk__in=[s.pk for s in chosen]).update(state=impact, updated_at=now)
    return incident


def update_incident(
    *, actor: User, incident_id: int, state: str, message: str, now: datetime, notify: bool = False
) -> Incident:
    """Post an update; resolving restores the services no other open incident affects and, when
    `notify`, tells the requesters of the linked open tickets through their tickets' records."""
    _staff(actor)
    if state not in INCIDENT:
        raise Invalid(
            N_("unknown state"),
            fields={
                "state": N_("expected one of %(choices)s", choices=", ".join(sorted(INCIDENT)))
            },
        )
    if not message.strip():
        raise Invalid(N_("an update says what changed"), fields={"message": N_("is required")})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if incident is None:
            raise NotFound(N_("no incident %(incident_id)s", incident_id=incident_id))
        if incident.resolved_at is not None:
            raise Invalid(
                N_("the incident is resolved"), fields={"state": N_("the incident is closed")}
            )
        IncidentUpdate.objects.create(
            incident=incident, at=now, state=state, message=message, author=actor
        )
        incident.state = state
        if state == "resolved":
            incident.resolved_at = now
            still = Incident.objects.filter(resolved_at__isnull=True).exclude(pk=incident.pk)
            Service.objects.filter(incidents=incident).exclude(incidents__in=still).update(
                state="operational", updated_at=now
            )
            for link in IncidentTicket.objects.filter(incident=incident).select_related("ticket"):
                _tell_resolved(link.ticket, incident, message, notify=notify, now=now)
        incident.save()
    return incident


def _tell_resolved(
    ticket: Ticket, incident: Incident, message: str, *, notify: bool, now: datetime
) -> None:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not profiles.for_ticket(locked.profile).status(locked.status).is_open:
        return
    record_due(locked, now)
    data = {"incident": incident.pk, "title": incident.title, "message": message, "notify": notify}
    append(
        locked, decide.Change(EventKind.INCIDENT_RESOLVED, data, public=True), actor=None, now=now
    )


def link_tickets(*, actor: User, incident_id: int, numbers: Iterable[str], now: datetime) -> int:
    """Link tickets to an incident: the provider any it sees, a partner its own. Returns how many
    were newly linked; tickets already linked are left as they are."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(N_("no incident %(incident_id)s", incident_id=incident_id))
    linked = 0
    with transaction.atomic():
        for number in dict.fromkeys(numbers):
            ticket = get_ticket(actor, number, for_update=True)
            if IncidentTicket.objects.filter(incident=incident, ticket=ticket).exists():
                continue
            record_due(ticket, now)
            IncidentTicket.objects.create(incident=incident, ticket=ticket, linked_at=now)
            data = {"incident": incident.pk, "title": incident.title}
            append(
                ticket,
                decide.Change(EventKind.INCIDENT_LINKED, data, public=True),
                actor=actor,
                now=now,
            )
            linked += 1
    return linked


def tickets_during(actor: User, incident: Incident) -> list[Ticket]:
    """Tickets opened while the incident was declared and not linked to it yet (for bulk linking)."""
    tickets = visible_tickets(actor).filter(opened_at__gte=incident.started_at)
    if incident.resolved_at is not None:
        tickets = tickets.filter(opened_at__lte=incident.resolved_at)
    return list(tickets.exclude(incident_links__incident=incident).order_by("opened_at")[:500])


def plan_maintenance(
    *,
    actor: User,
    title: str,
    services: Iterable[str],
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    description: str = "",
    profile: Profile | None = None,
) -> Maintenance:
    """Announce a window. Short notice (or hours inside the desk's working hours) is refused or
    flagged, as the profile says."""
    _staff(actor)
    _aware(starts_at=starts_at, ends_at=ends_at)
    if not title.strip():
        raise Invalid(N_("the window needs a title"), fields={"title": N_("is required")})
    problems = maintenance.check_window(
        profile or profiles.active(), announced_at=now, starts_at=starts_at, ends_at=ends_at
    )
    with transaction.atomic():
        chosen = _services(services)
        window = Maintenance.objects.create(
            title=title.strip()[:200],
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            announced_at=now,
            problems=problems,
            created_by=actor,
        )
        window.services.set(chosen)
    return window


def cancel_maintenance(*, actor: User, maintenance_id: int, now: datetime) -> Maintenance:
    _staff(actor)
    window = Maintenance.objects.filter(pk=maintenance_id).first()
    if window is None:
        raise NotFound(
            N_("no maintenance window %(maintenance_id)s", maintenance_id=maintenance_id)
        )
    window.cancelled_at = window.cancelled_at or now
    window.save(update_fields=["cancelled_at"])
    return window
