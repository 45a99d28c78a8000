"""Ticket numbers: unique, increasing, continuing after the counter the desk kept before."""

from __future__ import annotations

import pytest
from django.db import connection

from tierdesk.persistence import numbers
from tierdesk.persistence.models import TicketSequence


@pytest.mark.django_db
def test_numbers_continue_after_the_counter_and_increase() -> None:
    TicketSequence.objects.update_or_create(prefix="ZQ-", defaults={"last": 41})
    taken = [numbers.take("ZQ-") for _ in range(3)]
    assert taken == [42, 43, 44]


@pytest.mark.django_db
def test_a_prefix_never_seen_starts_at_one() -> None:
    assert numbers.take("NEW/") == 1
    assert numbers.take("NEW/") == 2


def test_sequence_names_are_safe_identifiers() -> None:
    name = numbers.sequence_name('a"; DROP TABLE x; --')
    assert name.replace("_", "").isalnum() and name.startswith("tierdesk_number_")
    assert numbers.sequence_name("DC-") != numbers.sequence_name("DC_")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences are PostgreSQL's")
def test_on_postgresql_no_lock_is_held_on_the_counter_row() -> None:
    numbers.take("LK-")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relname = 'tierdesk_ticketsequence' "
            "AND l.mode = 'RowExclusiveLock'"
        )
        assert cursor.fetchone()[0] == 0  # type: ignore[index]
