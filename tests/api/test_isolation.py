"""Tenants never meet: every ticket endpoint, called by another partner's user, answers 404.

The table below must name every API route that takes a ticket number; a new endpoint without a
row here fails `test_every_ticket_endpoint_is_walked`, so the walk grows with the API.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import ApiClient, Desk
from tierdesk.actions import tickets as act
from tierdesk.api.site import api
from tierdesk.persistence.models import Event, Ticket

WALK: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "tickets/{number}"): {},
    ("POST", "tickets/{number}/replies"): {"json": {"body": "hello from another partner"}},
    ("POST", "tickets/{number}/notes"): {"json": {"body": "note"}},
    ("POST", "tickets/{number}/status"): {"json": {"status": "resolved"}},
    ("POST", "tickets/{number}/severity"): {"json": {"severity": "high"}},
    ("POST", "tickets/{number}/assignee"): {"json": {"assignee": None}},
    ("POST", "tickets/{number}/level"): {"json": {"level": "l2", "note": "x"}},
    ("POST", "tickets/{number}/links"): {"json": {"kind": "related", "target": "{own}"}},
    ("POST", "tickets/{number}/attachments"): {"file": True},
    ("POST", "tickets/{number}/resolve"): {"json": {"solution": "fixed"}},
    ("POST", "tickets/{number}/confirm"): {"json": {}},
    ("POST", "tickets/{number}/supplier-solved"): {"json": {"note": "fixed by the vendor"}},
    ("POST", "tickets/{number}/ask"): {"json": {"body": "which mailbox?"}},
    ("POST", "tickets/{number}/reject"): {"json": {"reason": "duplicate"}},
    ("POST", "tickets/{number}/reopen"): {"json": {"body": "still broken"}},
    ("GET", "tickets/{number}/chat"): {},
    ("POST", "tickets/{number}/chat"): {"json": {"body": "hello"}},
    ("POST", "tickets/{number}/authority"): {"json": {"authorised": True}},
    ("POST", "tickets/{number}/escalations"): {"json": {"reason": "no progress"}},
    ("POST", "tickets/{number}/contact-attempts"): {"json": {"note": "called, no answer"}},
    ("GET", "tickets/{number}/attachments/{attachment_id}"): {},
    ("POST", "tickets/{number}/article"): {"json": {}},
    ("POST", "tickets/{number}/events/{seq}/redaction"): {"json": {"reason": "r"}},
}


def _routes() -> set[tuple[str, str]]:
    found = set()
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found.add((method, path.lstrip("/")))
    return {r for r in found if "{number}" in r[1]}


def test_every_ticket_endpoint_is_walked() -> None:
    routes = _routes()
    assert routes, "no ticket routes found: the route walk is broken"
    assert routes == set(WALK)


@pytest.mark.parametrize("other_role", ["partner_user", "agent_of_other_level", "supplier"])
@pytest.mark.parametrize(("method", "path"), sorted(WALK))
def test_another_tenant_gets_404_and_changes_nothing(
    desk: Desk, method: str, path: str, other_role: str
) -> None:
    ticket = desk.open(customer_account=desk.acme)
    attachment = act.attach_file(
        actor=desk.north_user,
        number=ticket.number,
        content=io.BytesIO(b"x"),
        name="x.txt",
        size=1,
        now=ticket.opened_at,
        max_bytes=10,
    )
    own = (
        desk.open(desk.contoso_user)
        if other_role == "partner_user"
        else desk.open(desk.north_admin)
    )
    before = (Event.objects.count(), Ticket.objects.get(pk=ticket.pk).last_hash)
    outsider = {
        "partner_user": desk.contoso_user,
        "agent_of_other_level": desk.noc,
        "supplier": desk.vendor,
    }[other_role]
    client = ApiClient(outsider)
    url = "/api/v1/" + path.format(number=ticket.number, attachment_id=attachment.pk, seq=1)
    spec = WALK[(method, path)]
    if method == "GET":
        response = client.client.get(url)
    elif spec.get("file"):
        response = client.client.post(url, {"file": SimpleUploadedFile("a.txt", b"a")})
    else:
        payload = {
            k: (v.format(own=own.number) if isinstance(v, str) else v)
            for k, v in spec["json"].items()
        }
        import json

        response = client.client.post(url, json.dumps(payload), content_type="application/json")
    assert response.status_code == 404, (method, path, response.content)
    assert response.json()["error"] == "not_found"
    assert (Event.objects.count(), Ticket.objects.get(pk=ticket.pk).last_hash) == before


def test_lists_and_filters_never_leak_other_tenants(desk: Desk) -> None:
    desk.open()
    contoso = ApiClient(desk.contoso_user)
    assert contoso.get("/tickets").json()["items"] == []
    assert contoso.get("/tickets", organisation=desk.north.slug).json()["items"] == []
    assert contoso.get("/tickets", q="DC-000001").json()["items"] == []
    assert ApiClient(desk.vendor).get("/tickets").json()["items"] == []
    assert ApiClient(desk.noc).get("/tickets").json()["items"] == []


def test_a_partner_cannot_link_to_or_open_for_another_tenant(desk: Desk) -> None:
    north_ticket = desk.open()
    contoso = ApiClient(desk.contoso_user)
    response = contoso.post("/tickets", {"subject": "x", "organisation": desk.north.slug})
    assert response.status_code == 422 and "organisation" in response.json()["fields"]
    response = contoso.post("/tickets", {"subject": "x", "customer_account": desk.acme.slug})
    assert response.status_code == 422 and "customer_account" in response.json()["fields"]
    own = desk.open(desk.l1, organisation=desk.contoso)
    response = ApiClient(desk.l1).post(
        f"/tickets/{own.number}/links", {"kind": "related", "target": north_ticket.number}
    )
    assert response.status_code == 201  # the agent sees both
    detail = contoso.get(f"/tickets/{own.number}").json()
    assert detail["links"] == []  # the link's other end is not Contoso's to see
    assert north_ticket.number not in str(detail)


def test_partner_and_supplier_never_see_each_other(desk: Desk) -> None:
    """A partner sees the provider's commitments only; a supplier sees the hand-off note and the
    fields the profile shares with suppliers (the demo profile: subject and the error message)."""
    from django.test import Client

    from tierdesk import clock

    ticket = desk.open(customer_account=desk.acme, subject="Backup add-on fails")
    number = ticket.number
    act.change_status(
        actor=desk.l1,
        number=number,
        to="on_hold",
        supplier=desk.supplier,
        supplier_ref="VEN-4711",
        note="Provisioning task fails in your module; logs in the shared field.",
        reason="handed to supplier",
        now=clock.now(),
    )
    act.attach_file(
        actor=desk.vendor,
        number=number,
        content=io.BytesIO(b"stack trace"),
        name="vendor-trace.txt",
        size=11,
        now=clock.now(),
        max_bytes=100,
    )
    act.add_reply(actor=desk.vendor, number=number, body="Patch 4.2 fixes it", now=clock.now())

    def page(user: Any) -> str:
        client = Client()
        client.force_login(user)
        response = client.get(f"/tickets/{number}/")
        assert response.status_code == 200
        return response.content.decode()

    supplier_words = (
        "VEN-4711",
        desk.supplier.name,
        "vendor-trace",
        "Patch 4.2",
        "Provisioning task",
    )
    partner_api = ApiClient(desk.north_user).get(f"/tickets/{number}").json()
    for text in (str(partner_api), page(desk.north_user)):
        for word in supplier_words:
            assert word not in text, word
    assert all(t["kind"] != "supplier" for t in partner_api["sla"])
    assert partner_api["attachments"] == []
    assert ApiClient(desk.north_user).get(f"/tickets/{number}/attachments/1").status_code == 404

    partner_words = (
        desk.north.name,
        desk.acme.name,
        desk.north_user.email,
        "admin@acme.example.com",  # the end customer's login details
    )
    vendor_api = ApiClient(desk.vendor).get(f"/tickets/{number}").json()
    vendor_page = page(desk.vendor)
    for text in (str(vendor_api), vendor_page):
        for word in partner_words:
            assert word not in text, word
        assert "Provisioning task fails" in text  # the hand-off note
    assert [t["kind"] for t in vendor_api["sla"]] == ["supplier"]
    assert [a["name"] for a in vendor_api["attachments"]] == ["vendor-trace.txt"]
    assert "Escalate to management" not in vendor_page and "close this ticket" not in vendor_page
    # The provider sees all of it.
    staff_page = page(desk.l1)
    assert "VEN-4711" in staff_page and "Patch 4.2" in staff_page and desk.north.name in staff_page


def test_a_token_with_a_nul_or_an_overlong_key_is_refused_not_a_server_error(desk: Desk) -> None:
    from tierdesk import clock
    from tierdesk.actions.tokens import authenticate

    assert authenticate("tdk_ab\x00cd_secret", now=clock.now()) is None
    assert authenticate("tdk_" + "a" * 200 + "_secret", now=clock.now()) is None
