"""The ticket API as a partner, an agent and a manager use it."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import FORM, ApiClient, Desk
from tierdesk import clock


def new_ticket(api: ApiClient, **extra: object) -> dict:  # type: ignore[type-arg]
    response = api.post("/tickets", {"subject": "Panel down", "form": FORM, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_partner_opens_and_reads_a_ticket(desk: Desk) -> None:
    api = ApiClient(desk.north_user)
    body = new_ticket(api, severity="P1", customer_account=desk.acme.slug, description="All users")
    assert body["number"] == "DC-000001"
    assert (body["severity"], body["status"], body["level"], body["channel"]) == (
        "high",
        "new",
        "l1",
        "api",
    )
    assert (
        body["organisation"]["slug"] == desk.north.slug
        and body["customer_account"]["slug"] == desk.acme.slug
    )
    assert [e["kind"] for e in body["events"]] == ["created"]
    again = api.get(f"/tickets/{body['number']}").json()
    assert again["events"][0]["hash"] == body["events"][0]["hash"]


def test_validation_errors_name_each_field(desk: Desk) -> None:
    api = ApiClient(desk.north_user)
    response = api.post("/tickets", {"subject": "x" * 300, "form": {"account": 5}})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid" and set(body) == {"error", "message", "fields"}
    assert "subject" in body["fields"] and "form.account" in body["fields"]

    response = api.post("/tickets", {"subject": "Panel down", "severity": "SEV9", "form": FORM})
    assert response.status_code == 422
    assert "SEV9" in response.json()["fields"]["severity"]

    response = api.client.post("/api/v1/tickets", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_missing_or_bad_token_is_401(desk: Desk) -> None:
    assert Client().get("/api/v1/tickets").status_code == 401
    response = Client(HTTP_AUTHORIZATION="Bearer tdk_nothing_here").get("/api/v1/tickets")
    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"


def test_revoked_and_expired_tokens_stop_working(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    from tierdesk.actions.tokens import create_token, revoke_token

    api = ApiClient(desk.north_user)
    assert api.get("/tickets").status_code == 200
    revoke_token(user=desk.north_user, key_id=api.token.split("_")[1], now=clock.now())
    assert api.get("/tickets").status_code == 401
    issued = create_token(
        user=desk.north_user,
        name="short",
        now=clock.now(),
        expires_at=clock.now() + timedelta(hours=1),
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get("/api/v1/tickets").status_code == 200
    fixed_clock.advance(timedelta(hours=2))
    assert client.get("/api/v1/tickets").status_code == 401


def test_partner_never_sees_internal_notes(desk: Desk) -> None:
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = new_ticket(partner)["number"]
    assert (
        agent.post(f"/tickets/{number}/notes", {"body": "customer is on legacy plan"}).status_code
        == 201
    )
    assert agent.post(f"/tickets/{number}/replies", {"body": "We are on it"}).status_code == 201
    assert partner.post(f"/tickets/{number}/notes", {"body": "x"}).status_code == 403
    seen = partner.get(f"/tickets/{number}").json()
    # The desk's first public reply moves the New ticket to Open before it is recorded.
    assert [e["kind"] for e in seen["events"]] == ["created", "status_changed", "reply"]
    assert "legacy" not in str(seen)
    assert [e["kind"] for e in agent.get(f"/tickets/{number}").json()["events"]] == [
        "created",
        "note",
        "status_changed",
        "reply",
    ]


def test_status_moves_and_the_409_for_an_illegal_one(desk: Desk) -> None:
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = new_ticket(partner)["number"]
    response = agent.post(f"/tickets/{number}/status", {"status": "closed"})
    assert response.status_code == 409
    assert "'new'" in response.json()["message"] and "'closed'" in response.json()["message"]
    assert agent.post(f"/tickets/{number}/status", {"status": "open"}).status_code == 201
    assert partner.post(f"/tickets/{number}/status", {"status": "pending"}).status_code == 409
    response = partner.post(
        f"/tickets/{number}/status", {"status": "resolved", "reason": "requester_confirmed"}
    )
    assert (
        response.status_code == 201 and response.json()["data"]["reason"] == "requester_confirmed"
    )
    assert partner.get(f"/tickets/{number}").json()["status"] == "resolved"


def test_agent_changes_severity_assignee_and_level(desk: Desk) -> None:
    agent = ApiClient(desk.l1)
    number = new_ticket(ApiClient(desk.north_user))["number"]
    assert (
        agent.post(
            f"/tickets/{number}/severity", {"severity": "high", "reason": "all users"}
        ).status_code
        == 201
    )
    assert agent.post(f"/tickets/{number}/assignee", {"assignee": "agent1"}).status_code == 201
    response = agent.post(f"/tickets/{number}/assignee", {"assignee": "nobody"})
    assert response.status_code == 422 and "assignee" in response.json()["fields"]
    response = agent.post(f"/tickets/{number}/level", {"level": "l2", "note": ""})
    assert response.status_code == 422 and "note" in response.json()["fields"]
    assert (
        agent.post(f"/tickets/{number}/level", {"level": "l2", "note": "reproduced"}).status_code
        == 201
    )
    body = agent.get(f"/tickets/{number}").json()
    assert (body["severity"], body["assignee"]["id"], body["level"]) == ("high", desk.l1.pk, "l2")


def test_manager_sees_all_and_filters(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    north, contoso = ApiClient(desk.north_user), ApiClient(desk.contoso_user)
    new_ticket(north, severity="high")
    fixed_clock.advance(timedelta(hours=1))
    new_ticket(contoso, queue="business", severity="low")
    fixed_clock.advance(timedelta(hours=1))
    new_ticket(north)
    manager = ApiClient(desk.manager)
    assert len(manager.get("/tickets").json()["items"]) == 3
    assert [
        t["number"] for t in manager.get("/tickets", organisation=desk.contoso.slug).json()["items"]
    ] == ["DC-000002"]
    assert [
        t["severity"] for t in manager.get("/tickets", severity=["high", "low"]).json()["items"]
    ] == ["low", "high"]
    assert [t["queue"] for t in manager.get("/tickets", queue="business").json()["items"]] == [
        "business"
    ]
    since = (clock.now() - timedelta(minutes=30)).isoformat()
    assert [t["number"] for t in manager.get("/tickets", updated_since=since).json()["items"]] == [
        "DC-000003"
    ]
    assert len(north.get("/tickets").json()["items"]) == 2
    # A time without a zone is the writer's, read in their zone (the desk's: Luxembourg, UTC+1):
    # 10:00 there is 09:00 UTC, when the tickets were opened; 10:31 there is after all of them.
    local = manager.get("/tickets", updated_since="2026-03-10T10:00:00")
    assert local.status_code == 200 and len(local.json()["items"]) == 3
    later = manager.get("/tickets", updated_since="2026-03-10T10:31:00").json()["items"]
    assert [t["number"] for t in later] == [
        t["number"]
        for t in manager.get("/tickets", updated_since="2026-03-10T09:31:00Z").json()["items"]
    ]
    assert manager.get("/tickets", ordering="colour").status_code == 422


def test_keyset_pages_walk_every_ticket_once(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    north = ApiClient(desk.north_user)
    for _ in range(7):
        new_ticket(north)
        fixed_clock.advance(timedelta(seconds=1 if _ % 2 else 0))  # ties in updated_at too
    for ordering in ("-updated", "updated", "-opened", "number", "-number"):
        seen, cursor = [], None
        while True:
            params = {"limit": 3, "ordering": ordering, **({"cursor": cursor} if cursor else {})}
            page = north.get("/tickets", **params).json()
            seen += [t["number"] for t in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == [f"DC-{n:06d}" for n in range(1, 8)], ordering
        assert len(seen) == 7
    response = north.get("/tickets", cursor="garbage!!")
    assert response.status_code == 422 and "cursor" in response.json()["fields"]


def test_attachments_upload_and_download_as_files(desk: Desk) -> None:
    partner = ApiClient(desk.north_user)
    number = new_ticket(partner)["number"]
    html = SimpleUploadedFile(
        "<script>alert(1)</script>.html", b"<script>alert(1)</script>", "text/html"
    )
    response = partner.upload(f"/tickets/{number}/attachments", {"file": html})
    assert response.status_code == 201, response.content
    meta = response.json()
    assert meta["name"] == "script.html"  # path part dropped, markup characters removed
    download = partner.client.get(f"/api/v1/tickets/{number}/attachments/{meta['id']}")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    other = ApiClient(desk.contoso_user)
    assert other.client.get(f"/api/v1/tickets/{number}/attachments/{meta['id']}").status_code == 404


def test_internal_attachments_are_hidden_from_partners(desk: Desk) -> None:
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = new_ticket(partner)["number"]
    meta = agent.upload(
        f"/tickets/{number}/attachments",
        {"file": SimpleUploadedFile("trace.txt", b"secret trace")},
        {"public": "false"},
    ).json()
    assert meta["public"] is False
    assert partner.get(f"/tickets/{number}").json()["attachments"] == []
    assert (
        partner.client.get(f"/api/v1/tickets/{number}/attachments/{meta['id']}").status_code == 404
    )
    response = partner.upload(
        f"/tickets/{number}/attachments",
        {"file": SimpleUploadedFile("a.txt", b"a")},
        {"public": "false"},
    )
    assert response.status_code == 403


def test_oversized_upload_is_413_and_stores_nothing(desk: Desk) -> None:
    from tierdesk.persistence.models import Attachment

    partner = ApiClient(desk.north_user)
    number = new_ticket(partner)["number"]
    big = SimpleUploadedFile("big.log", b"x" * (256 * 1024 + 1))
    response = partner.upload(f"/tickets/{number}/attachments", {"file": big})
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    huge = SimpleUploadedFile("huge.log", b"x" * (400 * 1024))
    assert partner.upload(f"/tickets/{number}/attachments", {"file": huge}).status_code == 413
    assert Attachment.objects.count() == 0


def test_unknown_endpoint_is_a_json_404(desk: Desk) -> None:
    response = ApiClient(desk.north_user).get("/nothing-here")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_openapi_describes_the_endpoints(desk: Desk) -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/tickets/{number}/status" in spec["paths"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_session_login_reaches_the_api(desk: Desk) -> None:
    client = Client()
    page = client.post("/login/", {"username": "ned", "password": "correct horse battery"})
    assert page.status_code == 302
    assert client.get("/api/v1/me").json()["organisation"] == desk.north.slug


def test_the_ticket_shows_each_target_and_why(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    # T0 is Tuesday 10 March 2026, 10:00 in Luxembourg.
    api = ApiClient(desk.north_user)
    body = new_ticket(api, severity="high")
    targets = {t["target"]: t for t in body["sla"]}
    assert targets["first_response"]["due"].startswith("2026-03-10T10:00:00")  # 11:00 Luxembourg
    assert targets["first_response"]["due_text"] == "First response due by Tue 10 Mar 11:00"
    assert targets["resolution"]["due"].startswith("2026-03-11T09:00:00")
    assert "1h on calendar 'desk'" in targets["first_response"]["why"]
    assert body["next_deadline"].startswith("2026-03-10T09:45:00")  # the 75 % warning

    fixed_clock.advance(timedelta(minutes=30))
    agent = ApiClient(desk.l1)
    agent.post(f"/tickets/{body['number']}/replies", {"body": "Looking at it"})
    fixed_clock.advance(timedelta(hours=2))
    targets = {t["target"]: t for t in api.get(f"/tickets/{body['number']}").json()["sla"]}
    assert targets["first_response"]["state"] == "met"
    assert targets["resolution"]["state"] == "running"
    assert targets["resolution"]["used_seconds"] == 2.5 * 3600


def test_on_hold_names_the_supplier_and_starts_its_clock(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    agent = ApiClient(desk.l1)
    number = new_ticket(ApiClient(desk.north_user))["number"]
    response = agent.post(
        f"/tickets/{number}/status", {"status": "on_hold", "supplier": desk.north.slug}
    )
    assert response.status_code == 422 and "supplier" in response.json()["fields"]
    response = agent.post(
        f"/tickets/{number}/status", {"status": "open", "supplier": desk.supplier.slug}
    )
    assert response.status_code == 422 and "on-hold" in response.json()["fields"]["supplier"]
    response = agent.post(
        f"/tickets/{number}/status",
        {"status": "on_hold", "supplier": desk.supplier.slug, "supplier_ref": "V-1234"},
    )
    assert response.status_code == 201
    assert response.json()["data"]["supplier_ref"] == "V-1234"
    fixed_clock.advance(timedelta(hours=1))
    targets = {t["target"]: t for t in agent.get(f"/tickets/{number}").json()["sla"]}
    assert targets["supplier"]["state"] == "running"
    assert targets["supplier"]["label"] == f"Supplier ({desk.supplier.slug})"


def test_a_supplier_sees_only_what_is_handed_to_it(desk: Desk) -> None:
    partner, agent, vendor = ApiClient(desk.north_user), ApiClient(desk.l1), ApiClient(desk.vendor)
    number = new_ticket(partner)["number"]
    agent.post(f"/tickets/{number}/notes", {"body": "the customer is on the legacy plan"})
    assert vendor.get(f"/tickets/{number}").status_code == 404
    assert (
        agent.post(
            f"/tickets/{number}/status",
            {"status": "on_hold", "supplier": desk.supplier.slug, "supplier_ref": "V-1"},
        ).status_code
        == 201
    )
    seen = vendor.get(f"/tickets/{number}").json()
    assert "legacy" not in str(seen)  # internal notes stay internal
    assert [t["number"] for t in vendor.get("/tickets").json()["items"]] == [number]
    assert (
        vendor.post(f"/tickets/{number}/replies", {"body": "Patch 4.2 fixes it"}).status_code == 201
    )
    assert "Patch 4.2" in str(vendor.get(f"/tickets/{number}").json()["events"])
    assert "Patch 4.2" in str(agent.get(f"/tickets/{number}").json()["events"])
    assert "Patch 4.2" not in str(partner.get(f"/tickets/{number}").json()["events"])
    assert vendor.post(f"/tickets/{number}/notes", {"body": "x"}).status_code == 403
