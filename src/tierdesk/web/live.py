"""The pages' live sockets (Django Channels): a ticket's socket sends its new events as the
timeline shows them, a chat's typing and "the engineer has joined"; the desk's socket tells the
queues and the waiting chats to refresh, and keeps an engineer available for chats.

Every socket is authenticated by the page's session and scoped like the page: a ticket socket
opens only for a ticket the viewer may see (`queries.live.may_follow`), and every notice is read
again through the queries with the viewer's disclosure, so nothing reaches a socket that the
page would not show. A client names the last event it has (`?after=SEQ`) and catches up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

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
from tierdesk.persistence.models import Organisation, User
from tierdesk.queries import live as q
from tierdesk.web.timeline import describe

# Rendered notices shared by the sockets at the same place in a ticket's record (bounded).
RENDERED = 4096
_rendered: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()

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

    async def _register(self) -> None:
        """An engineer's socket counts them available for chats while it is open."""
        if self.staff:
            await database_sync_to_async(act.socket_opened)(
                user=self.user, channel=self.channel_name, now=clock.now()
            )

    async def _unregister(self) -> None:
        if self.staff:
            await database_sync_to_async(act.socket_closed)(channel=self.channel_name)

    async def _heartbeat(self) -> None:
        if self.staff:
            await database_sync_to_async(act.socket_seen)(
                channel=self.channel_name, now=clock.now()
            )


class TicketSocket(_Socket):
    """`/live/tickets/<number>/?after=SEQ`: the ticket's new events for this viewer."""

    group = ""

    async def connect(self) -> None:
        if not await self._authenticate():
            return
        self.number = str(self.scope["url_route"]["kwargs"]["number"])
        ticket = await _off_loop(q.may_follow)(self.user, self.number)
        if ticket is None:  # another organisation's ticket, or none: as if it did not exist
            await self.close(code=REFUSED)
            return
        self.after = _after(self.scope)
        self.group = act.ticket_group(ticket.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._register()
        await self._send_new()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self._unregister()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not self.group:
            return
        kind = content.get("type")
        if kind == "sync":  # the heartbeat: also catches up what a notice did not bring
            await self._heartbeat()
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
        if int(message.get("seq", 0)) > self.after:
            await self._send_new()

    async def ticket_typing(self, message: dict[str, Any]) -> None:
        if message["user"] == self.user.pk:
            return
        if not self.staff and not (message["staff"] and message["public"] and self.requester):
            # The partner hears only the desk writing to it (never an internal note being
            # written); a supplier hears nobody, so it never learns who the partner is.
            return
        await self.send_json({"type": "typing", "who": message["who"], "staff": message["staff"]})

    async def _send_new(self) -> None:
        out = await _off_loop(self._render)()
        if out is None:
            await self.close(code=REFUSED)
            return
        self.after = out["head"]
        if out["events"]:  # an event this viewer may not see is not even hinted at
            me = self.user.pk
            events = [{**e, "mine": e.get("actor") == me} for e in out["events"]]
            await self.send_json({"type": "events", "events": events, "head": out["head"]})

    def _render(self) -> dict[str, Any] | None:
        """The new events for this viewer: its scope is checked on every notice; what it is sent
        is rendered once per audience, language and position and shared by the sockets that
        are at the same place (most followers of a ticket are)."""
        ticket = q.may_follow(self.user, self.number)
        if ticket is None:
            return None
        key = (ticket.pk, ticket.event_count, self.after, q.audience(self.user), self.language)
        with _lock:
            hit = _rendered.get(key)
        if hit is not None:
            return hit
        out = self._build(q.record_after(self.user, ticket, self.after))
        with _lock:
            _rendered[key] = out
            while len(_rendered) > RENDERED:
                _rendered.popitem(last=False)
        return out

    def _build(self, update: q.Update) -> dict[str, Any]:
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
        return {"events": events, "head": update.head}


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
        await self.accept()
        await self._register()

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(act.DESK_GROUP, self.channel_name)
            await self._unregister()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "sync":
            await self._heartbeat()

    async def desk_changed(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "desk"})
