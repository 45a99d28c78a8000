"""The five tasks agents do most, done in Chromium from the ticket page without scrolling past
the conversation, with their clicks and keys counted and held to the figures in
docs/workspace.md (a change may lower them, never raise them)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_ticket_screens import _open
from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import macros
from tierdesk.persistence.models import Event, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
DOC = Path(__file__).resolve().parents[2] / "docs" / "workspace.md"

# Whether a control is reachable without scrolling past the conversation: in the side panel
# (whose top is on the first screen) or in the composer right under the conversation.
REACHABLE = """el => {
  const side = el.closest('.ticket-side');
  if (side) { return side.getBoundingClientRect().top + window.scrollY < window.innerHeight; }
  const composer = el.closest('.composer');
  const conversation = document.querySelector('.conversation');
  if (!composer || !conversation) { return false; }
  const gap = composer.getBoundingClientRect().top - conversation.getBoundingClientRect().bottom;
  return gap >= 0 && gap < 48;
}"""


@dataclass
class Effort:
    clicks: int = 0
    keys: int = 0
    message: int = 0


class Agent:
    """Drives the page the way a person would and counts what it takes."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.effort = Effort()

    def _reachable(self, locator: Any) -> None:
        assert locator.evaluate(REACHABLE), f"{locator} is not reachable from the conversation"

    def click(self, locator: Any) -> None:
        self._reachable(locator)
        locator.click()
        self.effort.clicks += 1

    def choose(self, locator: Any, value: str) -> None:
        self._reachable(locator)
        locator.select_option(value)
        self.effort.clicks += 2  # open the list, pick

    def type(self, locator: Any, text: str) -> None:
        self._reachable(locator)
        locator.press_sequentially(text)
        self.effort.message += len(text)


def _documented() -> dict[str, Effort]:
    figures = {}
    for line in DOC.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and all(c.isdigit() for c in cells[1:]):
            figures[cells[0]] = Effort(int(cells[1]), int(cells[2]), int(cells[3]))
    return figures


def test_the_top_five_tasks_from_the_ticket_page(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    macros.create(
        actor=desk.manager, now=clock.now(), title="Need the logs", suggests="waiting",
        texts={"en": "Dear {{requester.name}}, please send the logs for {{ticket.number}}."},
    )  # fmt: skip
    tickets = [desk.open(subject=f"Mail delayed {i}", severity="high") for i in range(5)]
    page = _open(browser, live_server.url, "agent1", "en", 1366)
    measured: dict[str, Effort] = {}

    def task(name: str, ticket: Ticket) -> Agent:
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        page.locator(".conversation").wait_for()
        agent = Agent(page)
        measured[name] = agent.effort
        return agent

    def done(ticket: Ticket, shot: str) -> Ticket:
        page.wait_for_url(re.compile(rf".*/tickets/{ticket.number}/$"))
        page.screenshot(path=str(shots / f"task-{shot}.png"), full_page=True)
        return Ticket.objects.get(pk=ticket.pk)

    a = task("Answer and set Pending", tickets[0])
    a.click(page.locator("#id_reply-body"))
    a.type(page.locator("#id_reply-body"), "Please retry; the queue is clear")
    a.click(page.get_by_role("button", name="Send and set Pending"))
    assert done(tickets[0], "pending").status == "pending"

    a = task("Hand to L2 with a note", tickets[1])
    a.choose(page.locator("#id_level-level"), "l2")
    a.click(page.locator("#id_level-note"))
    a.type(page.locator("#id_level-note"), "Relay logs attached; over to you")
    a.click(page.get_by_role("button", name="Hand over"))
    assert done(tickets[1], "level").level == "l2"

    a = task("Put on hold with a supplier", tickets[2])
    a.click(page.get_by_text("Hand to a supplier", exact=True))
    a.click(page.locator("#id_hold-note"))
    a.type(page.locator("#id_hold-note"), "Mailbox move stuck on their side")
    a.click(page.get_by_role("button", name="Put on hold with the supplier"))
    held = done(tickets[2], "hold")
    assert held.status == "on_hold" and held.supplier == desk.supplier.slug

    a = task("Resolve", tickets[3])
    a.click(page.locator("#id_reply-body"))
    a.type(page.locator("#id_reply-body"), "Restarted the relay; mail flows again")
    a.click(page.get_by_role("button", name="Send and resolve"))
    assert done(tickets[3], "resolve").status == "resolved"

    a = task("Answer with a canned reply", tickets[4])
    a.choose(page.locator("#macro-pick"), str(macros.CannedReply.objects.get().pk))
    suggested = page.locator("button.suggested")
    assert suggested.inner_text() == "Send and set Pending"
    a.click(suggested)
    assert done(tickets[4], "canned").status == "pending"
    reply = Event.objects.filter(ticket=tickets[4], kind="reply").latest("seq")
    assert reply.data["body"] == f"Dear ned, please send the logs for {tickets[4].number}."

    (shots / "top-five-tasks.json").write_text(
        json.dumps({k: vars(v) for k, v in measured.items()}, indent=2), "utf-8"
    )
    documented = _documented()
    assert set(documented) == set(measured), "docs/workspace.md names the five tasks"
    for name, effort in measured.items():
        limit = documented[name]
        assert effort.clicks <= limit.clicks and effort.keys <= limit.keys, (name, effort, limit)
        assert effort.message <= limit.message, (name, effort, limit)
    page.context.close()
