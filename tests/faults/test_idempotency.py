"""Idempotency-Key on the API's changing calls: a client that retries after a timeout gets the
first answer again and nothing is created twice (20 retried requests once opened 40 tickets)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import FORM, ApiClient, Desk
from tierdesk import clock
from tierdesk.config.schedule import forget_idempotency_keys
from tierdesk.persistence.models import Attachment, Event, IdempotencyKey, Ticket


def post(api: ApiClient, path: str, payload: Any, key: str | None, **headers: str) -> Any:
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.client.post(
        f"/api/v1{path}", json.dumps(payload), content_type="application/json", **headers
    )


NEW = {"subject": "Panel down", "form": FORM}


def test_a_retried_ticket_is_opened_once_and_answered_as_the_first_time(desk: Desk) -> None:
    api = ApiClient(desk.north_user)
    answers = [post(api, "/tickets", NEW, "open-1") for _ in range(20)]
    assert Ticket.objects.count() == 1
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1  # the same body, byte for byte
    assert "Idempotent-Replayed" not in answers[0]
    assert all(a["Idempotent-Replayed"] == "true" for a in answers[1:])
    assert answers[1]["Content-Type"] == answers[0]["Content-Type"]
    # The same body encoded differently is the same request; another key is another ticket.
    same = api.client.post(
        "/api/v1/tickets",
        json.dumps({"form": FORM, "subject": "Panel down"}, indent=2),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="open-1",
    )
    assert same.status_code == 201 and same.content == answers[0].content
    assert post(api, "/tickets", NEW, "open-2").json()["number"] != answers[0].json()["number"]
    assert post(api, "/tickets", NEW, None).status_code == 201  # no key: no memory
    assert Ticket.objects.count() == 3


def test_the_same_key_with_another_request_is_refused_naming_the_header(desk: Desk) -> None:
    api = ApiClient(desk.north_user)
    number = post(api, "/tickets", NEW, "k").json()["number"]
    events = Event.objects.count()
    other = post(api, "/tickets", {**NEW, "subject": "Another"}, "k")
    assert other.status_code == 422
    assert other.json()["fields"] == {"Idempotency-Key": "already used with another request"}
    elsewhere = post(api, f"/tickets/{number}/replies", {"body": "Any news?"}, "k")
    assert elsewhere.status_code == 422 and "Idempotency-Key" in elsewhere.json()["fields"]
    assert Ticket.objects.count() == 1 and Event.objects.count() == events
    bad = post(api, "/tickets", NEW, "x" * 256)
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["fields"]
    assert Ticket.objects.count() == 1


def test_replies_notes_links_and_attachments_are_done_once(desk: Desk) -> None:
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = post(partner, "/tickets", NEW, None).json()["number"]
    other = post(partner, "/tickets", {**NEW, "subject": "Second"}, None).json()["number"]
    before = Event.objects.filter(ticket__number=number).count()
    calls = [
        (partner, f"/tickets/{number}/replies", {"body": "The panel is still down."}),
        (agent, f"/tickets/{number}/notes", {"body": "Checking the proxy."}),
        (agent, f"/tickets/{number}/links", {"kind": "related", "target": other}),
    ]
    for n, (api, path, payload) in enumerate(calls):
        first, second = (post(api, path, payload, f"call-{n}") for _ in range(2))
        assert first.status_code == 201, first.content
        assert (second.status_code, second.content) == (201, first.content)
    assert Event.objects.filter(ticket__number=number).count() == before + 3

    def upload() -> Any:  # a new multipart boundary each time, as a retrying client sends
        return partner.client.post(
            f"/api/v1/tickets/{number}/attachments",
            {"file": SimpleUploadedFile("trace.txt", b"502 at 10:14", "text/plain")},
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first, second = upload(), upload()
    assert first.status_code == 201, first.content
    assert (second.status_code, second.content) == (201, first.content)
    assert Attachment.objects.count() == 1


def test_keys_belong_to_one_credential(desk: Desk) -> None:
    ned, nora = ApiClient(desk.north_user), ApiClient(desk.north_admin)
    again = ApiClient(desk.north_user)  # the same person with another token
    numbers = {post(api, "/tickets", NEW, "shared").json()["number"] for api in (ned, nora, again)}
    assert len(numbers) == 3 and Ticket.objects.count() == 3
    # The page session scopes by its user.
    session = Client()
    session.force_login(desk.north_user)
    answers = [
        session.post(
            "/api/v1/tickets",
            json.dumps(NEW),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="shared",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201], answers[0].content
    assert answers[0].content == answers[1].content and Ticket.objects.count() == 4


def test_a_refused_or_failed_call_is_not_remembered(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = ApiClient(desk.north_user)
    refused = post(api, "/tickets", {"subject": "Panel down", "form": {}}, "try")
    assert refused.status_code == 422
    assert not IdempotencyKey.objects.exists()
    stranger = Client(HTTP_AUTHORIZATION="Bearer tdk_000000000000_nope")
    assert (
        stranger.post(
            "/api/v1/tickets", json.dumps(NEW), "application/json", HTTP_IDEMPOTENCY_KEY="try"
        ).status_code
        == 401
    )
    assert not IdempotencyKey.objects.exists()

    from tierdesk.actions import tickets as act

    real = act.open_ticket

    def broken(**kw: Any) -> Any:
        real(**kw)
        raise RuntimeError("the database went away after the write")

    monkeypatch.setattr(act, "open_ticket", broken)
    failed = Client(HTTP_AUTHORIZATION=f"Bearer {api.token}", raise_request_exception=False)
    answer = failed.post(
        "/api/v1/tickets", json.dumps(NEW), "application/json", HTTP_IDEMPOTENCY_KEY="try"
    )
    assert answer.status_code == 500
    assert Ticket.objects.count() == 0 and not IdempotencyKey.objects.exists()
    monkeypatch.setattr(act, "open_ticket", real)
    assert post(api, "/tickets", NEW, "try").status_code == 201  # the retry runs
    assert Ticket.objects.count() == 1


def test_a_running_first_request_answers_409_and_a_dead_one_is_taken_over(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    from tierdesk.actions import idempotency

    api = ApiClient(desk.north_user)
    first = post(api, "/tickets", NEW, "once")
    row = IdempotencyKey.objects.get()
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status=None, locked_until=clock.now() + idempotency.in_flight()
    )  # as if the first were still running
    running = post(api, "/tickets", NEW, "once")
    assert running.status_code == 409 and running["Retry-After"] == "1"
    assert running.json()["fields"] == {
        "Idempotency-Key": "a request with this key is still running"
    }
    fixed_clock.advance(idempotency.in_flight() + timedelta(seconds=1))  # its process died
    taken = post(api, "/tickets", NEW, "once")
    assert taken.status_code == 201 and taken.json()["number"] != first.json()["number"]


def test_keys_are_kept_for_a_day(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    api = ApiClient(desk.north_user)
    first = post(api, "/tickets", NEW, "daily").json()["number"]
    fixed_clock.advance(timedelta(hours=23))
    assert post(api, "/tickets", NEW, "daily").json()["number"] == first
    post(api, "/tickets", NEW, "other")
    fixed_clock.advance(timedelta(hours=1))
    assert forget_idempotency_keys(clock.now()) == 1  # the hourly job: "daily" is a day old
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["other"]
    assert post(api, "/tickets", NEW, "daily").json()["number"] != first
    fixed_clock.advance(timedelta(days=1))
    # Forgotten on read too, before the job comes round.
    assert post(api, "/tickets", NEW, "other").status_code == 201
    assert Ticket.objects.count() == 4


def test_the_openapi_document_names_the_header_on_changing_calls(db: None) -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    header = spec["components"]["parameters"]["Idempotency-Key"]
    assert header["in"] == "header" and "a day" in header["description"]
    create = spec["paths"]["/api/v1/tickets"]["post"]
    assert {"$ref": "#/components/parameters/Idempotency-Key"} in create["parameters"]
    assert "409" in create["responses"]
    assert "Idempotency-Key" not in json.dumps(spec["paths"]["/api/v1/tickets"]["get"])
