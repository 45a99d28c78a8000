"""The ticket page in Chromium for an agent, a partner and a supplier's contact, in English and
German, on a desktop and a phone: screenshots to look at, no part of the page wider than the
screen, no serious accessibility fault, and the composer's tabs working from the keyboard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.conftest import Desk
from tests.web.test_every_event_kind import _every_kind

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"

# Anything inside the ticket page that reaches past the right edge of the screen.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('.ticket-page *'))
    .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5);
}"""


def _open(
    browser: Any, base: str, username: str, language: str, width: int, password: str = PASSWORD
) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    host = re.sub(r"^https?://([^:/]+).*$", r"\1", base)
    context.add_cookies(
        [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/(desk/)?$"))
    return page


def test_the_ticket_page_for_agent_partner_and_supplier(
    browser: Any, live_server: Any, desk: Desk, fixed_clock: Any, shots: Path
) -> None:
    ticket = _every_kind(desk, fixed_clock)
    base = live_server.url
    for username, who in (("agent1", "agent"), ("ned", "partner"), ("val", "supplier")):
        for language in ("en", "de"):
            for width in (1366, 390):
                page = _open(browser, base, username, language, width)
                page.goto(f"{base}/tickets/{ticket.number}/")
                page.locator(".ticket-page").wait_for()
                wide = page.evaluate(OVERFLOW)
                assert not wide, (who, language, width, wide)
                name = f"ticket-{who}-{language}-{width}"
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                if width == 1366:
                    check_accessibility(page, name)
                page.context.close()


def test_the_composer_tabs_work_from_the_keyboard(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    ticket = desk.open(subject="Mail delayed", severity="high")
    page = _open(browser, live_server.url, "agent1", "en", 1366)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    reply = page.get_by_role("tab", name="Reply")
    assert reply.get_attribute("aria-selected") == "true"
    assert page.locator("#pane-note").is_hidden()
    reply.focus()
    page.keyboard.press("ArrowRight")
    note = page.get_by_role("tab", name="Internal note")
    assert note.get_attribute("aria-selected") == "true"
    assert page.locator("#pane-note").is_visible() and page.locator("#pane-reply").is_hidden()
    page.locator("#id_note-body").fill("Checked the relay logs.")
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Checked the relay logs.").wait_for()
    # Without scripts the three forms are plain sections, all usable.
    plain = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900})
    plain.add_cookies(page.context.cookies())
    bare = plain.new_page()
    bare.goto(f"{live_server.url}/tickets/{ticket.number}/")
    assert (
        bare.locator("#id_reply-body").is_visible() and bare.locator("#id_note-body").is_visible()
    )
    assert bare.locator("#id_ask-body").is_visible()
    plain.close()
    page.context.close()
