"""The embedded desk's channel layer (no broker): Channels' in-memory layer, plus a relay so the
desk's other processes on this machine (the scheduler's sweep, the mail listener, a `tierdesk`
command) reach the sockets too.

The web process, which holds the sockets, listens on a Unix datagram socket (mode 0600) once its
first socket joins a group; every other process sends its group notices there instead of into a
memory nobody reads. What crosses is a notice without content (`ticket.changed` with a seq,
`desk.changed`): the socket that hears it reads what its viewer may see through the queries, as
for a notice of its own process. Nobody listening (the desk is not served) loses nothing: a page
opened later reads the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import socket
import tempfile
from typing import Any

from channels.layers import InMemoryChannelLayer

log = logging.getLogger(__name__)

# What may cross between the desk's processes: notices, never content.
GROUP = re.compile(r"^(ticket-[0-9]{1,18}|desk)$")
TYPES = {"ticket.changed", "desk.changed"}
DATAGRAM = 4096
PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


def relay_path(wanted: str) -> str:
    """`wanted` (in the data directory), or a short name in the temporary directory derived from
    it when it is too long for a Unix socket's address."""
    if len(wanted.encode()) <= PATH_MAX:
        return wanted
    digest = hashlib.sha256(wanted.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"tierdesk-live-{digest}.sock")


class EmbeddedChannelLayer(InMemoryChannelLayer):
    def __init__(self, relay: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.relay = relay_path(relay) if relay else ""
        self._listener: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sender: socket.socket | None = None

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self._listen()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await super().group_send(group, message)
        if self.relay and not self.listening():
            self._forward(group, message)

    def listening(self) -> bool:
        return self._listener is not None

    def _listen(self) -> None:
        """This process holds sockets: take the relay's address (a listener left by a stopped
        process gives it up; the web process is the only one that joins groups)."""
        if not self.relay:
            return
        loop = asyncio.get_running_loop()
        if self._listener is not None and self._loop is loop:
            return
        self.close_relay()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.relay)
            listener.bind(self.relay)
            os.chmod(self.relay, 0o600)
            listener.setblocking(False)
            loop.add_reader(listener.fileno(), self._receive, listener, loop)
        except OSError:
            listener.close()
            log.exception("the live relay cannot listen at %s", self.relay)
            return
        self._listener, self._loop = listener, loop

    def close_relay(self) -> None:
        if self._listener is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._listener.fileno())
        self._listener.close()
        self._listener = self._loop = None

    def _receive(self, listener: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            try:
                data = listener.recv(DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            notice = _read(data)
            if notice is not None:
                group, message = notice
                loop.create_task(InMemoryChannelLayer.group_send(self, group, message))

    def _forward(self, group: str, message: dict[str, Any]) -> None:
        if not GROUP.fullmatch(group) or message.get("type") not in TYPES:
            return
        if self._sender is None:
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
        try:
            self._sender.sendto(json.dumps([group, message]).encode(), self.relay)
        except (FileNotFoundError, ConnectionRefusedError):
            pass  # the desk is not served now: a page opened later reads the record
        except OSError:  # the listener is behind (its buffer is full): the heartbeat catches up
            log.warning("live notice for %s not relayed", group)


def _read(data: bytes) -> tuple[str, dict[str, Any]] | None:
    """A relayed notice, or None for anything that is not one."""
    try:
        group, message = json.loads(data)
    except (ValueError, TypeError):
        return None
    if not isinstance(group, str) or not GROUP.fullmatch(group) or not isinstance(message, dict):
        return None
    kind = message.get("type")
    if kind not in TYPES:
        return None
    seq = message.get("seq", 0)
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None
    return group, ({"type": kind, "seq": seq} if kind == "ticket.changed" else {"type": kind})
