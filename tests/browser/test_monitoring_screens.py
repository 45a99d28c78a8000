"""A ticket opened by a monitoring alert on Zynstra, in Chromium: the desk's manager, the vendor's
Third Level contact and the partner, in English and German, on a desktop and a phone. The alert
events read as words, nothing is wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_ticket_screens import OVERFLOW, _open
from tests.conftest import Desk
from tests.monitoring.conftest import Source, real_payload, system_user
from tierdesk.domain.parties import Role

pytestmark = pytest.mark.django_db(transaction=True)

# The page as a whole is no wider than the screen (tables scroll inside their own box).
PAGE_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"

WORDS = {
    "en": "the monitoring alert “high_memory_load” is firing",
    "de": "der Überwachungsalarm „high_memory_load“ ist ausgelöst",
}


def test_a_monitoring_ticket_for_manager_vendor_and_partner(
    browser: Any, live_server: Any, desk: Desk, fixed_clock: Any, shots: Path, settings: Any
) -> None:
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": "zynstra"}
    system_user("vendor-l3", desk.supplier, Role.SUPPLIER_CONTACT, ("l3",))
    console = Source(system_user("console", desk.provider, Role.AGENT), "monitoring")
    payload = real_payload()
    payload["alerts"][0]["labels"]["server"] = desk.acme.slug
    payload["alerts"][0]["generatorURL"] = "https://prometheus.example.com/graph?g0.expr=mem"
    response = console.post("/alerts/alertmanager", payload)
    assert response.status_code == 200, response.content
    number = response.json()["results"][0]["ticket"]
    fixed_clock.advance(timedelta(minutes=5))
    for username, who in (("manager", "manager"), ("vendor-l3", "vendor"), ("ned", "partner")):
        for language in ("en", "de"):
            for width in (1366, 390):
                page = _open(browser, live_server.url, username, language, width)
                page.goto(f"{live_server.url}/tickets/{number}/")
                page.locator(".ticket-page").wait_for()
                assert not page.evaluate(OVERFLOW), (who, language, width)
                text = page.locator(".ticket-page").inner_text()
                if who != "partner":  # the alert's detail is the desk's and the vendor's
                    assert WORDS[language] in text, (who, language)
                else:
                    assert "high_memory_load" not in text.split("\n")[0]
                page.screenshot(
                    path=str(shots / f"monitoring-{who}-{language}-{width}.png"), full_page=True
                )
                page.context.close()


def test_the_token_and_profile_pages_show_the_intakes(
    browser: Any, live_server: Any, desk: Desk, shots: Path, settings: Any
) -> None:
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": "zynstra"}
    system_user("console", desk.provider, Role.AGENT)
    for language in ("en", "de"):
        for width in (1366, 390):
            page = _open(browser, live_server.url, "admin", language, width)
            page.goto(f"{live_server.url}/administration/tokens/")
            page.locator("#id_owner").fill("console")
            page.locator("#id_name").fill("Monitoring Console")
            page.locator("#id_scope").select_option("monitoring")
            page.locator('form[action$="/administration/tokens/"] button[type=submit]').click()
            page.locator('[data-test="token-secret"]').wait_for()
            page.goto(f"{live_server.url}/administration/tokens/")
            assert page.evaluate(PAGE_FITS), (language, width)
            page.screenshot(path=str(shots / f"tokens-{language}-{width}.png"), full_page=True)
            page.goto(f"{live_server.url}/administration/profile/#intake")
            assert page.evaluate(PAGE_FITS), (language, width)
            page.locator("#intake").screenshot(
                path=str(shots / f"profile-intake-{language}-{width}.png")
            )
            page.context.close()
