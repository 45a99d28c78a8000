"""Issue 18 in Chromium: the hand-off form with each supplier's registry (the agent), and the
supplier's administration page with its own desk's terms (the administrator), in English and
German, on a desktop and a phone; nothing wider than the screen, no raw keys, axe clean."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_ticket_screens import OVERFLOW, _open
from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.actions.suppliers import set_terms

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
TERMS = {
    "method": "email",
    "contact": "support@platform-vendor.example",
    "contacts": ["duty@platform-vendor.example"],
    "severity_scale": ["Critical", "Major", "Minor"],
    "severity_map": {"high": "Critical", "normal": "Major", "low": "Minor"},
    "response_target": "2h",
    "ola_target": "8h",
    "time_zone": "America/New_York",
    "hours": "mon-fri 08:00-20:00",
    "holiday_country": "US",
    "reference_pattern": r"\[Case (\d{6,})\]",
    "solved_phrases": ["Case status: Solved"],
    "escalation_contacts": ["escalations@platform-vendor.example"],
}
WORDS = {"en": "Suppliers' support terms", "de": "Supportbedingungen"}


def test_the_hand_off_form_shows_the_registry_and_the_supplier_page_keeps_it(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    set_terms(actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes=TERMS)
    ticket = desk.open()
    act.attach_file(actor=desk.l1, number=ticket.number, content=io.BytesIO(b"trace"),
                    name="trace.log", size=5, content_type="text/plain", now=clock.now())  # fmt: skip
    for language in ("en", "de"):
        for width in (1366, 390):
            page = _open(browser, live_server.url, "agent1", language, width)
            page.goto(f"{live_server.url}/tickets/{ticket.number}/")
            hold = page.locator("details.action-hold")
            hold.locator("summary").first.click()
            assert "America/New_York" in hold.inner_text()
            assert not page.evaluate(OVERFLOW), (language, width)
            check_accessibility(page, f"hand-off {language} {width}")
            hold.screenshot(path=str(shots / f"supplier-handoff-{language}-{width}.png"))
            page.context.close()
            page = _open(browser, live_server.url, "admin", language, width)
            page.goto(f"{live_server.url}/administration/suppliers/{desk.supplier.slug}/")
            assert page.locator("#id_reference_pattern").input_value() == TERMS["reference_pattern"]
            assert page.evaluate(PAGE_FITS), (language, width)
            check_accessibility(page, f"supplier page {language} {width}")
            page.screenshot(
                path=str(shots / f"supplier-admin-{language}-{width}.png"), full_page=True
            )
            # A pattern that does not compile is refused next to its field, what was typed kept.
            page.locator("#id_reference_pattern").fill(r"\[Case (\d+")
            page.locator("form button[type=submit].primary").first.click()
            error = page.locator("#id_reference_pattern-error")
            error.wait_for()
            assert "regular expression" in error.inner_text() or language == "de"
            assert page.locator("#id_reference_pattern").input_value() == r"\[Case (\d+"
            page.context.close()


def test_the_supplier_what_if_on_the_reports_page(
    browser: Any, live_server: Any, desk: Desk, shots: Path, fixed_clock: Any
) -> None:
    """The manager compares the month's hand-offs to the vendor with another supplier's terms;
    an empty choice is refused next to its field."""
    from tests.suppliers.test_supplier_what_if_page import two_suppliers

    other = two_suppliers(desk, fixed_clock)
    words = {"en": ("As they went", "choose a supplier"),
             "de": ("Wie sie verliefen", "wählen Sie einen Lieferanten")}  # fmt: skip
    for language in ("en", "de"):
        for width in (1366, 390):
            page = _open(browser, live_server.url, "manager", language, width)
            page.goto(
                f"{live_server.url}/reports/?from=2026-03-01&to=2026-03-31"
                f"&supplier={desk.supplier.slug}&as_if={other}"
            )
            section = page.locator("section[aria-labelledby=w-h]")
            assert words[language][0] in section.inner_text()
            assert page.evaluate(PAGE_FITS), (language, width)
            check_accessibility(page, f"supplier what-if {language} {width}")
            section.screenshot(path=str(shots / f"supplier-what-if-{language}-{width}.png"))
            section.locator("#w-supplier").select_option("")
            section.locator("button[type=submit]").click()
            page.locator("#w-supplier-e").wait_for()
            assert page.locator("#w-supplier-e").inner_text() == words[language][1]
            page.locator("section[aria-labelledby=w-h]").screenshot(
                path=str(shots / f"supplier-what-if-error-{language}-{width}.png")
            )
            page.context.close()


def test_the_suppliers_response_in_the_agents_sla_panel(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    """The agent reads the supplier's response next to the other targets; the partner does not."""
    set_terms(actor=desk.admin, supplier=desk.supplier, now=clock.now(), changes=TERMS)
    ticket = desk.open()
    act.change_status(actor=desk.l1, number=ticket.number, to="on_hold", supplier=desk.supplier,
                      note="Please look at the panel.", now=clock.now())  # fmt: skip
    words = {"en": "Supplier's first response (Vendor)",
             "de": "Erste Antwort des Lieferanten (Vendor)"}  # fmt: skip
    for language in ("en", "de"):
        page = _open(browser, live_server.url, "agent1", language, 390)
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        panel = page.locator("section.sla")
        assert words[language] in panel.inner_text()
        assert not page.evaluate(OVERFLOW), language
        panel.screenshot(path=str(shots / f"supplier-response-sla-{language}-390.png"))
        page.context.close()
    page = _open(browser, live_server.url, desk.north_user.username, "en", 390)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    assert "Supplier" not in page.locator("section.sla").inner_text()
    page.context.close()
