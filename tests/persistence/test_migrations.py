"""The migrations match the models, on whichever database the suite runs on."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_append_only_guard_is_installed() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'tierdesk_event'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tierdesk_event' "
                "ORDER BY name"
            )
        names = [row[0] for row in cursor.fetchall()]
    expected = (
        ["tierdesk_event_append_only"]
        if connection.vendor == "postgresql"
        else ["tierdesk_event_no_delete", "tierdesk_event_no_update"]
    )
    assert names == expected


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_given() -> None:
    import os

    wanted = os.environ.get("TIERDESK_TEST_DATABASE_URL", "sqlite:")
    expected = "postgresql" if wanted.startswith(("postgres:", "postgresql:")) else "sqlite"
    assert connection.vendor == expected
