"""Removing an entry from the record, in Chromium: the administrator's control opened (English and
German, desktop and phone) and the timeline after the removal for the administrator and the
partner: screenshots to look at, nothing wider than the screen, no serious accessibility fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_ticket_screens import OVERFLOW, _open
from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_removal_control_and_the_timeline_after_it(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    ticket = desk.open(subject="Mailbox quota not applied", description="Since Monday.")
    number = ticket.number
    act.add_reply(
        actor=desk.north_user, number=number, body="The password is Hunter2-Hunter2",
        now=clock.now(),
    )  # fmt: skip
    act.add_note(actor=desk.l1, number=number, body="Asked for the quota.", now=clock.now())
    base = live_server.url
    for language in ("en", "de"):
        for width in (1366, 390):
            page = _open(browser, base, "admin", language, width)
            page.goto(f"{base}/tickets/{number}/")
            page.locator(".action-redact summary").click()
            page.locator("#id_redact-event").select_option("2")
            page.locator("#id_redact-reason").fill("a pasted password")
            assert not page.evaluate(OVERFLOW), (language, width)
            name = f"redact-admin-{language}-{width}"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            if width == 1366:
                check_accessibility(page, name)
            page.context.close()
    page = _open(browser, base, "admin", "en", 1366)
    page.goto(f"{base}/tickets/{number}/")
    page.locator(".action-redact summary").click()
    page.locator("#id_redact-event").select_option("2")
    page.locator("#id_redact-reason").fill("a pasted password")
    page.locator(".action-redact button[type=submit]").click()
    # The box is the confirmation: unticked, the browser does not send the form.
    assert page.locator("#id_redact-confirm:invalid").count() == 1
    assert "removed the text of entry" not in page.content()
    page.locator("#id_redact-confirm").check()
    page.locator(".action-redact button[type=submit]").click()
    page.wait_for_load_state()
    assert "removed the text of entry 2 from the record" in page.content()
    page.context.close()
    for username, who in (("admin", "admin"), ("ned", "partner")):
        for language in ("en", "de"):
            for width in (1366, 390):
                page = _open(browser, base, username, language, width)
                page.goto(f"{base}/tickets/{number}/")
                assert "Hunter2" not in page.content()
                assert not page.evaluate(OVERFLOW), (who, language, width)
                name = f"redacted-{who}-{language}-{width}"
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                page.context.close()
