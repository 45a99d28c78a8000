"""Concurrent retries of one Idempotency-Key on PostgreSQL: never two tickets. A retry that
arrives while the first request still runs is answered 409 (retry shortly); once the first has
answered, every retry gets its answer."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from tests.conftest import FORM, ApiClient, Desk
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import Ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent requests on their own connections: PostgreSQL",
)
NEW = {"subject": "Panel down", "form": FORM}


def _post(token: str, key: str) -> Any:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    try:
        return client.post(
            "/api/v1/tickets", json.dumps(NEW), "application/json", HTTP_IDEMPOTENCY_KEY=key
        )
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_open_one_ticket(desk: Desk) -> None:
    token = ApiClient(desk.north_user).token
    n = 8
    barrier = threading.Barrier(n)
    answers: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            answers.append(_post(token, "burst"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Ticket.objects.count() == 1
    assert {a.status_code for a in answers} <= {201, 409}
    created = [a.content for a in answers if a.status_code == 201]
    assert created and len(set(created)) == 1
    replay = _post(token, "burst")
    assert (replay.status_code, replay.content) == (201, created[0])


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_still_runs_is_told_to_wait_then_gets_its_answer(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = ApiClient(desk.north_user).token
    entered, release = threading.Event(), threading.Event()
    real = act.open_ticket

    def slow(**kw: Any) -> Any:
        entered.set()
        assert release.wait(30), "the test never released the first request"
        return real(**kw)

    monkeypatch.setattr(act, "open_ticket", slow)
    first: list[Any] = []
    thread = threading.Thread(target=lambda: first.append(_post(token, "slow")))
    thread.start()
    try:
        assert entered.wait(30)
        retry = _post(token, "slow")
    finally:
        release.set()
        thread.join()
    assert retry.status_code == 409 and retry["Retry-After"] == "1"
    assert first[0].status_code == 201
    again = _post(token, "slow")
    assert (again.status_code, again.content) == (201, first[0].content)
    assert Ticket.objects.count() == 1
