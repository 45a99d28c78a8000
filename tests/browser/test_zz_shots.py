import os

import pytest

from tests.browser.test_journeys import _login
from tierdesk import clock
from tierdesk.actions import organisations as orgs
from tierdesk.actions import suppliers as sup
from tierdesk.actions import users

pytestmark = pytest.mark.django_db(transaction=True)


def snap(page, name, w):
    h = page.evaluate("document.documentElement.scrollHeight")
    for i, y in enumerate(range(0, min(h, 4400), 1100)):
        page.screenshot(
            path=f"/tmp/adminpages-shots/{name}-{w}-{i}.png",
            full_page=True,
            clip={"x": 0, "y": y, "width": w, "height": min(1100, h - y)},
        )


def test_shots(browser, live_server, desk, shots):
    now = clock.now()
    sup.set_terms(
        actor=desk.admin,
        supplier=desk.supplier,
        now=now,
        changes={"method": "email", "contact": "help@vendor.example", "ola_target": "4h"},
    )
    orgs.add_subscription(
        actor=desk.admin, account=desk.acme, reference="SUB-9", product="Mail", now=now
    )
    orgs.edit_organisation(
        actor=desk.admin,
        organisation=desk.north,
        now=now,
        changes={"contact_email": "ops@northwind.example", "external_ref": "NW-1"},
    )
    users.edit_person(
        actor=desk.admin,
        person=desk.l2,
        now=now,
        changes={"levels": ["l2", "noc"], "first_name": "Lena"},
    )
    base = live_server.url
    page = _login(browser, base, "admin")
    urls = os.environ["SHOT_URLS"].split(",")
    for u in urls:
        name, url = u.split("=", 1)
        url = (
            url.replace("NORTH", desk.north.slug)
            .replace("ACME", desk.acme.slug)
            .replace("VENDOR", desk.supplier.slug)
        )
        for w in (1280, 390):
            page.set_viewport_size({"width": w, "height": 900})
            page.goto(f"{base}{url}")
            snap(page, name, w)
            print(name, w, page.evaluate("document.documentElement.scrollWidth"))
