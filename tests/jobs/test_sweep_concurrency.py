"""Several sweepers at once on PostgreSQL: SKIP LOCKED shares the work, nothing is recorded twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.models import Event

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent sweepers need PostgreSQL's row locks"
)


@pytest.mark.django_db(transaction=True)
def test_four_sweepers_record_each_outcome_once(desk: Desk) -> None:
    tickets = [desk.open(severity="high") for _ in range(40)]
    later = clock.now() + timedelta(hours=2)
    counts: list[int] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            counts.append(sweep(later).events)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 40 * 3
    for ticket in tickets:
        kinds = list(
            Event.objects.filter(ticket=ticket, kind__startswith="sla_")
            .order_by("seq")
            .values_list("kind", flat=True)
        )
        assert kinds == ["sla_warning", "sla_warning", "sla_breach"]
