"""The supplier what-if on the reports page: for provider managers and administrators, the same
figures as the API's, from the same query, with errors next to their field."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tests.suppliers.test_supplier_chain import hand_off, register
from tierdesk import clock
from tierdesk.actions import supplier_answers
from tierdesk.actions.organisations import create_organisation
from tierdesk.actions.suppliers import set_terms
from tierdesk.domain.parties import OrganisationKind

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def two_suppliers(desk: Desk, fixed_clock: Any) -> str:
    register(desk)
    other = create_organisation(name="Fast Vendor", kind=OrganisationKind.SUPPLIER, now=clock.now())
    set_terms(actor=desk.admin, supplier=other, now=clock.now(),
              changes={"method": "phone", "contact": "+1 212 555 0100", "ola_target": "2h",
                       "response_target": "30m", "time_zone": "UTC", "hours": "24x7"})  # fmt: skip
    ticket = hand_off(desk)
    terms = supplier_answers.supplier_of("support@vendor.example")
    assert terms is not None
    fixed_clock.advance(timedelta(hours=4))
    supplier_answers.receive(ticket, terms, sender="support@vendor.example", subject="[VND-7] ok",
                             body="Looking at it.", machine="", now=clock.now())  # fmt: skip
    fixed_clock.advance(timedelta(hours=2))
    supplier_answers.receive(ticket, terms, sender="support@vendor.example", subject="[VND-7]",
                             body="Status: Solved", machine="", now=clock.now())  # fmt: skip
    return other.slug


def cells(html: str) -> list[list[str]]:
    section = html.split('id="w-h"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


@pytest.mark.django_db
def test_the_page_shows_the_apis_figures(desk: Desk, fixed_clock: Any) -> None:
    other = two_suppliers(desk, fixed_clock)
    query = {**PERIOD, "supplier": desk.supplier.slug, "as_if": other}
    api = ApiClient(desk.manager).get("/reports/supplier-what-if", **query)
    assert api.status_code == 200
    mine, theirs = api.json()["rows"]
    page = Client()
    page.force_login(desk.manager)
    answer = page.get("/reports/", query)
    assert answer.status_code == 200
    shown = cells(answer.content.decode())
    assert [r[0] for r in shown] == ["As they went", "On the terms of Fast Vendor"]
    keys = [k for k in mine if k not in ("supplier", "terms")]
    for row, figures in zip(shown, (mine, theirs), strict=True):
        for key, cell in zip(keys, row[1:], strict=True):
            value = figures[key]
            assert cell == ("\u2013" if value is None else str(value)), key
    assert (mine["ola_met"], theirs["ola_breached"]) == (1, 1)

    german = page.get("/reports/", query, HTTP_ACCEPT_LANGUAGE="de")
    assert [r[0] for r in cells(german.content.decode())] == [
        "Wie sie verliefen",
        "Zu den Bedingungen von Fast Vendor",
    ]


@pytest.mark.django_db
def test_errors_stand_next_to_their_field(desk: Desk, fixed_clock: Any) -> None:
    other = two_suppliers(desk, fixed_clock)
    page = Client()
    page.force_login(desk.admin)
    empty = page.get("/reports/", {**PERIOD, "supplier": "", "as_if": ""})
    html = empty.content.decode()
    assert empty.status_code == 400
    assert 'id="w-supplier-e">choose a supplier<' in html
    assert 'id="w-as-if-e">choose the terms to measure on<' in html
    unknown = page.get("/reports/", {**PERIOD, "supplier": "nobody", "as_if": other})
    assert (
        unknown.status_code == 400 and 'id="w-supplier-e">no supplier' in unknown.content.decode()
    )
    api = ApiClient(desk.admin).get(
        "/reports/supplier-what-if", **PERIOD, supplier="nobody", as_if=other
    )
    assert api.status_code in (400, 422) and "supplier" in api.content.decode()
    terms = page.get("/reports/", {**PERIOD, "supplier": desk.supplier.slug, "as_if": "nobody"})
    assert terms.status_code == 400 and 'id="w-as-if-e">' in terms.content.decode()


@pytest.mark.django_db
def test_only_provider_managers_and_administrators_see_it(desk: Desk, fixed_clock: Any) -> None:
    other = two_suppliers(desk, fixed_clock)
    query = {**PERIOD, "supplier": desk.supplier.slug, "as_if": other}
    for who in (desk.l1, desk.north_admin):
        page = Client()
        page.force_login(who)
        html = page.get("/reports/", query).content.decode()
        assert 'id="w-h"' not in html and "Fast Vendor" not in html
