"""The chat in two browsers against the desk served as in production (`tierdesk serve`: gunicorn
with a uvicorn worker, ASGI, the live sockets): a partner starts a chat, an engineer in another
browser takes it and answers, each sees the other's messages without a reload, and the ticket's
record holds them in order; a partner of another organisation cannot join the chat's socket.

With TIERDESK_TEST_REDIS_URL the partner and the engineer are served by two processes sharing
Redis (what `.ci/run` does on PostgreSQL); otherwise one process with the in-memory layer.
Screenshots of the window and the desk's waiting chats, in English and German, at 390 px.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests.browser.conftest import check_accessibility
from tests.conftest import Desk
from tierdesk import clock
from tierdesk.persistence.models import Event, LiveSocket, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
REDIS = os.environ.get("TIERDESK_TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(desk: Desk) -> Iterator[list[str]]:
    """One or two desks served by `tierdesk serve` on the test database, at the test's instant."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.live.served_settings",
        "TIERDESK_SERVED_DATABASE": str(connection.settings_dict["NAME"]),
        "TIERDESK_SERVED_NOW": clock.now().isoformat(),
        "TIERDESK_SECRET_KEY": settings.SECRET_KEY,
        "TIERDESK_SERVED_REDIS": REDIS,
        "PYTHONPATH": str(ROOT),
    }
    if connection.vendor == "postgresql":
        env["TIERDESK_TEST_DATABASE_URL"] = os.environ["TIERDESK_TEST_DATABASE_URL"]
    count = 2 if REDIS else 1
    ports = [_free_port() for _ in range(count)]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "tierdesk", "serve", "--port", str(port), "--no-scheduler"],
            env=env,
            cwd=ROOT,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, server in zip(urls, servers, strict=True):

            def up(url: str = url, server: subprocess.Popen[bytes] = server) -> bool:
                assert server.poll() is None, "the served desk stopped"
                try:
                    return httpx.get(f"{url}/login/", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            _wait(f"{url} to answer", up)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _login(browser: Any, base: str, username: str, **context: Any) -> Any:
    page = browser.new_context(**context).new_page()
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/(desk/)?$"))
    return page


PHONE = {"viewport": {"width": 390, "height": 844}}


def test_a_partner_chats_with_an_engineer_in_another_browser(
    browser: Any, served: list[str], desk: Desk, shots: Path
) -> None:
    partner_site, agent_site = served[0], served[-1]

    # The engineer's desk is open: its socket makes them available for the chat.
    agent = _login(browser, agent_site, desk.l1.username)
    agent.goto(f"{agent_site}/desk/")
    _wait("the engineer's socket", lambda: LiveSocket.objects.filter(user=desk.l1).exists())

    partner = _login(browser, partner_site, desk.north_user.username, **PHONE)
    partner.get_by_role("button", name="Chat with an engineer").click()
    window = partner.locator("#chat-panel")
    window.get_by_text("Write your question; an engineer answers here.").wait_for()
    partner.keyboard.type("Our mailbox quota is not applied")
    partner.keyboard.press("Enter")
    window.get_by_text("An engineer will join shortly").wait_for()
    check_accessibility(partner, "chat window")
    partner.screenshot(path=str(shots / "chat-partner-390.png"))
    ticket = Ticket.objects.get(channel="chat")

    # The waiting chat reaches the desk without a reload; in German on a phone too.
    queue = agent.locator("#chats-list")
    queue.get_by_text(ticket.number).wait_for(timeout=15000)
    assert agent.locator("#chat-count").inner_text() == "1"
    agent.screenshot(path=str(shots / "chat-desk-waiting.png"))
    german = _login(browser, agent_site, desk.l2.username, locale="de-DE", **PHONE)
    german.goto(f"{agent_site}/desk/")
    german.get_by_text("Wartende Chats").wait_for()
    german.locator("#chats-list").get_by_text(ticket.number).wait_for(timeout=15000)
    german.screenshot(path=str(shots / "chat-desk-waiting-de-390.png"), full_page=True)

    agent.locator("#chats-list").get_by_role("button", name="Take this chat").click()
    agent.wait_for_url(re.compile(rf".*/tickets/{ticket.number}/$"))
    name = desk.l1.get_full_name() or desk.l1.username
    window.get_by_text(f"{name} has joined the chat").wait_for(timeout=15000)

    # The engineer answers from the ticket page; the partner sees it with the engineer's name.
    agent.locator("#id_reply-body").fill("Looking at the quota now.")
    agent.get_by_role("button", name="Send reply").click()
    window.locator(".chat-theirs").get_by_text("Looking at the quota now.").wait_for(timeout=15000)
    assert name in window.locator(".chat-theirs").last.inner_text()

    # The partner's answer reaches the engineer's ticket page without a reload.
    agent.wait_for_load_state()
    partner.locator("#chat-text").fill("Thank you, it is the 50 GB plan.")
    partner.keyboard.press("Enter")
    agent.locator("ol.conversation").get_by_text("Thank you, it is the 50 GB plan.").wait_for(
        timeout=15000
    )
    partner.screenshot(path=str(shots / "chat-partner-answered-390.png"))
    agent.screenshot(path=str(shots / "chat-agent-ticket.png"), full_page=True)

    record = [
        (e.kind, e.data.get("body") or e.data.get("description"))
        for e in Event.objects.filter(ticket=ticket, kind__in=["created", "reply"]).order_by("seq")
    ]
    assert record == [
        ("created", "Our mailbox quota is not applied"),
        ("reply", "Looking at the quota now."),
        ("reply", "Thank you, it is the 50 GB plan."),
    ]

    # The German window, on a phone.
    nora = _login(browser, partner_site, desk.north_admin.username, locale="de-DE", **PHONE)
    nora.get_by_role("button", name="Chat mit einem Techniker").click()
    nora.locator("#chat-text").wait_for()
    nora.screenshot(path=str(shots / "chat-partner-de-390.png"))

    # Another organisation's partner cannot join the chat's socket: refused before it opens.
    carl = _login(browser, partner_site, desk.contoso_user.username)
    outcome = carl.evaluate(
        """(number) => new Promise((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/live/tickets/${number}/`);
            ws.onopen = () => resolve("open");
            ws.onclose = (e) => resolve("closed " + e.code);
        })""",
        ticket.number,
    )
    assert outcome.startswith("closed"), outcome
    mine = partner.evaluate(
        """(number) => new Promise((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/live/tickets/${number}/`);
            ws.onopen = () => { ws.close(); resolve("open"); };
            ws.onclose = (e) => resolve("closed " + e.code);
        })""",
        ticket.number,
    )
    assert mine == "open"


def test_the_engineers_answer_keeps_the_page_and_the_focus_in_the_composer(
    browser: Any, served: list[str], desk: Desk, shots: Path
) -> None:
    partner_site, agent_site = served[0], served[-1]
    agent = _login(browser, agent_site, desk.l1.username)
    agent.goto(f"{agent_site}/desk/")
    _wait("the engineer's socket", lambda: LiveSocket.objects.filter(user=desk.l1).exists())
    partner = _login(browser, partner_site, desk.north_user.username)
    partner.get_by_role("button", name="Chat with an engineer").click()
    window = partner.locator("#chat-panel")
    partner.keyboard.type("Our mailbox quota is not applied")
    partner.keyboard.press("Enter")
    window.get_by_text("An engineer will join shortly").wait_for()
    ticket = Ticket.objects.get(channel="chat")
    agent.locator("#chats-list").get_by_text(ticket.number).wait_for(timeout=15000)
    agent.locator("#chats-list").get_by_role("button", name="Take this chat").click()
    agent.wait_for_url(re.compile(rf".*/tickets/{ticket.number}/$"))
    agent.locator("#live-ticket[data-connected]").wait_for(state="attached", timeout=15000)

    agent.evaluate("window.answeredHere = true")  # gone if the page is loaded again
    met = agent.locator(".ticket-side .card.sla li.sla-met")
    assert met.count() == 0  # the response is still due
    box = agent.locator("#id_reply-body")
    box.click()
    agent.keyboard.type("Looking at the quota now.")
    agent.get_by_role("button", name="Send reply").click()
    conversation = agent.locator("ol.conversation")
    conversation.get_by_text("Looking at the quota now.").wait_for(timeout=15000)
    window.locator(".chat-theirs").get_by_text("Looking at the quota now.").wait_for(timeout=15000)
    assert agent.evaluate("window.answeredHere === true"), "the page was loaded again"
    # The answer met the response target: the service levels on the side say so, without a reload.
    met.first.wait_for(timeout=15000)
    agent.wait_for_function(
        "document.activeElement && document.activeElement.id === 'id_reply-body'"
    )
    assert box.input_value() == ""
    # The next answer is typed straight away, without reaching for the box again.
    agent.keyboard.type("The quota is 50 GB again.")
    agent.get_by_role("button", name="Send reply").click()
    conversation.get_by_text("The quota is 50 GB again.").wait_for(timeout=15000)
    assert conversation.get_by_text("Looking at the quota now.").count() == 1
    assert agent.evaluate("window.answeredHere === true")
    agent.screenshot(path=str(shots / "chat-agent-answered-in-place.png"), full_page=True)
    replies = Event.objects.filter(ticket=ticket, kind="reply").order_by("seq")
    assert [e.data["body"] for e in replies] == [
        "Looking at the quota now.",
        "The quota is 50 GB again.",
    ]
