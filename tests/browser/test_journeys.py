"""The journeys a partner and an agent take, in Chromium: register, open a ticket, see it in the
queue with its countdown, reply, escalate, resolve, confirm; and what a partner cannot reach."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.conftest import FORM, Desk
from tierdesk import clock
from tierdesk.actions import accounts, kb
from tierdesk.persistence.models import Notification, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def _login(browser: Any, base: str, username: str, password: str = PASSWORD) -> Any:
    page = browser.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(desk/)?$"))
    return page


def test_register_open_queue_reply_escalate_confirm(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    base = live_server.url
    accounts.approve_domain(
        actor=desk.north_admin, organisation=desk.north, domain="northwind.example", now=clock.now()
    )
    article = kb.write_article(
        actor=desk.l1,
        title="Mailbox quota exceeded",
        body="Raise the quota in the panel.",
        visibility="public",
        now=clock.now(),
    )
    kb.publish(actor=desk.l1, slug=article.slug, now=clock.now())

    # Register from an approved domain and confirm with the link from the mail.
    partner = browser.new_page()
    partner.goto(f"{base}/register/")
    check_accessibility(partner, "register")
    partner.get_by_label("First name").fill("Nina")
    partner.get_by_label("Last name").fill("Lind")
    partner.get_by_label("Work e-mail address").fill("nina@northwind.example")
    partner.get_by_role("button", name="Send the confirmation link").click()
    partner.get_by_text("Check your inbox").wait_for()
    body = Notification.objects.get(recipient="nina@northwind.example").body
    link = re.search(r"/register/confirm/[^/\s]+/", body).group(0)  # type: ignore[union-attr]
    partner.goto(base + link)
    partner.locator("#id_new_password1").fill("a long enough passphrase")
    partner.locator("#id_new_password2").fill("a long enough passphrase")
    partner.get_by_role("button", name="Finish registration").click()
    partner.wait_for_url(f"{base}/")
    partner.screenshot(path=str(shots / "portal-tickets.png"), full_page=True)

    # Open a ticket; the knowledge base answers while the subject is typed.
    partner.goto(f"{base}/tickets/new/")
    partner.get_by_label("Subject").press_sequentially("Mailbox quota", delay=20)
    partner.locator("#kb-suggestions").get_by_role("link", name="Mailbox quota exceeded").wait_for()
    check_accessibility(partner, "new ticket")
    partner.screenshot(path=str(shots / "portal-new-ticket.png"), full_page=True)
    partner.get_by_label("High").check()
    # Northwind has end-customer accounts: the account is chosen, not typed.
    partner.locator("#id_customer_account").select_option(desk.acme.slug)
    for key, value in FORM.items():
        if key != "account":
            partner.locator(f"#id_form_{key}").fill(value)
    partner.get_by_role("button", name="Open the ticket").click()
    partner.wait_for_url(re.compile(r".*/tickets/DC-\d+/$"))
    number = partner.url.rstrip("/").rsplit("/", 1)[-1]
    partner.get_by_text("First response due by").wait_for()
    check_accessibility(partner, "ticket (partner)")

    # The agent sees it in the L1 queue with its countdown, and answers.
    agent = _login(browser, base, "agent1")
    agent.goto(f"{base}/desk/")
    row = agent.locator("#queue tr", has_text=number)
    row.get_by_text(re.compile(r"First response due in \d+ (min|h)")).wait_for()
    check_accessibility(agent, "desk")
    agent.screenshot(path=str(shots / "desk-queue.png"), full_page=True)
    agent.keyboard.press("j")
    agent.keyboard.press("Enter")
    agent.wait_for_url(f"{base}/tickets/{number}/")
    agent.keyboard.press("r")
    agent.locator("#id_reply-body").fill("We are raising the quota now.")
    agent.get_by_role("button", name="Send reply").click()
    agent.get_by_text("We are raising the quota now.").first.wait_for()
    agent.get_by_role("tab", name="Ask the requester").click()
    agent.locator("#id_ask-body").fill("Please confirm the mailbox receives mail again.")
    agent.get_by_label("Ask to confirm the issue is solved").check()
    agent.get_by_role("button", name="Send the question").click()
    agent.get_by_text("Please confirm the mailbox").first.wait_for()
    check_accessibility(agent, "ticket (agent)")
    agent.screenshot(path=str(shots / "desk-ticket.png"), full_page=True)

    # The partner confirms from the portal: the ticket is resolved.
    partner.goto(f"{base}/tickets/{number}/")
    partner.get_by_role("button", name="The issue is solved: mark this ticket resolved").click()
    partner.wait_for_url(f"{base}/tickets/{number}/")
    assert Ticket.objects.get(number=number).status == "resolved"

    # Another ticket: the agent hands it over to L2 with a note, and resolves a third.
    second = desk.open(subject="DNS change not applied", severity="normal")
    agent.goto(f"{base}/tickets/{second.number}/")
    agent.locator("#id_level-level").select_option("l2")
    agent.locator("#id_level-note").fill("Needs a zone change; L1 has no access.")
    agent.get_by_role("button", name="Hand over").click()
    agent.wait_for_url(f"{base}/tickets/{second.number}/")
    assert Ticket.objects.get(number=second.number).level == "l2"
    # L1 keeps the ticket it handed on: it owns the communication with the partner (1.1.2).
    agent.get_by_text("handed the ticket from Support Level 1 to Support Level 2").wait_for()
    agent.locator("#id_reply-body").fill("Our second level is changing the zone now.")
    agent.get_by_role("button", name="Send reply").click()
    agent.get_by_text("Our second level is changing the zone now.").first.wait_for()
    third = desk.open(subject="Password reset", severity="low")
    agent.goto(f"{base}/tickets/{third.number}/")
    agent.locator("#id_reply-body").fill("A reset link was sent.")
    agent.get_by_role("button", name="Send and resolve").click()
    agent.wait_for_url(f"{base}/tickets/{third.number}/")
    assert Ticket.objects.get(number=third.number).status == "resolved"
    # The requester confirms the Resolved ticket: it closes (2.4.3 a).
    requester = _login(browser, base, "ned")
    requester.goto(f"{base}/tickets/{third.number}/")
    requester.get_by_role("button", name="The solution works: close this ticket").click()
    requester.wait_for_url(f"{base}/tickets/{third.number}/")
    assert Ticket.objects.get(number=third.number).status == "closed"


def test_a_partner_cannot_reach_another_organisations_ticket(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    theirs = desk.open(desk.contoso_user, subject="Contoso's private matter")
    page = _login(browser, live_server.url, "ned")
    response = page.goto(f"{live_server.url}/tickets/{theirs.number}/")
    assert response is not None and response.status == 404
    assert "Contoso's private matter" not in page.content()
    api = page.goto(f"{live_server.url}/api/v1/tickets/{theirs.number}")
    assert api is not None and api.status == 404


def test_public_pages_are_accessible(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    from tierdesk import profiles
    from tierdesk.actions import status

    status.sync_services(profiles.active(), clock.now())
    status.open_incident(
        actor=desk.noc,
        title="Mail delivery delayed",
        services=["mail"],
        impact="degraded",
        message="Queues growing",
        now=clock.now(),
    )
    page = browser.new_page()
    for path, name in (
        ("/login/", "login"),
        ("/status/", "status"),
        ("/kb/", "knowledge base"),
        ("/password-reset/", "password reset"),
    ):
        page.goto(live_server.url + path)
        check_accessibility(page, name)
        page.screenshot(path=str(shots / f"{name.replace(' ', '-')}.png"), full_page=True)
    manager = _login(browser, live_server.url, "manager")
    manager.goto(f"{live_server.url}/reports/")
    check_accessibility(manager, "reports")
    manager.screenshot(path=str(shots / "reports.png"), full_page=True)
