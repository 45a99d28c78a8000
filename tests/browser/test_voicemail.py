"""An agent logs a voicemail (LuxCloud 2.7) in Chromium with only the partner, the caller's name
and the number to call back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import _login
from tests.conftest import Desk
from tierdesk.persistence.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_logs_a_voicemail(browser: Any, live_server: Any, desk: Desk, shots: Path) -> None:
    page = _login(browser, live_server.url, desk.l1.username)
    page.goto(f"{live_server.url}/desk/phone/")
    check_accessibility(page, "phone")
    page.get_by_label("Partner").select_option(desk.north.slug)
    page.get_by_label("Left as a voicemail").check()
    page.get_by_label("Caller's name").fill("Jean Muller")
    page.get_by_label("Phone number").fill("+352 621 000 111")
    page.screenshot(path=str(shots / "phone-voicemail.png"), full_page=True)
    page.get_by_role("button", name="Open the ticket").click()
    page.wait_for_url("**/tickets/**")
    page.screenshot(path=str(shots / "phone-voicemail-ticket.png"), full_page=True)
    ticket = Ticket.objects.get(channel="phone")
    assert ticket.subject == "Voicemail from Jean Muller, +352 621 000 111"
    assert "To ask when calling back" in page.content()
