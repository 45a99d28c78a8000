"""Telling the live pages that a ticket's record grew, and keeping the list of the staff's open
sockets (who is available for a chat).

The notice goes out after the commit, from the write path (`record.write`), so a socket never
shows what the record does not hold; it carries no content, only the ticket and how far its
record now reaches: each socket reads what its viewer may see through the queries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Coroutine, Sequence
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tierdesk.persistence.models import LiveSocket, User

log = logging.getLogger(__name__)

DESK_GROUP = "desk"  # the provider's staff: their queues and the waiting chats


def ticket_group(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def announce(changed: Sequence[tuple[int, int]]) -> None:
    """After the surrounding transaction commits, tell the followers of each (ticket id, last
    seq) that the record grew, and the desk that its queues changed. Nothing is sent when the
    transaction rolls back."""
    if changed:
        notices = list(changed)
        transaction.on_commit(lambda: publish(notices))


def publish(notices: Sequence[tuple[int, int]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        for ticket_id, seq in notices:
            await layer.group_send(ticket_group(ticket_id), {"type": "ticket.changed", "seq": seq})
        await layer.group_send(DESK_GROUP, {"type": "desk.changed"})

    _run(send)


def _run(send: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """A failed broadcast never fails the write it follows: the record is already committed and a
    socket catches up at its next sync."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    try:
        if loop is not None:  # called from asynchronous code on this thread: do not block it
            task: asyncio.Task[None] = loop.create_task(send())
            _pending.add(task)
            task.add_done_callback(_pending.discard)
        else:
            async_to_sync(send)()
    except Exception:  # the channel layer is down or full: logged, the write stands
        log.exception("live notice not sent")


_pending: set[asyncio.Task[None]] = set()


def socket_opened(*, user: User, channel: str, now: datetime) -> None:
    # One statement, no transaction of its own (INSERT ... ON CONFLICT): a thousand pages
    # opening at once do not queue on row locks and commits.
    LiveSocket.objects.bulk_create(
        [LiveSocket(channel=channel, user=user, opened_at=now, seen_at=now)],
        update_conflicts=True,
        unique_fields=["channel"],
        update_fields=["user", "opened_at", "seen_at"],
    )


def sockets_seen(*, channels: Collection[str], now: datetime) -> None:
    """The heartbeats of a web process's open staff sockets, written together (one statement)."""
    if channels:
        LiveSocket.objects.filter(channel__in=sorted(channels)).update(seen_at=now)


def socket_closed(*, channel: str) -> None:
    LiveSocket.objects.filter(channel=channel).delete()
