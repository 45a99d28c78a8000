"""Concurrent writers on PostgreSQL: numbers stay unique and each ticket's chain never forks."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import FORM, Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import Event, Ticket
from tierdesk.queries.audit import verify

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under concurrent connections are PostgreSQL's",
)


def _in_threads(n: int, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_opens_get_distinct_numbers(desk: Desk) -> None:
    errors = _in_threads(
        8,
        lambda i: [
            act.open_ticket(
                actor=desk.north_user,
                now=clock.now(),
                subject=f"t{i}-{k}",
                channel="portal",
                form=FORM,
            )
            for k in range(5)
        ],
    )
    assert errors == []
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert sorted(numbers) == [f"DC-{n:06d}" for n in range(1, 41)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_keep_one_chain(desk: Desk) -> None:
    number = desk.open().number
    errors = _in_threads(
        8,
        lambda i: [
            act.add_reply(
                actor=desk.north_user, number=number, body=f"reply {i}.{k}", now=clock.now()
            )
            for k in range(5)
        ],
    )
    assert errors == []
    assert list(Event.objects.filter(ticket__number=number).values_list("seq", flat=True)) == list(
        range(1, 42)
    )
    assert verify(number).broken is None
