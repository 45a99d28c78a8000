"""POST /tickets/bulk: one change (assign, set status, change level) to many tickets, each
through the same action as its own endpoint and in its own transaction; the answer says, per
ticket, whether it was done or refused and why."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from tierdesk import clock, refusals
from tierdesk.actions import bulk
from tierdesk.api import schemas
from tierdesk.api.auth import actor
from tierdesk.domain.errors import NotFound
from tierdesk.domain.parties import Party, Role, party_of

router = Router(tags=["tickets"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (400, 401, 403, 404, 422)}


class BulkIn(Schema):
    tickets: list[schemas.Text] = Field(
        min_length=1, max_length=bulk.MAX_TICKETS, description="ticket numbers"
    )
    operation: Literal["assign", "status", "level"]
    value: schemas.Text = Field(
        "", max_length=150, description='status or level key, or a username ("" unassigns)'
    )
    note: schemas.Text = Field("", max_length=100_000, description="hand-off note (level)")
    reason: schemas.Text = Field("", max_length=500, description="reason (status)")


class BulkResultOut(Schema):
    number: str
    done: bool
    outcome: str = Field(description='"done", "unchanged" or "refused"')
    error: str | None = Field(None, description="the refusal's code, as the ticket's own endpoint")
    message: str | None = None
    fields: dict[str, str] = {}


class BulkOut(Schema):
    done: int
    refused: int
    results: list[BulkResultOut]


@router.post(
    "/tickets/bulk",
    response={200: BulkOut, **ERRORS},
    summary="Assign, set the status or change the level of many tickets (staff)",
)
def bulk_change(request: HttpRequest, payload: BulkIn) -> Any:
    user = actor(request)
    if party_of(Role(user.role)) is not Party.PROVIDER:
        raise NotFound("no such resource")
    outcomes = bulk.apply(
        actor=user, numbers=payload.tickets, operation=payload.operation, value=payload.value,
        note=payload.note, reason=payload.reason, now=clock.now(),
    )  # fmt: skip
    return BulkOut(
        done=sum(1 for o in outcomes if o.done),
        refused=sum(1 for o in outcomes if not o.done),
        results=[
            BulkResultOut(
                number=o.number,
                done=o.done,
                outcome=o.code if o.done else "refused",
                error=None if o.done else o.code,
                message=refusals.say(o.message) or None,
                fields={k: refusals.say(v) for k, v in (o.fields or {}).items()},
            )
            for o in outcomes
        ],
    )
