"""The Content-Security-Policy in a real browser: every main page, for each role, loads its
scripts and styles and runs HTMX without one violation (no inline script or style anywhere)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import Desk
from tierdesk.persistence.models import User

pytestmark = pytest.mark.django_db(transaction=True)

COMMON = ["/", "/kb/", "/status/", "/account/", "/api/v1/docs"]
PAGES = {
    "administrator": [*COMMON, "/desk/", "/reports/", "/administration/", "/desk/quarantine/"],
    "manager": [*COMMON, "/desk/", "/reports/", "/administration/profile/"],
    "agent": [*COMMON, "/desk/", "/desk/phone/", "/kb/new/", "/reports/"],
    "partner_admin": [*COMMON, "/tickets/new/", "/organisation/", "/reports/"],
    "partner_user": [*COMMON, "/tickets/new/"],
    "supplier_contact": COMMON,
}

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
    (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _context(browser: Any, base: str, user: User | None) -> Any:
    context = browser.new_context()
    context.add_init_script(WATCH)  # runs before each page's own scripts, outside its policy
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context


def _visit(context: Any, url: str) -> list[str]:
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), url
    page.wait_for_load_state("networkidle")
    found = [*page.evaluate("window.__violations"), *console]
    page.close()
    return found


def test_no_page_breaks_the_content_security_policy(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    ticket = desk.open()
    people = {
        "administrator": desk.admin,
        "manager": desk.manager,
        "agent": desk.l1,
        "partner_admin": desk.north_admin,
        "partner_user": desk.north_user,
        "supplier_contact": desk.vendor,
    }
    base = live_server.url
    problems: dict[str, list[str]] = {}
    for role, user in people.items():
        context = _context(browser, base, user)
        paths = list(PAGES[role])
        if role in ("administrator", "manager", "agent", "partner_admin", "partner_user"):
            paths.append(f"/tickets/{ticket.number}/")
        for path in paths:
            found = _visit(context, base + path)
            if found:
                problems[f"{role} {path}"] = found
        context.close()
    anonymous = _context(browser, base, None)
    for path in ("/login/", "/register/", "/password-reset/", "/kb/", "/status/"):
        found = _visit(anonymous, base + path)
        if found:
            problems[f"anonymous {path}"] = found
    anonymous.close()
    assert not problems, problems


def test_an_inline_script_is_refused_and_reported(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    """The watch above does see a violation: a page given an inline script reports it."""
    context = _context(browser, live_server.url, None)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__violations"))
    context.close()
