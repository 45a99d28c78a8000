"""The chat for a custom widget: start a chat, list and post its messages. The messages are the
ticket's public replies (the transcript is the record); a live page hears of them on the
ticket's socket, `/live/tickets/{number}/`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from tierdesk import clock
from tierdesk.actions import chat as act
from tierdesk.api import schemas
from tierdesk.api.auth import actor
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.persistence.models import Event
from tierdesk.queries import chat as q

router = Router(tags=["chat"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (400, 401, 403, 404, 409, 422)}


class ChatMessageOut(Schema):
    seq: int
    at: datetime
    side: str  # "requester" (the partner) or "provider" (the engineer)
    author: str
    body: str


class ChatPageOut(Schema):
    ticket: str
    live: bool  # an engineer answers here; otherwise the ticket is answered by e-mail
    engineer: str | None  # who answers, once an engineer has taken the chat
    messages: list[ChatMessageOut]


class ChatStartedOut(Schema):
    ticket: str
    live: bool
    reason: str  # "" when live; "closed" outside the chat's hours; "busy": nobody available


def message_out(e: Event) -> ChatMessageOut:
    author = e.actor
    side = (
        "requester"
        if author is not None and author.role and party_of(Role(author.role)) is Party.REQUESTER
        else "provider"
    )
    return ChatMessageOut(
        seq=e.seq,
        at=e.at,
        side=side,
        author=(author.get_full_name() or author.username) if author else "",
        body=str(e.data.get("description") if e.kind == "created" else e.data.get("body", "")),
    )


@router.post("/chats", response={201: ChatStartedOut, **ERRORS}, summary="Start a chat")
def start_chat(request: HttpRequest, payload: schemas.BodyIn) -> Any:
    started = act.start_chat(actor=actor(request), body=payload.body, now=clock.now())
    return Status(
        201,
        ChatStartedOut(ticket=started.ticket.number, live=started.live, reason=started.reason),
    )


@router.get(
    "/tickets/{number}/chat",
    response={200: ChatPageOut, **ERRORS},
    summary="A chat's messages, in the record's order",
)
def list_messages(request: HttpRequest, number: str) -> Any:
    user = actor(request)
    ticket = q.chat_ticket(user, number)
    engineer = ticket.assignee
    return ChatPageOut(
        ticket=ticket.number,
        live=ticket.chat.live,
        engineer=(engineer.get_full_name() or engineer.username) if engineer else None,
        messages=[message_out(e) for e in q.messages(user, ticket)],
    )


@router.post(
    "/tickets/{number}/chat",
    response={201: ChatMessageOut, **ERRORS},
    summary="Post a message to a chat (a public reply on its ticket)",
)
def post_message(request: HttpRequest, number: str, payload: schemas.BodyIn) -> Any:
    event = act.say(actor=actor(request), number=number, body=payload.body, now=clock.now())
    return Status(201, message_out(event))
