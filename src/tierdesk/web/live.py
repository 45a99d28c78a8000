"""The pages' live sockets (Django Channels): a ticket's socket sends its new events as the
timeline shows them, a chat's typing and "the engineer has joined"; the desk's socket tells the
queues and the waiting chats to refresh, and keeps an engineer available for chats.

Every socket is authenticated by the page's session and scoped like the page: a ticket socket
opens only for a ticket the viewer may see (`queries.live.may_follow`), and every notice is read
again through the queries with the viewer's disclosure, so nothing reaches a socket that the
page would not show. A client names the last event it has (`?after=SEQ`) and catches up.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from tierdesk import clock, profiles
from tierdesk.actions import live as act
from tierdesk.domain.events import EventKind
from tierdesk.persistence.models import Organisation, Ticket, User
from tierdesk.queries import live as q
from tierdesk.web.timeline import describe

# Rendered notices shared by the sockets at the same place in a ticket's record (bounded).
RENDERED = 4096


@dataclass
class Rendered:
    """What the sockets of one audience and language at one place in a ticket's record are sent,
    rendered once; the JSON text is made once per viewer (only `mine` differs)."""

    events: list[dict[str, Any]]
    head: int
    texts: dict[int, str] = field(default_factory=dict)

    def text_for(self, user_id: int) -> str:
        text = self.texts.get(user_id)
        if text is None:
            events = [{**e, "mine": e.get("actor") == user_id} for e in self.events]
            text = json.dumps({"type": "events", "events": events, "head": self.head})
            self.texts[user_id] = text
        return text


_rendered: OrderedDict[tuple[Any, ...], Rendered] = OrderedDict()
_lock = threading.Lock()
# Work in flight, shared by the sockets of this process that ask for the same thing at once:
# the sockets of a ticket all hear its notice together, and one database read and one render
# serve them all.
_inflight: dict[Hashable, asyncio.Future[Any]] = {}


async def _once(key: Hashable, fn: Callable[[], Any]) -> Any:
    """`fn()` in the thread pool; callers asking with the same key while it runs share its
    outcome. Nothing is kept after it ends: a later caller reads afresh."""
    running = _inflight.get(key)
    if running is not None:
        return await asyncio.shield(running)
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    _inflight[key] = future
    try:
        result = await _off_loop(fn)()
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
        raise
    else:
        future.set_result(result)
        return result
    finally:
        del _inflight[key]


REFUSED = 4403  # closing code of a socket whose viewer may not (or no longer) follow its ticket
TYPING_LENGTH = 80


def _language(scope: dict[str, Any]) -> str:
    """The viewer's language as the pages pick it: the chooser's cookie, else the browser's."""
    cookies = scope.get("cookies") or {}
    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _name in settings.LANGUAGES}
    if chosen in supported:
        return str(chosen)
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    for code, _quality in trans_real.parse_accept_lang_header(accept):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _after(scope: dict[str, Any]) -> int:
    raw = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after", ["0"])[0]
    return int(raw) if raw.isdigit() and len(raw) < 12 else 0


class _Socket(AsyncJsonWebsocketConsumer):
    user: User
    staff: bool = False
    requester: bool = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without closing old database connections before every message:
        that is a hop to the process's one thread-sensitive thread for each notice to each
        socket. The sockets' database work runs in `_off_loop`, which closes (returns to the
        pool) what it used."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _authenticate(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=REFUSED)
            return False
        self.user = user
        self.staff = q.is_staff(user)
        self.requester = q.audience(user)[0] == "requester"
        self.language = _language(self.scope)
        return True

    # Database work of the sockets runs in the thread pool (`_off_loop`), never on the
    # process's one thread-sensitive thread (Channels' default), where it would queue.
    async def _register(self) -> None:
        """An engineer's socket counts them available for chats while it is open."""
        if self.staff:
            await _off_loop(act.socket_opened)(
                user=self.user, channel=self.channel_name, now=clock.now()
            )

    async def _unregister(self) -> None:
        if self.staff:
            _seen.discard(self.channel_name)
            await _off_loop(act.socket_closed)(channel=self.channel_name)

    async def _heartbeat(self) -> None:
        """The process writes its engineers' heartbeats together, at most every `SEEN_EVERY`
        seconds (well within the chat's 90 s), not one statement per socket."""
        global _seen_written
        if not self.staff:
            return
        _seen.add(self.channel_name)
        if time.monotonic() - _seen_written < SEEN_EVERY:
            return
        _seen_written = time.monotonic()
        channels = set(_seen)
        _seen.clear()
        await _off_loop(act.sockets_seen)(channels=channels, now=clock.now())


class TicketSocket(_Socket):
    """`/live/tickets/<number>/?after=SEQ`: the ticket's new events for this viewer."""

    group = ""
    ticket_id = 0

    async def connect(self) -> None:
        if not await self._authenticate():
            return
        self.number = str(self.scope["url_route"]["kwargs"]["number"])
        ticket = await _off_loop(q.may_follow)(self.user, self.number)
        if ticket is None:  # another organisation's ticket, or none: as if it did not exist
            await self.close(code=REFUSED)
            return
        self.after = _after(self.scope)
        self.ticket_id = ticket.pk
        _followed[ticket.pk] = _followed.get(ticket.pk, 0) + 1
        self.group = act.ticket_group(ticket.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Recorded before the socket is accepted: what the client sees open is already
        # counted (an engineer's availability, the groups it joined).
        await self._register()
        await self.accept()
        await self._send_new()

    async def disconnect(self, code: int) -> None:
        if self.group:
            left = _followed.get(self.ticket_id, 1) - 1
            if left > 0:
                _followed[self.ticket_id] = left
            else:
                _followed.pop(self.ticket_id, None)
                _heads.pop(self.ticket_id, None)
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self._unregister()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not self.group:
            return
        kind = content.get("type")
        if kind == "sync":  # the heartbeat: also catches up what a notice did not bring
            await self._heartbeat()
            if await _behind(self.ticket_id, self.after):
                await self._send_new()
        elif kind == "typing":
            public = bool(content.get("public", True)) or not self.staff
            await self.channel_layer.group_send(
                self.group,
                {
                    "type": "ticket.typing",
                    "user": self.user.pk,
                    "who": (self.user.get_full_name() or self.user.username)[:TYPING_LENGTH],
                    "public": public,
                    "staff": self.staff,
                },
            )

    async def ticket_changed(self, message: dict[str, Any]) -> None:
        seq = int(message.get("seq", 0))
        _heads[self.ticket_id] = max(_heads.get(self.ticket_id, 0), seq)
        if seq > self.after:
            await self._send_new(notice=seq)

    async def ticket_typing(self, message: dict[str, Any]) -> None:
        if message["user"] == self.user.pk:
            return
        if not self.staff and not (message["staff"] and message["public"] and self.requester):
            # The partner hears only the desk writing to it (never an internal note being
            # written); a supplier hears nobody, so it never learns who the partner is.
            return
        await self.send_json({"type": "typing", "who": message["who"], "staff": message["staff"]})

    async def _send_new(self, notice: int | None = None) -> None:
        """Check the viewer's scope, then send the events after the last one sent. The sockets
        of one viewer woken by the same notice share one scope check (it starts after that
        notice's commit, so it sees what the notice announced); the sockets of one audience and
        language at the same place share one render."""
        user, number = self.user, self.number
        if notice is None:  # connecting or the heartbeat: this socket's own check
            ticket = await _off_loop(q.may_follow)(user, number)
        else:
            check = ("follow", user.pk, number, notice)
            ticket = await _once(check, lambda: q.may_follow(user, number))
        if ticket is None:
            await self.close(code=REFUSED)
            return
        after = self.after
        if ticket.event_count <= after:
            return
        key = (ticket.pk, ticket.event_count, after, q.audience(user), self.language)
        with _lock:
            out = _rendered.get(key)
        if out is None:
            out = await _once(("render", *key), lambda: self._render(ticket, after, key))
        self.after = max(self.after, out.head)
        if out.events:  # an event this viewer may not see is not even hinted at
            await self.send(text_data=out.text_for(user.pk))

    def _render(self, ticket: Ticket, after: int, key: tuple[Any, ...]) -> Rendered:
        with _lock:
            hit = _rendered.get(key)
        if hit is not None:
            return hit
        out = self._build(q.record_after(self.user, ticket, after))
        with _lock:
            _rendered[key] = out
            while len(_rendered) > RENDERED:
                _rendered.popitem(last=False)
        return out

    def _build(self, update: q.Update) -> Rendered:
        ticket = update.ticket
        profile = profiles.for_ticket(ticket.profile)
        zone = profile.calendars[profile.default_calendar].zone
        suppliers = (
            dict(Organisation.objects.filter(kind="supplier").values_list("slug", "name"))
            if self.staff
            else {}
        )
        with translation.override(self.language):
            events: list[dict[str, Any]] = [
                {
                    "seq": seq,
                    "kind": "joined",
                    "who": who,
                    "what": _("%(name)s has joined the chat") % {"name": who},
                    "body": "",
                    "text": "",
                    "actor": None,
                    "message": False,
                    "html": "",
                }
                for seq, who in update.joined.items()
            ]
            for event in update.events:
                entry = describe(event, profile, suppliers, zone)
                events.append(
                    {
                        "seq": event.seq,
                        "kind": str(event.kind),
                        "public": event.public,
                        "who": entry.who,
                        "what": entry.what,
                        "body": entry.body,
                        # What a chat window shows: the opening message, then each reply.
                        "text": str(event.data.get("description", ""))
                        if event.kind == EventKind.CREATED
                        else entry.body,
                        "when": entry.when,
                        "at": _iso(event.at),
                        "actor": event.actor_id,
                        "message": event.kind in (EventKind.CREATED, EventKind.REPLY)
                        and event.public,
                        "html": render_to_string(
                            "tierdesk/live/entry.html",
                            {"entry": entry, "is_staff": self.staff, "ticket": ticket},
                        ),
                    }
                )
        events.sort(key=lambda e: e["seq"])
        return Rendered(events, update.head)


# How far the record of each ticket followed in this process reaches, from the notices and,
# for a heartbeat, read for all of them in one statement at most every `HEADS_EVERY` seconds:
# a heartbeat of a socket that has everything costs no query of its own.
HEADS_EVERY = 10.0
SEEN_EVERY = 10.0
_followed: dict[int, int] = {}  # ticket id -> this process's sockets following it
_heads: dict[int, int] = {}
_heads_read = 0.0
_seen: set[str] = set()  # staff sockets heard since their heartbeats were last written
_seen_written = 0.0


async def _behind(ticket_id: int, after: int) -> bool:
    """Whether the ticket's record reaches past `after` (a notice this socket missed)."""
    global _heads_read
    if time.monotonic() - _heads_read >= HEADS_EVERY:
        _heads_read = time.monotonic()
        followed = sorted(_followed)
        _heads.update(await _once(("heads",), lambda: q.heads(followed)))
    return _heads.get(ticket_id, after + 1) > after


def _off_loop(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Database work of a socket in the thread pool, several at once (Channels' default runs every
    socket's database work of a process on one thread, one after another)."""
    return database_sync_to_async(fn, thread_sensitive=False)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class DeskSocket(_Socket):
    """`/live/desk/`: the provider's staff only. Tells the page its queues and waiting chats
    changed (the page reads them again through its own scoped view), and while open counts the
    engineer available for chats."""

    joined = False

    async def connect(self) -> None:
        if not await self._authenticate():
            return
        if not self.staff:
            await self.close(code=REFUSED)
            return
        await self.channel_layer.group_add(act.DESK_GROUP, self.channel_name)
        self.joined = True
        # Recorded before the socket is accepted: what the client sees open is already
        # counted (an engineer's availability, the groups it joined).
        await self._register()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(act.DESK_GROUP, self.channel_name)
            await self._unregister()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "sync":
            await self._heartbeat()

    async def desk_changed(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "desk"})
