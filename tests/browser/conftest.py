"""A real browser: Playwright driving Debian's Chromium, headless, against the desk served by
pytest-django's live server (the test database, the test's fixed clock).

`.ci/run` installs the chromium package; nothing is downloaded. Screenshots of the main pages
go to TIERDESK_SCREENSHOTS (default: artifacts/screenshots).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("TIERDESK_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent.parent / "web" / "vendor" / "axe.min.js"
SHOTS = Path(os.environ.get("TIERDESK_SCREENSHOTS", "artifacts/screenshots"))

# The sync Playwright API keeps an event loop in this thread; the live server and the ORM calls
# the tests make are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; .ci/run installs Debian's chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        p.selectors.set_test_id_attribute("data-test")
        yield chromium
        chromium.close()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def check_accessibility(page: Any, name: str) -> None:
    """axe-core (vendored) on the current page: no serious or critical violation."""
    # Loaded as a same-origin file (answered by the browser from the vendored copy), so the
    # page's Content-Security-Policy, which refuses inline script, stays in force while axe runs.
    from urllib.parse import urlsplit

    parts = urlsplit(page.url)
    url = f"{parts.scheme}://{parts.netloc}/__tests__/axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: " + "; ".join(bad)
