"""Canned replies (/canned-replies): the list for anyone at the desk (filled in for a ticket when
one is named), and adding, changing, deactivating for those the rule in `domain/macros.py`
allows (managers and administrators the shared ones; an agent their own personal ones)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tierdesk import clock
from tierdesk.actions import macros as act
from tierdesk.api import schemas
from tierdesk.api.auth import actor
from tierdesk.domain import macros
from tierdesk.domain.errors import NotFound
from tierdesk.persistence.models import CannedReply
from tierdesk.queries import macros as q
from tierdesk.queries.tickets import get_ticket

router = Router(tags=["canned replies"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (400, 401, 403, 404, 409, 422)}
Suggests = Literal["", "waiting", "resolved"]


class CannedReplyIn(Schema):
    title: schemas.Text = Field(max_length=macros.TITLE_MAX)
    texts: dict[schemas.Text, schemas.Text] = Field(
        description="language code -> text; placeholders as {{ticket.number}}",
        examples=[{"en": "Dear {{requester.name}}, ticket {{ticket.number}} is fixed."}],
    )
    suggests: Suggests = Field(
        "", description='the state change offered beside Send: "waiting" or "resolved"'
    )
    personal: bool = Field(False, description="kept for the caller only")


class CannedReplyPatch(Schema):
    title: schemas.Text | None = Field(None, max_length=macros.TITLE_MAX)
    texts: dict[schemas.Text, schemas.Text] | None = Field(
        None, description="the whole set: a language left out is dropped"
    )
    suggests: Suggests | None = None


class CannedReplyOut(Schema):
    id: int
    title: str
    texts: dict[str, str]
    suggests: str
    personal: bool
    active: bool
    updated_at: datetime
    filled: str | None = Field(
        default=None,
        description="the text filled in for the ticket named in the query, in its language",
    )
    filled_language: str | None = None


class CannedReplyQuery(Schema):
    active: bool | None = True
    ticket: schemas.Text | None = Field(None, max_length=24, description="fill in for this ticket")


def reply_out(reply: CannedReply) -> CannedReplyOut:
    return CannedReplyOut(
        id=reply.pk,
        title=reply.title,
        texts=q.texts(reply),
        suggests=reply.suggests,
        personal=reply.owner_id is not None,
        active=reply.is_active,
        updated_at=reply.updated_at,
    )


@router.get(
    "/canned-replies",
    response={200: list[CannedReplyOut], **ERRORS},
    summary="Canned replies: the shared ones and the caller's own (agents, managers, admins)",
)
def list_replies(request: HttpRequest, filters: Query[CannedReplyQuery]) -> Any:
    user = actor(request)
    if not q.may_use(user):
        raise NotFound("no such resource")
    found = [reply_out(r) for r in q.listing(user, active=filters.active)]
    if filters.ticket:
        ticket = get_ticket(user, filters.ticket.strip().upper())
        filled = {m["id"]: m for m in q.for_ticket(user, ticket)}
        for out in found:
            if out.id in filled:
                out.filled = filled[out.id]["body"]
                out.filled_language = filled[out.id]["language"]
    return found


@router.post(
    "/canned-replies",
    response={201: CannedReplyOut, **ERRORS},
    summary="Add a canned reply (shared: managers and administrators; personal: any agent)",
)
def create_reply(request: HttpRequest, payload: CannedReplyIn) -> Any:
    reply = act.create(actor=actor(request), now=clock.now(), **payload.dict())
    return Status(201, reply_out(reply))


@router.get(
    "/canned-replies/{reply_id}",
    response={200: CannedReplyOut, **ERRORS},
    summary="A canned reply",
)
def get_reply(request: HttpRequest, reply_id: int) -> Any:
    return reply_out(q.get(actor(request), reply_id))


@router.patch(
    "/canned-replies/{reply_id}",
    response={200: CannedReplyOut, **ERRORS},
    summary="Change a canned reply's title, texts or suggested status change",
)
def edit_reply(request: HttpRequest, reply_id: int, payload: CannedReplyPatch) -> Any:
    user = actor(request)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    reply = act.edit(actor=user, reply=q.get(user, reply_id), now=clock.now(), changes=changes)
    return reply_out(reply)


@router.post(
    "/canned-replies/{reply_id}/deactivate",
    response={200: CannedReplyOut, **ERRORS},
    summary="Deactivate a canned reply (it leaves the composer's picker; the log keeps it)",
)
def deactivate_reply(request: HttpRequest, reply_id: int) -> Any:
    user = actor(request)
    reply = act.set_active(actor=user, reply=q.get(user, reply_id), now=clock.now(), active=False)
    return reply_out(reply)


@router.post(
    "/canned-replies/{reply_id}/reactivate",
    response={200: CannedReplyOut, **ERRORS},
    summary="Reactivate a canned reply",
)
def reactivate_reply(request: HttpRequest, reply_id: int) -> Any:
    user = actor(request)
    reply = act.set_active(actor=user, reply=q.get(user, reply_id), now=clock.now(), active=True)
    return reply_out(reply)
