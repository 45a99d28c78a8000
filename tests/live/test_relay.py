"""Without a broker the desk's other processes (the scheduler's sweep, the mail listener, a
command) relay their notices to the web process's sockets through the data directory's Unix
socket, so an SLA warning reaches an open page when the sweep records it, not at the page's next
heartbeat. Each process has its own layer: here the sweep's is a second instance on the relay."""

from __future__ import annotations

import json
import socket
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
from tierdesk.config.channel_layer import EmbeddedChannelLayer, relay_path
from tierdesk.jobs.sweep import sweep

pytestmark = pytest.mark.django_db(transaction=True)
LUX = ZoneInfo("Europe/Luxembourg")
BACKEND = "tierdesk.config.channel_layer.EmbeddedChannelLayer"


@pytest.fixture
def relay(settings: Any, tmp_path: Path) -> str:
    path = str(tmp_path / "live.sock")
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
        for junk in (
            b"not json",
            json.dumps([group, {"type": "ticket.typing", "user": 1, "who": "x"}]).encode(),
            json.dumps(["ticket-1; DROP", {"type": "ticket.changed", "seq": 99}]).encode(),
            json.dumps([group, {"type": "ticket.changed", "seq": "99"}]).encode(),
        ):
            sender.sendto(junk, relay)
        assert await agent.receive_nothing(timeout=0.5)
        sender.close()
        await agent.disconnect()

    run(scenario)


def test_a_data_directory_too_deep_for_a_socket_address_relays_through_a_short_name() -> None:
    deep = "/srv/" + "d" * 200 + "/live.sock"
    short = relay_path(deep)
    assert short != deep and len(short.encode()) <= 100
    assert relay_path(deep) == short  # every process of the desk finds the same one
    assert relay_path("/var/lib/tierdesk/live.sock") == "/var/lib/tierdesk/live.sock"
