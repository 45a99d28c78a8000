"""The pages this change touches, in Chromium, for an agent in English and German, on a desktop
and a phone: the desk's availability card, the composer's reply-language warning with its
send-anyway choice, and the contact-attempt form with an attempt on the timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.actions.test_reply_language import GERMAN
from tests.browser.test_monitoring_screens import PAGE_FITS
from tests.browser.test_ticket_screens import OVERFLOW, _open
from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import process
from tierdesk.actions.routing import set_availability

pytestmark = pytest.mark.django_db(transaction=True)

WARNING = {"en": "This reads as German", "de": "Das liest sich wie Deutsch"}
TRIED = {"en": "tried to reach", "de": "hat versucht,"}


def test_availability_reply_language_and_contact_attempts(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    set_availability(actor=desk.l2, available=False)
    t = desk.open(severity="high")
    process.escalate_management(
        actor=desk.north_admin, number=t.number, reason="Shop down", now=clock.now()
    )
    process.record_contact_attempt(
        actor=desk.l1, number=t.number, note="Phoned: voicemail.", now=clock.now()
    )
    for language in ("en", "de"):
        for width in (1366, 390):
            page = _open(browser, live_server.url, "agent1", language, width)
            page.goto(f"{live_server.url}/desk/")
            page.locator(".availability").wait_for()
            assert page.evaluate(PAGE_FITS), (language, width)
            page.locator(".availability").screenshot(
                path=str(shots / f"desk-availability-{language}-{width}.png")
            )
            page.goto(f"{live_server.url}/tickets/{t.number}/")
            page.locator("#id_reply-body").fill(GERMAN)
            page.locator('#pane-reply button[name="reply-then"]').first.click()
            page.locator("#id_reply-any_language").wait_for()
            assert WARNING[language] in page.locator("#pane-reply").inner_text()
            assert not page.evaluate(OVERFLOW), (language, width)
            page.locator("#pane-reply").screenshot(
                path=str(shots / f"reply-language-{language}-{width}.png")
            )
            page.locator(".action-contact summary").click()
            assert TRIED[language] in page.locator(".ticket-page").inner_text()
            page.locator(".action-contact").screenshot(
                path=str(shots / f"contact-attempt-{language}-{width}.png")
            )
            page.context.close()
