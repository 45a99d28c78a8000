"""Without a broker the desk's other processes (the scheduler's sweep, the mail listener, a
command) relay their notices to the web process's sockets through the data directory's Unix
socket, so an SLA warning reaches an open page when the sweep records it, not at the page's next
heartbeat. Each process has its own layer: here the sweep's is a second instance on the relay."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async

from tests.conftest import Desk
from tests.live.test_sockets import connect, run
from tierdesk import clock
from tierdesk.actions import live as announcing
from tierdesk.config import channel_layer
from tierdesk.config.channel_layer import EmbeddedChannelLayer, RelayRefused, relay_dir
from tierdesk.jobs.sweep import sweep

pytestmark = pytest.mark.django_db(transaction=True)
LUX = ZoneInfo("Europe/Luxembourg")
BACKEND = "tierdesk.config.channel_layer.EmbeddedChannelLayer"


def in_own_loop(scenario: Any) -> None:
    """`asyncio.run(scenario())` on a thread of its own: the browser tests' Playwright keeps an
    event loop running in the main thread, where asyncio.run refuses to start another."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture
def relay(settings: Any, tmp_path: Path) -> str:
    path = str(tmp_path / "live")
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": BACKEND, "CONFIG": {"relay": path}}}
    return path


def test_the_sweep_in_another_process_reaches_an_open_page_at_once(
    desk: Desk, fixed_clock: clock.FixedClock, relay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = desk.open(severity="high")  # Tuesday 10 March 2026, 10:00 Luxembourg
    path = f"/live/tickets/{ticket.number}/?after={ticket.event_count}"
    scheduler = EmbeddedChannelLayer(relay=relay)  # the scheduler process's own layer

    async def scenario() -> None:
        agent, ok = await connect(path, desk.l1)
        assert ok
        monkeypatch.setattr(announcing, "get_channel_layer", lambda: scheduler)
        # The first response's first warning falls due at 10:45; the sweep runs at 10:46.
        done = await database_sync_to_async(sweep)(datetime(2026, 3, 10, 10, 46, tzinfo=LUX))
        assert done.events == 1
        message = await agent.receive_json_from(timeout=10)  # no heartbeat was sent
        assert [e["kind"] for e in message["events"]] == ["sla_warning"]
        assert not scheduler.listening()  # it only sends: the web process holds the sockets
        await agent.disconnect()

    run(scenario)


def test_only_notices_cross_and_nothing_else(desk: Desk, relay: str) -> None:
    ticket = desk.open()
    path = f"/live/tickets/{ticket.number}/?after={ticket.event_count}"

    async def scenario() -> None:
        agent, _ = await connect(path, desk.l1)
        group = f"ticket-{ticket.pk}"
        sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        [listening] = [str(p) for p in Path(relay).glob("*.sock")]
        for junk in (
            b"not json",
            json.dumps([group, {"type": "ticket.typing", "user": 1, "who": "x"}]).encode(),
            json.dumps(["ticket-1; DROP", {"type": "ticket.changed", "seq": 99}]).encode(),
            json.dumps([group, {"type": "ticket.changed", "seq": "99"}]).encode(),
        ):
            sender.sendto(junk, listening)
        assert await agent.receive_nothing(timeout=0.5)
        sender.close()
        await agent.disconnect()

    run(scenario)


def test_a_data_directory_too_deep_for_a_socket_address_relays_through_a_short_name() -> None:
    deep = "/srv/" + "d" * 200 + "/live"
    short = relay_dir(deep)
    assert short != deep and len(short.encode()) + channel_layer.SOCKET_NAME <= 100
    assert relay_dir(deep) == short  # every process of the desk finds the same one
    assert f"-{os.geteuid()}-" in os.path.basename(short)  # and it is this user's
    assert relay_dir("/var/lib/tierdesk/live") == "/var/lib/tierdesk/live"


def test_a_relay_socket_is_never_open_to_the_group_or_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mode is read the instant bind made the file, before anything could change it."""
    directory = tmp_path / "live"
    os.umask(old := os.umask(0o022))  # a usual umask: files would be 0755 without care
    seen: list[int] = []
    bind = socket.socket.bind

    def watched(self: socket.socket, address: Any) -> None:
        bind(self, address)
        if isinstance(address, str):
            seen.append(stat.S_IMODE(os.stat(address).st_mode))

    monkeypatch.setattr(socket.socket, "bind", watched)
    layer = EmbeddedChannelLayer(relay=str(directory))

    async def scenario() -> None:
        await layer.group_add("desk", "specific.a")
        assert layer.listening()
        layer.close_relay()

    in_own_loop(scenario)
    assert old == os.umask(old)  # the process's umask is given back
    assert seen and all(mode & 0o077 == 0 for mode in seen), [f"{m:04o}" for m in seen]
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert list(directory.iterdir()) == []  # a layer that stops listening takes its file away


@pytest.mark.parametrize("hostile", ["open to all", "a symbolic link", "another user's"])
def test_a_directory_someone_else_prepared_is_refused_with_a_clear_error(
    hostile: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = tmp_path / "live"
    if hostile == "open to all":
        directory.mkdir()
        directory.chmod(0o1777)  # like /tmp: anyone may put a socket of their own in it
        reason = "others may use it"
    elif hostile == "a symbolic link":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        directory.symlink_to(tmp_path / "elsewhere")
        reason = "symbolic link"
    else:
        directory.mkdir(mode=0o700)
        monkeypatch.setattr(channel_layer.os, "geteuid", lambda: os.getuid() + 4242)
        reason = "belongs to user"
    with pytest.raises(RelayRefused, match=reason) as refused:
        channel_layer.private_directory(str(directory))
    assert str(directory) in str(refused.value)

    web, sweep_process = (EmbeddedChannelLayer(relay=str(directory)) for _ in range(2))

    async def scenario() -> None:
        with caplog.at_level(logging.ERROR, logger=channel_layer.__name__):
            await web.group_add("desk", "specific.a")
            await sweep_process.group_send("desk", {"type": "desk.changed"})
        assert not web.listening()  # nothing bound in it, nothing sent into it

    in_own_loop(scenario)
    assert not list(Path(os.path.realpath(directory)).glob("*.sock"))
    assert any(
        reason in r.getMessage() and str(directory) in r.getMessage() for r in caplog.records
    )


def test_two_web_workers_hear_each_other_and_the_sweep(tmp_path: Path) -> None:
    """Each worker binds its own socket in the directory; a notice of one reaches the other's
    sockets, and one from a process without sockets reaches both."""
    directory = str(tmp_path / "live")
    first, second, scheduler = (EmbeddedChannelLayer(relay=directory) for _ in range(3))

    async def scenario() -> None:
        await first.group_add("ticket-7", "specific.one")
        await second.group_add("ticket-7", "specific.two")
        assert first.listening() and second.listening()
        assert len(list(Path(directory).glob("*.sock"))) == 2

        await first.group_send("ticket-7", {"type": "ticket.changed", "seq": 3})
        heard_here = await asyncio.wait_for(first.receive("specific.one"), 5)
        heard_there = await asyncio.wait_for(second.receive("specific.two"), 5)
        assert heard_here == heard_there == {"type": "ticket.changed", "seq": 3}

        await scheduler.group_send("ticket-7", {"type": "ticket.changed", "seq": 4})
        for layer, channel in ((first, "specific.one"), (second, "specific.two")):
            heard = await asyncio.wait_for(layer.receive(channel), 5)
            assert heard == {"type": "ticket.changed", "seq": 4}
        assert not scheduler.listening()

        # A worker that stopped without tidying up leaves a file nobody reads: dropped.
        gone, listener = second._address, second._listener
        assert listener is not None
        asyncio.get_running_loop().remove_reader(listener.fileno())
        listener.close()
        await scheduler.group_send("ticket-7", {"type": "ticket.changed", "seq": 5})
        assert not os.path.exists(gone)
        heard = await asyncio.wait_for(first.receive("specific.one"), 5)
        assert heard == {"type": "ticket.changed", "seq": 5}
        first.close_relay()

    in_own_loop(scenario)
