"""A provider sets up a desk from the administration pages, in Chromium, and a ticket runs
through everything set up: a partner with an end-customer account, a partner user, an agent at
L2, a supplier with its terms and a contact. Screenshots of every administration page and the
profile page, in English and German, at desktop width and at 390 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import _login
from tests.conftest import FORM, Desk
from tierdesk.persistence.models import Notification, Organisation, Ticket, User

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long enough passphrase"


def _choose_password(browser: Any, base: str, email: str) -> None:
    """Follow the link the new person was sent and choose a password."""
    body = Notification.objects.filter(recipient=email).latest("pk").body
    link = re.search(r"/password-reset/[^/\s]+/[^/\s]+/", body)
    assert link is not None, body
    page = browser.new_page()
    page.goto(base + link.group(0))
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    page.wait_for_url(re.compile(r".*/password-reset/done/$"))
    page.close()


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px window"


def test_a_provider_sets_up_a_desk_and_a_ticket_runs_through_it(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    base = live_server.url
    admin = _login(browser, base, "admin", "correct horse battery")

    # A partner, from the overview.
    admin.goto(f"{base}/")
    admin.get_by_role("link", name="Administration").click()
    admin.wait_for_url(f"{base}/administration/")
    admin.locator(".admin-nav").get_by_role("link", name="Partners").click()
    admin.get_by_role("link", name="Add a partner").click()
    admin.locator("#id_name").fill("Fabrikam")
    admin.locator("#id_contact_email").fill("not an address")
    admin.get_by_role("button", name="Create the partner").click()
    admin.locator("#id_contact_email-error").wait_for()  # refused next to the field
    assert admin.locator("#id_name").input_value() == "Fabrikam"
    admin.locator("#id_contact_email").fill("ops@fabrikam.example")
    admin.get_by_role("button", name="Create the partner").click()
    admin.wait_for_url(re.compile(r".*/administration/partners/fabrikam/$"))
    partner = Organisation.objects.get(name="Fabrikam")

    # Its end-customer account with a subscription.
    admin.locator("#id_account-name").fill("Globex")
    admin.get_by_role("button", name="Add the account").click()
    admin.wait_for_url(re.compile(r".*/administration/accounts/globex/$"))
    admin.locator("#id_subscription-reference").fill("GLX-1")
    admin.locator("#id_subscription-product").fill("Hosted Exchange")
    admin.get_by_role("button", name="Add the subscription").click()
    admin.get_by_role("cell", name="GLX-1").wait_for()

    # A partner user.
    admin.goto(f"{base}/administration/partners/fabrikam/")
    admin.get_by_role("link", name="Add a person").click()
    admin.locator("#id_username").fill("pia")
    admin.locator("#id_first_name").fill("Pia")
    admin.locator("#id_email").fill("pia@fabrikam.example")
    admin.get_by_role("button", name="Create the person").click()
    admin.wait_for_url(f"{base}/administration/people/pia/")

    # An agent at L2.
    admin.locator(".admin-nav").get_by_role("link", name="Staff").click()
    admin.get_by_role("link", name="Add a member of staff").click()
    admin.locator("#id_username").fill("lars")
    admin.locator("#id_first_name").fill("Lars")
    admin.locator("#id_email").fill("lars@example.com")
    admin.locator("#id_role").select_option("agent")
    admin.get_by_label("Support Level 2").check()
    admin.get_by_role("button", name="Create the person").click()
    admin.wait_for_url(f"{base}/administration/people/lars/")
    assert User.objects.get(username="lars").level_keys() == ["l2"]

    # A supplier with its terms, and its contact.
    admin.locator(".admin-nav").get_by_role("link", name="Suppliers").click()
    admin.get_by_role("link", name="Add a supplier").click()
    admin.locator("#id_name").fill("Odin Systems")
    admin.locator("#id_slug").fill("odin")
    admin.locator("#id_method").select_option("email")
    admin.locator("#id_contact").fill("support@odin.example")
    admin.locator("#id_ola_target").fill("4h")
    admin.locator("#id_calendar").select_option("desk")
    admin.locator("#id_severity_map_high").fill("Sev 1")
    admin.get_by_role("button", name="Create the supplier").click()
    admin.wait_for_url(f"{base}/administration/suppliers/odin/")
    admin.get_by_role("link", name="Add a contact").click()
    admin.locator("#id_username").fill("olaf")
    admin.locator("#id_email").fill("olaf@odin.example")
    admin.get_by_role("button", name="Create the person").click()
    admin.wait_for_url(f"{base}/administration/people/olaf/")

    # Every administration page, looked at: English and German, desktop and 390 px.
    pages = {
        "overview": "/administration/",
        "partners": "/administration/partners/",
        "partner": "/administration/partners/fabrikam/",
        "account": "/administration/accounts/globex/",
        "new-partner": "/administration/partners/new/",
        "suppliers": "/administration/suppliers/",
        "supplier": "/administration/suppliers/odin/",
        "staff": "/administration/staff/",
        "person": "/administration/people/lars/",
        "deactivate": "/administration/people/lars/state",
        "tokens": "/administration/tokens/",
        "changes": "/administration/changes/",
        "import": "/administration/import/",
        "profile": "/administration/profile/?check=all",
    }
    for language in ("en", "de"):
        admin.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for width in (1280, 390):
            admin.set_viewport_size({"width": width, "height": 900})
            for name, path in pages.items():
                admin.goto(base + path)
                _fits(admin)
                if language == "en" and width == 1280:
                    check_accessibility(admin, f"administration: {name}")
                admin.screenshot(
                    path=str(shots / f"admin-{name}-{language}-{width}.png"), full_page=True
                )
    admin.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    admin.set_viewport_size({"width": 1280, "height": 900})

    for email in ("pia@fabrikam.example", "lars@example.com", "olaf@odin.example"):
        _choose_password(browser, base, email)

    # The partner user opens a ticket for the account.
    pia = _login(browser, base, "pia", PASSWORD)
    pia.goto(f"{base}/tickets/new/")
    pia.get_by_label("Subject").fill("Mailboxes of Globex bounce")
    pia.get_by_label("High").check()
    pia.locator("#id_customer_account").select_option("globex")  # chosen, not typed
    pia.locator("#id_form_subscription").select_option("GLX-1")  # chosen, not typed
    for key, value in FORM.items():
        if key not in ("account", "subscription"):
            pia.locator(f"#id_form_{key}").fill(value)
    pia.get_by_role("button", name="Open the ticket").click()
    pia.wait_for_url(re.compile(r".*/tickets/DC-\d+/$"))
    number = pia.url.rstrip("/").rsplit("/", 1)[-1]
    ticket = Ticket.objects.get(number=number)
    assert ticket.organisation == partner and ticket.customer_account is not None
    assert ticket.customer_account.slug == "globex"
    assert ticket.form["subscription"] == "GLX-1"

    # L1 hands it to the new L2 agent.
    l1 = _login(browser, base, "agent1", "correct horse battery")
    l1.goto(f"{base}/tickets/{number}/")
    l1.locator("#id_level-level").select_option("l2")
    l1.locator("#id_level-note").fill("Mail routing; L2 please.")
    l1.get_by_role("button", name="Hand over").click()
    l1.wait_for_url(f"{base}/tickets/{number}/")
    l1.locator("#id_assign-assignee").select_option(label="Lars")
    l1.get_by_role("button", name="Assign").click()
    l1.wait_for_url(f"{base}/tickets/{number}/")
    ticket.refresh_from_db()
    assert ticket.level == "l2" and ticket.assignee is not None
    assert ticket.assignee.username == "lars"

    # L2 puts it on hold with the new supplier.
    lars = _login(browser, base, "lars", PASSWORD)
    lars.goto(f"{base}/tickets/{number}/")
    lars.get_by_text("Hand to a supplier").click()  # the less common actions sit in a menu
    lars.locator("#id_hold-supplier").select_option("odin")
    lars.locator("#id_hold-reference").fill("ODN-77")
    lars.locator("#id_hold-note").fill("Transport rules drop mail for globex.example.")
    lars.get_by_role("button", name="Put on hold with the supplier").click()
    lars.wait_for_url(f"{base}/tickets/{number}/")
    ticket.refresh_from_db()
    assert ticket.supplier == "odin" and ticket.status == "on_hold"

    # The supplier's contact replies.
    olaf = _login(browser, base, "olaf", PASSWORD)
    olaf.goto(f"{base}/tickets/{number}/")
    olaf.locator("#id_reply-body").fill("Fixed the transport rule on our side.")
    olaf.get_by_role("button", name="Send reply").click()
    olaf.wait_for_url(f"{base}/tickets/{number}/")
    olaf.get_by_text("Fixed the transport rule on our side.").first.wait_for()

    # L2 resolves; the partner confirms, which closes it.
    lars.goto(f"{base}/tickets/{number}/")
    lars.get_by_text("Fixed the transport rule on our side.").first.wait_for()
    lars.locator("#id_reply-body").fill("The supplier fixed the transport rule.")
    lars.get_by_role("button", name="Send and resolve").click()
    lars.wait_for_url(f"{base}/tickets/{number}/")
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    pia.goto(f"{base}/tickets/{number}/")
    pia.get_by_role("button", name="The solution works: close this ticket").click()
    pia.wait_for_url(f"{base}/tickets/{number}/")
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    pia.screenshot(path=str(shots / "admin-journey-ticket-partner.png"), full_page=True)

    # Everything set up is in the change log, by the administrator.
    admin.goto(f"{base}/administration/changes/?actor=admin")
    for name in ("Fabrikam", "Globex", "GLX-1", "Lars", "Odin Systems", "olaf"):
        admin.locator("table.changes").get_by_text(name).first.wait_for()
