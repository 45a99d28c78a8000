"""Status-page endpoints: the public page, incidents and their updates, maintenance, links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from tierdesk import clock
from tierdesk.actions import status as act
from tierdesk.api.auth import actor, anonymous_allowed
from tierdesk.api.schemas import ErrorOut, Text
from tierdesk.persistence.models import Incident, Maintenance, Service
from tierdesk.queries.status import status_page

router = Router(tags=["status"])
ERRORS: dict[int, type[Schema]] = {c: ErrorOut for c in (400, 401, 403, 404, 409, 422)}


class ServiceOut(Schema):
    slug: str
    name: str
    state: str
    updated_at: datetime


class UpdateOut(Schema):
    at: datetime
    state: str
    message: str


class IncidentOut(Schema):
    id: int
    title: str
    state: str
    impact: str
    services: list[str]
    started_at: datetime
    resolved_at: datetime | None
    updates: list[UpdateOut]


class MaintenanceOut(Schema):
    id: int
    title: str
    description: str
    services: list[str]
    starts_at: datetime
    ends_at: datetime
    announced_at: datetime
    problems: list[str]
    cancelled_at: datetime | None


class StatusOut(Schema):
    all_operational: bool
    services: list[ServiceOut]
    incidents: list[IncidentOut]
    maintenance: list[MaintenanceOut]


class IncidentIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Mail delivery delayed",
                    "services": ["mail"],
                    "impact": "degraded",
                    "message": "Mail is delivered with up to 20 minutes delay.",
                }
            ]
        }
    )

    title: Text = Field(max_length=200)
    services: list[Text]
    impact: Text
    message: Text
    started_at: datetime | None = None


class IncidentUpdateIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"state": "resolved", "message": "Delivery is back to normal.", "notify": True}
            ]
        }
    )

    state: Text
    message: Text
    notify: bool = Field(False, description="when resolving: tell the linked tickets' requesters")


class IncidentTicketsIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tickets": ["DC-000042", "DC-000043"]}]}
    )

    tickets: list[Text] = Field(max_length=500)


class IncidentTicketsOut(Schema):
    linked: int


class MaintenanceIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Mail platform upgrade",
                    "services": ["mail"],
                    "starts_at": "2026-04-01T20:00:00+02:00",
                    "ends_at": "2026-04-01T22:00:00+02:00",
                }
            ]
        }
    )

    title: Text = Field(max_length=200)
    services: list[Text]
    starts_at: datetime
    ends_at: datetime
    description: Text = ""


class ServiceStateIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"state": "operational"}]})

    state: Text


def service_out(s: Service) -> ServiceOut:
    return ServiceOut(slug=s.slug, name=s.name, state=s.state, updated_at=s.updated_at)


def incident_out(i: Incident) -> IncidentOut:
    return IncidentOut(
        id=i.pk,
        title=i.title,
        state=i.state,
        impact=i.impact,
        services=[s.slug for s in i.services.all()],
        started_at=i.started_at,
        resolved_at=i.resolved_at,
        updates=[UpdateOut(at=u.at, state=u.state, message=u.message) for u in i.updates.all()],
    )


def maintenance_out(m: Maintenance) -> MaintenanceOut:
    return MaintenanceOut(
        id=m.pk,
        title=m.title,
        description=m.description,
        services=[s.slug for s in m.services.all()],
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        announced_at=m.announced_at,
        problems=list(m.problems),
        cancelled_at=m.cancelled_at,
    )


@router.get("/status", response=StatusOut, auth=anonymous_allowed, summary="The status page")
def page(request: HttpRequest) -> Any:
    found = status_page(clock.now())
    return StatusOut(
        all_operational=found.all_operational,
        services=[service_out(s) for s in found.services],
        incidents=[incident_out(i) for i in found.incidents],
        maintenance=[maintenance_out(m) for m in found.maintenance],
    )


@router.put(
    "/status/services/{slug}", response={200: ServiceOut, **ERRORS}, summary="Set a service's state"
)
def set_state(request: HttpRequest, slug: str, payload: ServiceStateIn) -> Any:
    return service_out(
        act.set_service_state(actor=actor(request), slug=slug, state=payload.state, now=clock.now())
    )


@router.post(
    "/status/incidents", response={201: IncidentOut, **ERRORS}, summary="Declare an incident"
)
def declare(request: HttpRequest, payload: IncidentIn) -> Any:
    found = act.open_incident(actor=actor(request), now=clock.now(), **payload.dict())
    return Status(201, incident_out(found))


@router.post(
    "/status/incidents/{incident_id}/updates",
    response={201: IncidentOut, **ERRORS},
    summary="Post an update; 'resolved' closes it",
)
def update(request: HttpRequest, incident_id: int, payload: IncidentUpdateIn) -> Any:
    found = act.update_incident(
        actor=actor(request), incident_id=incident_id, now=clock.now(), **payload.dict()
    )
    return Status(201, incident_out(found))


@router.post(
    "/status/incidents/{incident_id}/tickets",
    response={200: IncidentTicketsOut, **ERRORS},
    summary="Link tickets to an incident",
)
def link(request: HttpRequest, incident_id: int, payload: IncidentTicketsIn) -> Any:
    return IncidentTicketsOut(
        linked=act.link_tickets(
            actor=actor(request), incident_id=incident_id, numbers=payload.tickets, now=clock.now()
        )
    )


@router.post(
    "/status/maintenance",
    response={201: MaintenanceOut, **ERRORS},
    summary="Announce a maintenance window",
)
def announce(request: HttpRequest, payload: MaintenanceIn) -> Any:
    found = act.plan_maintenance(actor=actor(request), now=clock.now(), **payload.dict())
    return Status(201, maintenance_out(found))


@router.post(
    "/status/maintenance/{maintenance_id}/cancel",
    response={200: MaintenanceOut, **ERRORS},
    summary="Cancel a window",
)
def cancel(request: HttpRequest, maintenance_id: int) -> Any:
    return maintenance_out(
        act.cancel_maintenance(actor=actor(request), maintenance_id=maintenance_id, now=clock.now())
    )
