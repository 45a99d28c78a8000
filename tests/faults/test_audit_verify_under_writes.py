"""`audit verify` on a live desk: writers keep appending to the tickets' chains while it reads,
and it reports every chain intact, every time (it once read a ticket's row and its events in
different snapshots and called a reply recorded in between a broken chain)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import Event
from tierdesk.queries.audit import verify

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers beside the reader: PostgreSQL's snapshots",
)
WRITERS = 4
RUNS = 25


@pytest.mark.django_db(transaction=True)
def test_verify_never_reports_a_broken_chain_while_writers_append(desk: Desk) -> None:
    numbers = [desk.open(subject=f"Mailbox quota not applied {n}").number for n in range(6)]
    stop = threading.Event()
    errors: list[BaseException] = []
    written = [0] * WRITERS

    def write(i: int) -> None:
        try:
            k = 0
            while not stop.is_set():
                number = numbers[(i + k) % len(numbers)]
                act.add_reply(
                    actor=desk.north_user, number=number, body=f"reply {i}.{k}", now=clock.now()
                )
                k += 1
                written[i] = k
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    results = []
    try:
        for _ in range(RUNS):
            results.append(verify())
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert sum(written) >= RUNS, "the writers hardly wrote; the test proved nothing"
    assert [r.broken for r in results] == [None] * RUNS
    assert all(r.tickets == len(numbers) for r in results)
    final = verify()
    assert final.broken is None and final.events == Event.objects.count()
