"""The live sockets through the real ASGI application (session cookie, origin check, routing):
who may open which socket, what each viewer is sent after a commit, and catching up."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.config.asgi import application
from tierdesk.domain.errors import DomainError
from tierdesk.persistence.models import LiveSocket, User

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """The scenario on its own event loop in its own thread (the browser tests' Playwright keeps
    a loop in the main thread); actions run in worker threads as they do under the server, so
    their post-commit notices reach this loop's channel layer."""

    async def flushed() -> None:
        await get_channel_layer().flush()
        await scenario()

    failure: list[BaseException] = []

    def target() -> None:
        try:
            async_to_sync(flushed)()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def socket(
    path: str, user: User | None, *, origin: str = "http://localhost"
) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie(user)}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def connect(path: str, user: User | None, **kw: Any) -> tuple[WebsocketCommunicator, bool]:
    communicator = await database_sync_to_async(socket)(path, user, **kw)
    connected, _code = await communicator.connect()
    return communicator, connected


def acting(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    return database_sync_to_async(fn)


def test_a_socket_needs_a_session_and_the_desks_own_origin(desk: Desk) -> None:
    ticket = desk.open()

    async def scenario() -> None:
        _, anonymous = await connect(f"/live/tickets/{ticket.number}/", None)
        assert not anonymous
        _, foreign = await connect(
            f"/live/tickets/{ticket.number}/", desk.north_user, origin="https://evil.example"
        )
        assert not foreign
        mine, ok = await connect(f"/live/tickets/{ticket.number}/", desk.north_user)
        assert ok
        await mine.disconnect()

    run(scenario)


def test_a_partner_of_another_organisation_is_refused_like_a_ticket_that_does_not_exist(
    desk: Desk,
) -> None:
    ticket = desk.open()

    async def scenario() -> None:
        for user, path in [
            (desk.contoso_user, f"/live/tickets/{ticket.number}/"),
            (desk.north_user, "/live/tickets/DEMO-999999/"),
            (desk.vendor, f"/live/tickets/{ticket.number}/"),  # not handed to its supplier
            (desk.north_user, "/live/desk/"),  # the desk's socket is the provider's staff's
        ]:
            _, connected = await connect(path, user)
            assert not connected, (user.username, path)

    run(scenario)


def test_each_viewer_gets_what_its_page_shows_after_the_commit(desk: Desk) -> None:
    ticket = desk.open()
    head = ticket.event_count

    async def scenario() -> None:
        partner, _ = await connect(f"/live/tickets/{ticket.number}/?after={head}", desk.north_user)
        agent, _ = await connect(f"/live/tickets/{ticket.number}/?after={head}", desk.l1)
        now = clock.now()
        await acting(act.add_note)(
            actor=desk.l2, number=ticket.number, body="Check the MX", now=now
        )
        note = await agent.receive_json_from(timeout=5)
        assert [e["body"] for e in note["events"]] == ["Check the MX"]
        assert note["events"][0]["public"] is False
        assert "Check the MX" in note["events"][0]["html"]
        # The partner is not told of the internal note, not even that something happened.
        assert await partner.receive_nothing(timeout=0.3)
        await acting(act.add_reply)(
            actor=desk.l2, number=ticket.number, body="We are on it", now=now
        )
        for communicator in (partner, agent):
            message = await communicator.receive_json_from(timeout=5)
            bodies = [e["body"] for e in message["events"] if e["message"]]
            assert bodies == ["We are on it"]
        await partner.disconnect()
        await agent.disconnect()

    run(scenario)


def test_a_rolled_back_write_tells_nobody(desk: Desk) -> None:
    ticket = desk.open()

    async def scenario() -> None:
        agent, _ = await connect(
            f"/live/tickets/{ticket.number}/?after={ticket.event_count}", desk.l1
        )
        with pytest.raises(DomainError):
            await acting(act.change_status)(
                actor=desk.north_user, number=ticket.number, to="no-such-status", now=clock.now()
            )
        assert await agent.receive_nothing(timeout=0.3)
        await agent.disconnect()

    run(scenario)


def test_a_reconnecting_client_catches_up_from_the_last_event_it_saw(desk: Desk) -> None:
    ticket = desk.open()
    seen = ticket.event_count
    now = clock.now()
    act.add_reply(actor=desk.l1, number=ticket.number, body="First answer", now=now)
    act.add_note(actor=desk.l1, number=ticket.number, body="internal", now=now)
    act.add_reply(actor=desk.l1, number=ticket.number, body="Second answer", now=now)

    async def scenario() -> None:
        partner, _ = await connect(f"/live/tickets/{ticket.number}/?after={seen}", desk.north_user)
        first = await partner.receive_json_from(timeout=5)
        bodies = [e["body"] for e in first["events"] if e["message"]]
        assert bodies == ["First answer", "Second answer"]
        assert all(e["public"] for e in first["events"])
        head = first["head"]
        await partner.disconnect()
        again, _ = await connect(f"/live/tickets/{ticket.number}/?after={head}", desk.north_user)
        assert await again.receive_nothing(timeout=0.3)  # nothing new: nothing sent
        await again.send_json_to({"type": "sync"})
        assert await again.receive_nothing(timeout=0.3)
        await again.disconnect()

    run(scenario)


def test_typing_reaches_the_others_and_an_internal_note_being_written_stays_internal(
    desk: Desk,
) -> None:
    ticket = desk.open()
    path = f"/live/tickets/{ticket.number}/?after={ticket.event_count}"

    async def scenario() -> None:
        partner, _ = await connect(path, desk.north_user)
        agent, _ = await connect(path, desk.l1)
        other, _ = await connect(path, desk.l2)
        await agent.send_json_to({"type": "typing", "public": False})
        assert (await other.receive_json_from(timeout=5))["type"] == "typing"
        assert await partner.receive_nothing(timeout=0.3)
        await agent.send_json_to({"type": "typing", "public": True})
        seen = await partner.receive_json_from(timeout=5)
        assert seen == {"type": "typing", "who": desk.l1.get_full_name() or "agent1", "staff": True}
        assert await agent.receive_nothing(timeout=0.3)  # not one's own
        for c in (partner, agent, other):
            await c.disconnect()

    run(scenario)


def test_the_desk_socket_counts_an_engineer_available_while_open(desk: Desk) -> None:
    async def scenario() -> None:
        agent, ok = await connect("/live/desk/", desk.l1)
        assert ok
        assert await database_sync_to_async(LiveSocket.objects.filter(user=desk.l1).count)() == 1
        ticket = await acting(desk.open)()
        assert await agent.receive_json_from(timeout=5) == {"type": "desk"}
        assert ticket.number
        await agent.disconnect()
        assert await database_sync_to_async(LiveSocket.objects.count)() == 0

    run(scenario)


def test_a_supplier_follows_its_hand_off_and_never_hears_the_partner(desk: Desk) -> None:
    ticket = desk.open()
    act.change_status(
        actor=desk.l1,
        number=ticket.number,
        to="on_hold",
        supplier=desk.supplier,
        supplier_ref="VEN-4711",
        note="Provisioning fails in your module.",
        reason="handed to supplier",
        now=clock.now(),
    )
    ticket.refresh_from_db()
    path = f"/live/tickets/{ticket.number}/?after={ticket.event_count}"

    async def scenario() -> None:
        vendor, ok = await connect(path, desk.vendor)
        assert ok
        partner, _ = await connect(path, desk.north_user)
        await partner.send_json_to({"type": "typing", "public": True})
        assert await vendor.receive_nothing(timeout=0.3)  # not even the partner's name
        await acting(act.add_reply)(
            actor=desk.north_user, number=ticket.number, body="Any news?", now=clock.now()
        )
        assert await vendor.receive_nothing(timeout=0.5)  # the partner's conversation
        await vendor.disconnect()
        await partner.disconnect()

    run(scenario)
