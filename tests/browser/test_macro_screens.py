"""The pages this part of the workspace changes, in Chromium, for each role that sees them, in
English and German, at 1366 and 390 px: the canned replies page and its form, the composer's
picker, the desk queue's bulk bar with a summary, and the partner's ticket page. Screenshots to
look at, nothing wider than the screen, no serious accessibility fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_ticket_screens import _open
from tests.conftest import Desk
from tierdesk import clock, profiles
from tierdesk.actions import macros
from tierdesk.actions import tickets as act
from tierdesk.cli.demo import DEMO_PASSWORD
from tierdesk.cli.main import main
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import Ticket, User

pytestmark = pytest.mark.django_db(transaction=True)

# Anything in the page's main part past the right edge (a table in a scrolling box excepted).
WIDE = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('main *'))
    .filter(e => e.offsetParent !== null && !e.closest('.scroll'))
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5);
}"""

TEXTS = {
    "en": "Dear {{requester.name}},\n\nwe are looking into {{ticket.number}} and aim to resolve it"
    " by {{due.resolution}}.\n\nKind regards,\n{{agent.name}}",
    "de": "Guten Tag {{requester.name}},\n\nwir arbeiten an {{ticket.number}} und wollen es bis"
    " {{due.resolution}} lösen.\n\nFreundliche Grüße\n{{agent.name}}",
}


def _seed(desk: Desk) -> Any:
    macros.create(
        actor=desk.manager, now=clock.now(), title="Looking into it", texts=TEXTS,
        suggests="waiting",
    )  # fmt: skip
    macros.create(
        actor=desk.l1, now=clock.now(), title="My sign-off", texts={"en": "Best, {{agent.name}}"},
        personal=True,
    )  # fmt: skip
    ticket = desk.open(subject="Mail delivery to Gmail is delayed", severity="high")
    act.add_reply(actor=desk.l1, number=ticket.number, body="We are on it.", now=clock.now())
    act.add_reply(
        actor=desk.north_user, number=ticket.number, body="Still slow here.", now=clock.now()
    )
    desk.open(subject="Spam filter lets phishing through")
    desk.open(subject="Cannot log in to the panel", severity="low")
    return ticket


def _look(page: Any, shots: Path, name: str, width: int) -> None:
    wide = page.evaluate(WIDE)
    assert not wide, (name, wide)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    if width == 1366:
        check_accessibility(page, name)


def test_canned_replies_bulk_bar_and_partner_page(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    ticket = _seed(desk)
    base = live_server.url
    reply_id = macros.CannedReply.objects.get(title="Looking into it").pk
    for language in ("en", "de"):
        for width in (1366, 390):
            for username, who in (("manager", "manager"), ("agent1", "agent")):
                page = _open(browser, base, username, language, width)
                page.goto(f"{base}/desk/replies/")
                _look(page, shots, f"macros-list-{who}-{language}-{width}", width)
                page.goto(f"{base}/desk/replies/{reply_id}/")
                _look(page, shots, f"macros-edit-{who}-{language}-{width}", width)
                page.context.close()
            page = _open(browser, base, "manager", language, width)
            page.goto(f"{base}/desk/replies/new/")
            page.locator("#id_title").fill("Bad one")
            page.locator("#id_text_en").fill("Hello {{requester.phone}}")
            page.locator("form button.primary").click()
            page.locator("#id_text_en-error").wait_for()
            _look(page, shots, f"macros-new-refused-manager-{language}-{width}", width)
            page.context.close()

            page = _open(browser, base, "agent1", language, width)
            page.goto(f"{base}/tickets/{ticket.number}/")
            page.locator("#macro-pick").select_option(label="Looking into it")
            assert "aim to resolve it" in page.locator("#id_reply-body").input_value() or (
                "lösen" in page.locator("#id_reply-body").input_value()
            )
            _look(page, shots, f"ticket-picker-agent-{language}-{width}", width)
            page.goto(f"{base}/desk/?level=l1")
            page.locator("[data-pick-all]").check()
            page.locator("#id_bulk-operation").select_option("assign")
            page.locator("#id_bulk-assignee").select_option("agent1")
            page.get_by_role("button", name="Apply to the selected").or_(
                page.get_by_role("button", name="Auf die ausgewählten anwenden")
            ).click()
            page.locator(".bulk-result").wait_for()
            _look(page, shots, f"desk-bulk-agent-{language}-{width}", width)
            page.context.close()

            page = _open(browser, base, "ned", language, width)
            page.goto(f"{base}/tickets/{ticket.number}/")
            assert page.locator("#macro-pick").count() == 0
            _look(page, shots, f"ticket-partner-{language}-{width}", width)
            page.context.close()


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_each_shipped_demo_desk_offers_its_canned_replies(
    name: str, browser: Any, live_server: Any, settings: Any, shots: Path
) -> None:
    """Every shipped profile's demo desk: an agent picks the first canned reply on a ticket and
    the composer holds it filled in, no placeholder left; screenshots of the desk and page."""
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": name}
    assert main(["demo"]) == 0
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("username").first()
    ticket = Ticket.objects.filter(is_open=True).order_by("number").first()
    assert agent is not None and ticket is not None
    for language in ("en", "de"):
        page = _open(browser, live_server.url, agent.username, language, 1366, DEMO_PASSWORD)
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        picker = page.locator("#macro-pick")
        picker.select_option(index=1)
        text = page.locator("#id_reply-body").input_value()
        assert ticket.number in text and "{{" not in text, (name, text)
        _look(page, shots, f"ticket-picker-{name}-{language}-1366", 1366)
        page.goto(f"{live_server.url}/desk/replies/")
        _look(page, shots, f"macros-list-{name}-{language}-1366", 1366)
        page.context.close()
