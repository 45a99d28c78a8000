"""Every page, for each role that sees it, in English and German, on a desktop (1366 px) and a
phone (390 px): a screenshot to look at (TIERDESK_SCREENSHOTS, kept by CI), nothing wider than
the screen, no serious or critical accessibility fault (axe-core, vendored), and on the phone
the top bar's menu behind a button that opens from the keyboard and reaches "Log out"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import check_accessibility
from tests.conftest import Desk
from tests.web.test_words_everywhere import ANONYMOUS, _world, pages
from tierdesk.persistence.models import User

pytestmark = pytest.mark.django_db(transaction=True)

# Whatever reaches past the right edge of the screen (the page scrolls sideways).
WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const scrolls = e => { for (let a = e.parentElement; a; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true; }
    return false; };
  return Array.from(document.querySelectorAll('body *'))
    .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1 && !scrolls(e))
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5);
}"""


def _context(browser: Any, base: str, user: User | None, language: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    host = re.sub(r"^https?://([^:/]+).*$", r"\1", base)
    cookies = [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}
        )
    context.add_cookies(cookies)
    return context


def _name(who: str, path: str, language: str, width: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"page-{who}-{slug}-{language}-{width}"


ROLES = ["ned", "nora", "agent1", "agent2", "manager", "admin", "val", "anonymous"]


@pytest.mark.parametrize("who", ROLES)
def test_every_page_for_every_role_in_english_and_german_on_desktop_and_phone(
    browser: Any, live_server: Any, desk: Desk, fixed_clock: Any, shots: Path, who: str
) -> None:
    """The partner user and admin, agents of two levels, the manager, the administrator, the
    supplier's contact, and someone not logged in."""
    world = _world(desk, fixed_clock)
    base = live_server.url
    users = {u.username: u for u in User.objects.all()}
    every = pages(desk, world)
    assert set(every) | {"anonymous"} == set(ROLES)
    walks: list[tuple[str, User | None, list[str]]] = (
        [("anonymous", None, ANONYMOUS)] if who == "anonymous" else [(who, users[who], every[who])]
    )
    problems: list[str] = []
    for who, user, paths in walks:
        for language in ("en", "de"):
            for width in (1366, 390):
                context = _context(browser, base, user, language, width)
                page = context.new_page()
                for path in paths:
                    response = page.goto(f"{base}{path}")
                    assert response is not None and response.status == 200, (who, path)
                    name = _name(who, path, language, width)
                    wide = page.evaluate(WIDE)
                    if wide:
                        problems.append(f"{name}: wider than the screen: {wide}")
                    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                    if width == 1366:
                        try:
                            check_accessibility(page, name)
                        except AssertionError as exc:
                            problems.append(str(exc))
                context.close()
    assert not problems, "\n".join(problems)


def test_the_phone_menu_opens_from_the_keyboard_and_reaches_log_out(
    browser: Any, live_server: Any, desk: Desk, shots: Path
) -> None:
    context = _context(browser, live_server.url, desk.north_user, "de", 390)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="Menü")
    assert menu.get_attribute("aria-expanded") == "false"
    log_out = page.get_by_role("button", name="Abmelden")
    assert log_out.is_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true" and log_out.is_visible()
    page.screenshot(path=str(shots / "menu-open-partner-de-390.png"), full_page=True)
    page.keyboard.press("Escape")
    assert log_out.is_hidden() and menu.evaluate("e => e === document.activeElement")
    # On a desktop the menu is not behind a button.
    wide = _context(browser, live_server.url, desk.north_user, "de", 1366).new_page()
    wide.goto(f"{live_server.url}/")
    assert wide.get_by_role("button", name="Menü").is_hidden()
    assert wide.get_by_role("button", name="Abmelden").is_visible()
    wide.context.close()
    context.close()
