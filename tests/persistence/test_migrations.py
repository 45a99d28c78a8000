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


def test_the_record_is_re_chained_under_content_digests_and_the_audit_says_so(
    transactional_db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records written under the old hashing (the content itself) verify after 0033, which says
    when it re-chained them and from which heads; a chain broken before is left broken."""
    import hashlib
    import json
    from datetime import UTC, datetime

    from django.db.migrations.executor import MigrationExecutor

    from tierdesk.cli.main import main

    before = [("tierdesk", "0032_supplier_registry")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Organisation = old.get_model("tierdesk", "Organisation")
    Ticket = old.get_model("tierdesk", "Ticket")
    Event = old.get_model("tierdesk", "Event")
    org = Organisation.objects.create(
        name="Northwind",
        slug="northwind",
        kind="partner",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def old_hash(number: str, seq: int, data: dict[str, object], prev: str) -> str:
        body = {
            "actor": None,
            "at": "2026-01-05T08:00:00.000000Z",
            "data": data,
            "kind": "created" if seq == 1 else "reply",
            "prev": prev,
            "public": True,
            "seq": seq,
            "ticket": number,
        }
        raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()

    heads = {}
    for number, tamper in (("DC-000001", False), ("DC-000002", True)):
        created = {
            "subject": "Mail",
            "status": "new",
            "severity": "normal",
            "queue": "technical",
            "level": "l1",
            "language": "en",
            "channel": "portal",
        }
        datas = [created, {"body": "hello", "by": "requester"}]
        prev = "0" * 64
        ticket = Ticket.objects.create(
            number=number,
            profile="demo",
            profile_version="1",
            subject="Mail",
            severity="normal",
            status="new",
            queue="technical",
            level="l1",
            language="en",
            channel="portal",
            organisation=org,
            opened_at=at,
            updated_at=at,
            event_count=2,
            last_hash="",
        )
        for seq, data in enumerate(datas, start=1):
            digest = old_hash(number, seq, data, prev)
            stored = {"body": "changed", "by": "requester"} if tamper and seq == 2 else data
            Event.objects.create(
                ticket=ticket,
                seq=seq,
                at=at,
                kind="created" if seq == 1 else "reply",
                public=True,
                data=stored,
                prev_hash=prev,
                hash=digest,
            )
            prev = digest
        Ticket.objects.filter(pk=ticket.pk).update(last_hash=prev)
        heads[number] = prev
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert main(["audit", "verify", "--ticket", "DC-000001"]) == 0
    out = capsys.readouterr().out
    assert "re-chained: the hashes were re-computed at migration 0033_redactable_record on" in out
    assert "1 tickets, 2 events" in out and "1 broken chains left as found" in out
    assert f"DC-000001: head at event 2 was {heads['DC-000001']}" in out
    # The ticket tampered with before the migration is still reported, never laundered.
    assert main(["audit", "verify", "--ticket", "DC-000002"]) == 1
    assert (
        "broken: DC-000002 event 1: its chain was already broken at the re-chaining of migration "
        "0033_redactable_record, and left as found"
    ) in capsys.readouterr().out
