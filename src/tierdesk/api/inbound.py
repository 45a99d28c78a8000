"""The relayed-message webhook (`POST /api/v1/inbound/messages`), for a token of scope
`messages`: a chat or social bridge posts each message with its own thread id."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from tierdesk import clock, profiles
from tierdesk.actions import inbound as act
from tierdesk.api import schemas
from tierdesk.api.auth import ScopedToken, actor
from tierdesk.api.schemas import Text
from tierdesk.domain import inbound

router = Router(tags=["inbound messages"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (401, 403, 404, 409, 413, 422)}


class InboundSenderIn(Schema):
    name: Text = Field("", max_length=1000)
    address: Text = Field(
        max_length=1000,
        description="the sender's e-mail address, which names the partner user they are",
    )


class InboundMessageIn(Schema):
    source: Text = Field(max_length=40, description="a source named in the profile's [inbound]")
    sender: InboundSenderIn
    text: Text = Field(max_length=200_000)
    thread_id: Text = Field(
        max_length=1000, description="the bridge's own conversation id; threads the messages"
    )
    subject: Text | None = Field(None, max_length=1000, description="for the first message")
    message_id: Text | None = Field(
        None,
        max_length=1000,
        description="the source's own id of this message (1 to 200 printable characters "
        "without spaces): a message delivered again with the same id changes nothing and is "
        "answered with the event it became (200, duplicate true)",
    )


class InboundMessageOut(Schema):
    ticket: str
    event: int = Field(description="the sequence number of the event the message became")
    opened: bool = Field(description="whether this message opened the ticket")
    duplicate: bool = Field(
        False, description="the message id was taken before: nothing changed this time"
    )


@router.post(
    "/inbound/messages",
    auth=[ScopedToken("messages")],
    response={200: InboundMessageOut, 201: InboundMessageOut, **ERRORS},
    summary="Relay a message from a chat or social bridge (token of scope messages)",
    description="The first message of a thread opens a ticket on the channel the profile's "
    "[inbound] sources give its source (201); later messages of the thread are public replies "
    "from the requester (200). The sender's address names the partner user who writes. "
    "With `message_id`, a message delivered twice is recorded once (the repeat answers 200 "
    "with the first delivery's ticket and event and `duplicate` true). "
    "Text is kept as plain text, without control characters.",
)
def message(request: HttpRequest, payload: InboundMessageIn) -> Any:
    read = inbound.read(
        profiles.active(),
        source=payload.source,
        sender_name=payload.sender.name,
        sender_address=payload.sender.address,
        text=payload.text,
        thread=payload.thread_id,
        subject=payload.subject,
        message_id=payload.message_id,
    )
    done = act.receive(bridge=actor(request), message=read, now=clock.now())
    body = {
        "ticket": done.ticket.number,
        "event": done.event.seq,
        "opened": done.opened,
        "duplicate": done.duplicate,
    }
    return Status(201 if done.opened and not done.duplicate else 200, body)
