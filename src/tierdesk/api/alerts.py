"""The Prometheus Alertmanager webhook receiver (`POST /api/v1/alerts/alertmanager`), for a
token of scope `monitoring`: the v4 payload in, one ticket per alert (or group) out."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from tierdesk import clock, profiles
from tierdesk.actions import monitoring
from tierdesk.api import schemas
from tierdesk.api.auth import ScopedToken, actor
from tierdesk.domain import monitoring as alerts

router = Router(tags=["monitoring"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (401, 403, 404, 413, 422)}


class AlertmanagerAlertIn(Schema):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: str | None = Field(
        None, description="firing or resolved; the delivery's status when left out"
    )
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt", description="RFC 3339")
    ends_at: datetime | None = Field(
        None, alias="endsAt", description="RFC 3339; 0001-01-01 for none"
    )
    generator_url: str = Field("", alias="generatorURL", description="shown as a link if http(s)")
    fingerprint: str = Field(
        "", description="identifies the alert; computed from the labels when left out"
    )


class AlertmanagerWebhookIn(Schema):
    """Alertmanager's webhook body, version 4 (other fields are accepted and ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: str = Field(description='"4"')
    group_key: str = Field(alias="groupKey")
    truncated_alerts: int = Field(0, alias="truncatedAlerts")
    status: str = Field(description="firing or resolved: the group's state")
    receiver: str = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field("", alias="externalURL")
    alerts: list[AlertmanagerAlertIn]


class AlertmanagerResultOut(Schema):
    fingerprint: str
    outcome: str = Field(
        description="opened, added (to the open ticket), resolved, recorded (resolved; the "
        "ticket left as it is), unknown (resolved; no open ticket) or duplicate (seen before)"
    )
    ticket: str | None


class AlertmanagerOut(Schema):
    received: int
    results: list[AlertmanagerResultOut]


@router.post(
    "/alerts/alertmanager",
    auth=[ScopedToken("monitoring")],
    response={200: AlertmanagerOut, **ERRORS},
    summary="Receive an Alertmanager webhook (token of scope monitoring)",
    description="Each firing alert opens one ticket on the profile's monitoring route (by "
    "fingerprint, or by group key where the profile's [monitoring] group_by says), or is added "
    "to the open ticket it already has; a resolved alert is recorded and, where the profile "
    "says, resolves its ticket. The same alert state (fingerprint, startsAt, status) delivered "
    "again changes nothing. A delivery with any invalid field is refused whole (422, the "
    "field named); 404 when the desk's profile takes no monitoring alerts.",
)
def alertmanager(request: HttpRequest, payload: AlertmanagerWebhookIn) -> AlertmanagerOut:
    profile = profiles.active()
    rules = monitoring.rules_of(profile)
    delivery = alerts.read(rules, payload.model_dump(by_alias=True))
    outcome = monitoring.receive(
        source=actor(request), delivery=delivery, now=clock.now(), profile=profile
    )
    return AlertmanagerOut(
        received=len(delivery.alerts),
        results=[
            AlertmanagerResultOut(fingerprint=fp, outcome=what, ticket=number)
            for fp, what, number in outcome.results
        ],
    )
