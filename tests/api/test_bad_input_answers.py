"""The requests an attack on a running desk sent, each answered with a 4xx naming the problem,
never a 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import FORM, ApiClient, Desk


def page(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    "field", ["q", "status", "severity", "level", "queue", "organisation", "assignee"]
)
def test_a_nul_in_a_ticket_filter_is_refused_naming_it(desk: Desk, field: str) -> None:
    response = ApiClient(desk.l1).client.get(f"/api/v1/tickets?{field}=%00")
    assert response.status_code == 422
    assert response.json()["fields"] == {field: "must not contain NUL characters"}


def test_a_nul_anywhere_the_desk_reads_text_is_refused_naming_the_field(desk: Desk) -> None:
    anonymous = Client()
    for path in ("/api/v1/kb/articles?language=%00", "/api/v1/kb/articles/a%00b"):
        response = anonymous.get(path)
        assert response.status_code == 422, path
        assert response.json()["error"] == "invalid"
    assert page(desk.north_user).get("/?q=%00").status_code == 400
    assert page(desk.l1).get("/desk/?q=%00").status_code == 400
    response = page(desk.admin).get("/organisation/?org=%00")
    assert response.status_code == 400 and "org" in response.content.decode()
    # JSON bodies and form posts, by field name
    partner = ApiClient(desk.north_user)
    response = partner.post("/tickets", {"subject": "a\x00b", "form": FORM})
    assert (response.status_code, response.json()["fields"]) == (
        422,
        {"subject": "must not contain NUL characters"},
    )
    response = partner.post("/tickets", {"subject": "ok", "form": {**FORM, "account": "\x00"}})
    assert response.json()["fields"] == {"form.account": "must not contain NUL characters"}
    response = page(desk.north_user).post("/tickets/new/", {"subject": "x\x00", "severity": "high"})
    assert response.status_code == 400 and "subject" in response.content.decode()


def test_a_nul_in_a_multipart_part_content_type_is_refused(desk: Desk) -> None:
    partner = ApiClient(desk.north_user)
    number = partner.post("/tickets", {"subject": "base", "form": FORM}).json()["number"]
    boundary = "----b"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.log"\r\n'
        f"Content-Type: text/plain\x00x\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    response = partner.client.post(
        f"/api/v1/tickets/{number}/attachments",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 422 and response.json()["fields"] == {
        "file": "must not contain NUL characters"
    }


def test_dates_are_bounded(desk: Desk) -> None:
    manager = ApiClient(desk.manager)
    for path in (
        "/reports?from=2026-01-01&to=9999-12-31",
        "/reports/what-if?from=2026-01-01&to=9999-12-31&profile=luxcloud",
        "/reports?from=0001-01-01&to=2026-01-01",
    ):
        response = manager.get(path)
        assert response.status_code == 422, (path, response.content)
        assert set(response.json()["fields"]) & {"from", "to"}, path
    response = page(desk.manager).get("/reports/?from=2026-01-01&to=9999-12-31")
    assert response.status_code in (400, 422)
    assert "is after 2199" in response.content.decode() or "at most" in response.content.decode()


def test_permission_is_checked_before_the_input_is_read(desk: Desk) -> None:
    impossible = {"starts_at": "2026-02-30T10:00", "ends_at": "2026-02-31T10:00", "title": "x"}
    assert page(desk.north_user).post("/status/maintenance", impossible).status_code in (403, 404)
    response = page(desk.north_user).post("/desk/phone/", {"called_at": "2026-02-30T10:00"})
    assert response.status_code in (403, 404)
    # and the staff who may, get the field named
    response = page(desk.manager).post("/status/maintenance", impossible)
    assert response.status_code in (400, 422) and "starts_at" in response.content.decode()
    response = page(desk.l1).post(
        "/desk/phone/",
        {
            "called_at": "2026-02-30T10:00",
            "subject": "Call",
            "severity": "high",
            "organisation": desk.north.slug,
            "requester": desk.north_user.username,
            "description": "The panel is down.",
            **{f"form_{k}": v for k, v in FORM.items()},
            "customer_account": desk.acme.slug,
        },
    )
    assert response.status_code == 422 and "is not a date and time" in response.content.decode()


def test_a_user_that_is_not_a_number_on_the_organisation_page(desk: Desk) -> None:
    response = page(desk.admin).post(
        f"/organisation/?org={desk.north.slug}", {"verb": "deactivate", "user": "abc"}
    )
    assert response.status_code in (400, 404)
