"""The second factor's pages in Chromium, in English and German, wide and at 390 px: setting it
up with the QR code, the backup codes shown once, the code step of the login; and the page an
address over a rate limit sees."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.browser.conftest import check_accessibility
from tests.conftest import Desk
from tierdesk import clock

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('main *'))
    .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + '.' + e.className).slice(0, 5);
}"""


def _context(browser: Any, base: str, language: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    host = re.sub(r"^https?://([^:/]+).*$", r"\1", base)
    context.add_cookies(
        [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
    )
    return context


def _password(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()


def _shot(page: Any, shots: Path, name: str) -> None:
    assert not page.evaluate(OVERFLOW), name
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("username", "language", "width"), [("ned", "en", 1366), ("agent1", "de", 390)]
)
def test_setting_up_and_using_the_second_factor(
    browser: Any,
    live_server: Any,
    desk: Desk,
    fixed_clock: clock.FixedClock,
    shots: Path,
    username: str,
    language: str,
    width: int,
) -> None:
    from datetime import timedelta

    base = live_server.url
    context = _context(browser, base, language, width)
    page = context.new_page()
    _password(page, base, username)
    page.wait_for_url(re.compile(r".*/(desk/)?$"))
    page.goto(f"{base}/account/")
    page.locator("main form:has(input[name=verb][value=start]) button[type=submit]").click()
    page.locator("img.qr").wait_for()
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # the QR drew
    name = f"account-second-factor-setup-{username}-{language}-{width}"
    _shot(page, shots, name)
    if width > 1000:
        check_accessibility(page, name)
    secret = page.locator("code.secret").inner_text().strip()
    page.locator("#id_code").fill(pyotp.TOTP(secret).at(clock.now()))
    page.locator("main form:has(input[name=verb][value=enable]) button[type=submit]").click()
    page.locator(".backup-codes").wait_for()
    codes = page.locator(".codes code").all_inner_texts()
    assert len(codes) == 10
    _shot(page, shots, f"account-backup-codes-{username}-{language}-{width}")
    context.close()

    fixed_clock.advance(timedelta(minutes=1))
    context = _context(browser, base, language, width)
    page = context.new_page()
    _password(page, base, username)
    page.wait_for_url(re.compile(r".*/login/code/$"))
    page.locator("#id_code").fill(
        "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111"
    )
    page.locator("main form button[type=submit]").click()
    page.locator(".error").wait_for()
    _shot(page, shots, f"login-code-wrong-{username}-{language}-{width}")
    fixed_clock.advance(timedelta(seconds=2))
    page.locator("#id_code").fill(codes[0])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/(desk/)?$"))
    page.goto(f"{base}/account/")
    _shot(page, shots, f"account-second-factor-on-{username}-{language}-{width}")
    context.close()


def test_the_rate_limited_page(
    browser: Any, live_server: Any, desk: Desk, shots: Path, settings: Any
) -> None:
    settings.TIERDESK_RATE_LIMITS = {**settings.TIERDESK_RATE_LIMITS, "LOGIN": "2/h"}
    base = live_server.url
    for language, width in (("en", 1366), ("de", 390)):
        context = _context(browser, base, language, width)
        page = context.new_page()
        for _ in range(3):
            _password(page, base, "nobody")
        heading = page.locator("h1").inner_text()
        assert heading == ("Too many attempts" if language == "en" else "Zu viele Versuche")
        _shot(page, shots, f"rate-limited-{language}-{width}")
        context.close()
