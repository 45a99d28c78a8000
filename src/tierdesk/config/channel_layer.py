"""The embedded desk's channel layer (no broker): Channels' in-memory layer, plus a relay so the
desk's other processes on this machine (the scheduler's sweep, the mail listener, a `tierdesk`
command, another web worker) reach the sockets too.

The relay is a private directory (`live/` in the data directory, mode 0700, owned by the desk's
user; a directory found there that another user owns, that the group or others may write to, or
that is a symbolic link is refused with an error naming it). Each process that holds sockets
binds a Unix datagram socket of its own in it (`<pid>-<random>.sock`, bound under umask 077, so
the file is mode 0600 from its first instant) once its first socket joins a group; every
process sends each group notice to every socket in the directory but its own, and drops the
files of processes that are gone. So several web workers (a restart's overlap, gunicorn run by
hand with more than one worker) each hear the others' notices and those of the scheduler, the
mail listener and the commands. What crosses is a notice without content (`ticket.changed` with
a seq, `desk.changed`): the socket that hears it reads what its viewer may see through the
queries, as for a notice of its own process. Nobody listening (the desk is not served) loses
nothing: a page opened later reads the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import socket
import stat
import tempfile
from typing import Any

from channels.layers import InMemoryChannelLayer

log = logging.getLogger(__name__)

# What may cross between the desk's processes: notices, never content.
GROUP = re.compile(r"^(ticket-[0-9]{1,18}|desk)$")
TYPES = {"ticket.changed", "desk.changed"}
DATAGRAM = 4096
PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
SOCKET_NAME = 32  # "<pid>-<16 hex>.sock" and the separator, with room to spare
SUFFIX = ".sock"


class RelayRefused(Exception):
    """The relay's directory is not private to this user: the relay is not used."""


def relay_dir(wanted: str) -> str:
    """`wanted` (in the data directory), or, when it is too deep for a socket's address, a
    directory named after it and this user in the user's runtime directory (XDG_RUNTIME_DIR) or
    the temporary directory. That name is predictable, so it is only used once
    `private_directory` has made sure it is this user's own."""
    if len(wanted.encode()) + SOCKET_NAME <= PATH_MAX:
        return wanted
    digest = hashlib.sha256(wanted.encode()).hexdigest()[:16]
    runtime = os.environ.get("XDG_RUNTIME_DIR") or ""
    base = runtime if runtime and len(runtime.encode()) < 40 else tempfile.gettempdir()
    return os.path.join(base, f"tierdesk-live-{os.geteuid()}-{digest}")


def private_directory(path: str) -> str:
    """Create `path` (mode 0700) or check the one there: a directory, not a symbolic link, owned
    by this user, which neither the group nor others may use. Raises `RelayRefused` naming what
    is wrong with it."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    try:
        found = os.lstat(path)
    except OSError as exc:
        raise RelayRefused(f"the live relay's directory {path} cannot be used: {exc}") from exc
    problem = ""
    if stat.S_ISLNK(found.st_mode):
        problem = "it is a symbolic link"
    elif not stat.S_ISDIR(found.st_mode):
        problem = "it is not a directory"
    elif found.st_uid != os.geteuid():
        problem = f"it belongs to user {found.st_uid}, not to this one ({os.geteuid()})"
    elif found.st_mode & 0o077:
        problem = f"its mode is {stat.S_IMODE(found.st_mode):04o}: others may use it (0700 wanted)"
    if problem:
        raise RelayRefused(
            f"the live relay's directory {path} is refused: {problem}. Remove it (the desk "
            "creates it again, private to its user); until then the desk's other processes "
            "do not reach the open pages at once (they catch up at their next heartbeat)."
        )
    return path


class EmbeddedChannelLayer(InMemoryChannelLayer):
    def __init__(self, relay: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.relay = relay_dir(relay) if relay else ""
        self._checked = False
        self._listener: socket.socket | None = None
        self._address = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sender: socket.socket | None = None

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self._listen()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await super().group_send(group, message)
        if self.relay:
            self._forward(group, message)

    def listening(self) -> bool:
        return self._listener is not None

    def _directory(self) -> str:
        """The relay's directory, made or checked once per process; "" when it is refused (the
        error says why, once)."""
        if self.relay and not self._checked:
            try:
                private_directory(self.relay)
            except RelayRefused as exc:
                log.error("%s", exc)
                self.relay = ""
            self._checked = True
        return self.relay

    def _listen(self) -> None:
        """This process holds sockets: bind its own address in the relay's directory."""
        directory = self._directory()
        if not directory:
            return
        loop = asyncio.get_running_loop()
        if self._listener is not None and self._loop is loop:
            return
        self.close_relay()
        address = os.path.join(directory, f"{os.getpid()}-{secrets.token_hex(8)}{SUFFIX}")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            # The file is created by bind: under this umask it is never open to the group or
            # others, not even between bind and a chmod.
            before = os.umask(0o077)
            try:
                listener.bind(address)
            finally:
                os.umask(before)
            listener.setblocking(False)
            loop.add_reader(listener.fileno(), self._receive, listener, loop)
        except OSError:
            listener.close()
            with contextlib.suppress(OSError):
                os.unlink(address)
            log.exception("the live relay cannot listen at %s", address)
            return
        self._listener, self._loop, self._address = listener, loop, address

    def close_relay(self) -> None:
        if self._listener is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._listener.fileno())
        self._listener.close()
        with contextlib.suppress(OSError):
            os.unlink(self._address)
        self._listener = self._loop = None
        self._address = ""

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
        """Send the notice to every other process's socket in the relay's directory."""
        if not GROUP.fullmatch(group) or message.get("type") not in TYPES:
            return
        directory = self._directory()
        if not directory:
            return
        try:
            others = [
                entry.path
                for entry in os.scandir(directory)
                if entry.name.endswith(SUFFIX) and entry.path != self._address
            ]
        except OSError:
            return
        if not others:
            return  # the desk is not served now: a page opened later reads the record
        if self._sender is None:
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
        data = json.dumps([group, message]).encode()
        for address in others:
            try:
                self._sender.sendto(data, address)
            except ConnectionRefusedError:  # its process is gone: its file goes too
                with contextlib.suppress(OSError):
                    os.unlink(address)
            except FileNotFoundError:
                pass  # it stopped meanwhile
            except OSError:  # the listener is behind (its buffer is full): the heartbeat catches up
                log.warning("live notice for %s not relayed to %s", group, address)


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
