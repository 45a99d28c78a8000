"""The hot write paths run a fixed number of SQL statements, and the 201 of a new ticket is
built from what was written: the same body a read gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import FORM, ApiClient, Desk
from tests.mail.test_intake import mail
from tierdesk import clock
from tierdesk.intake.mail import ingest
from tierdesk.persistence import numbers


@pytest.fixture(autouse=True)
def _no_rate_counting(settings: Any) -> None:
    """The rate-limit counters' own statements (the cache) are pinned in tests/abuse; these
    counts are the write paths' alone."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _forget_sequences() -> Iterator[None]:
    yield
    numbers._known.clear()  # the test's transaction rolls back the sequence it remembered


TEXT = {"subject": "Mailbox quota not applied", "form": FORM, "description": "Since Monday."}


def statements(api: ApiClient, path: str, payload: dict) -> tuple[int, list[str], dict]:  # type: ignore[type-arg]
    with CaptureQueriesContext(connection) as captured:
        response = api.post(path, payload)
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in captured.captured_queries]
    return len(sql), sql, response.json()


def test_the_201_of_a_new_ticket_is_what_a_read_returns(desk: Desk) -> None:
    api = ApiClient(desk.north_user)
    created = api.post("/tickets", TEXT).json()
    read = api.get(f"/tickets/{created['number']}").json()
    assert created == read


def test_a_flagged_duplicate_answers_with_its_link(desk: Desk) -> None:
    api = ApiClient(desk.north_user)
    first = api.post("/tickets", TEXT).json()
    second = api.post("/tickets", TEXT).json()
    assert second["links"] == [{"kind": "possible_duplicate_of", "target": first["number"]}]
    assert second == api.get(f"/tickets/{second['number']}").json()


def test_opening_a_ticket_by_api_runs_a_fixed_number_of_statements(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    api = ApiClient(desk.north_user)
    with django_capture_on_commit_callbacks(execute=True):  # as after a committed first ticket
        api.post("/tickets", {**TEXT, "subject": "Warm the caches up"})
    count, sql, _ = statements(api, "/tickets", {**TEXT, "subject": "Backup add-on fails"})
    # The token and the duplicate window; then in one transaction (a savepoint in the test) the
    # number, the ticket, its event, the target rows, the spans, the level's agents, the outbox.
    # Nothing is read back for the answer.
    assert not any(s.startswith("SELECT") and '"tierdesk_event"' in s for s in sql)
    assert count == OPEN_BY_API, "\n".join(sql)


def test_a_reply_note_and_status_change_run_a_fixed_number_of_statements(desk: Desk) -> None:
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = partner.post("/tickets", TEXT).json()["number"]
    agent.post(f"/tickets/{number}/replies", {"body": "warm-up"})
    reply, sql, _ = statements(partner, f"/tickets/{number}/replies", {"body": "More details."})
    assert reply == REPLY, "\n".join(sql)
    note, sql, _ = statements(agent, f"/tickets/{number}/notes", {"body": "Checked the logs."})
    assert note == NOTE, "\n".join(sql)
    status, sql, _ = statements(agent, f"/tickets/{number}/status", {"status": "pending"})
    assert status == STATUS, "\n".join(sql)


# Every non-GET request runs in one transaction (RequestTransactionMiddleware): inside the
# test's own transaction that is two savepoint statements more on each request below.
OPEN_BY_API = 13
OPEN_FROM_PORTAL = 21  # the page reads the active accounts, the one chosen, the upload rule,
# and the partner's subscriptions once (offered and checked against the same list)
OPEN_BY_MAIL = 22  # eight of them savepoint statements; the sender with its organisation in one;
# one asks whether a supplier wrote
# An existing ticket's target rows are brought to their new figures, writing only what changed:
# one statement on PostgreSQL, two elsewhere (before: deleted and inserted again, two).
TARGETS = 1 if connection.vendor == "postgresql" else 2
REPLY_BY_MAIL = 21 + TARGETS  # eight of them savepoint statements; the replied-to ticket
# found among those the sender may see in one query, then locked and its record read once
REPLY = 11 + TARGETS  # the last status change (a confirmation asked for?) read from the record
NOTE = 11 + TARGETS
STATUS = 15 + TARGETS


def test_opening_a_ticket_from_the_portal_and_by_mail_runs_a_fixed_number_of_statements(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    portal = Client()
    portal.force_login(desk.north_user)
    form = {
        "subject": "Panel down",
        "severity": "normal",
        "queue": "technical",
        **{f"form_{k}": v for k, v in FORM.items()},
        "customer_account": desk.acme.slug,
    }
    with django_capture_on_commit_callbacks(execute=True):  # as after a committed first ticket
        assert portal.post("/tickets/new/", form).status_code == 302
    with CaptureQueriesContext(connection) as captured:
        response = portal.post("/tickets/new/", {**form, "subject": "Webmail refuses logins"})
    assert response.status_code == 302
    # The session and its user, the customer-account checks, the duplicate window; then the same
    # transaction as by API, and the knowledge base's deflection window closed.
    assert len(captured.captured_queries) == OPEN_FROM_PORTAL, _sql(captured)
    with CaptureQueriesContext(connection) as captured:
        result = ingest(
            mail(subject="Backup add-on fails", body="The nightly backup stopped on Sunday."),
            source="smtp",
            now=clock.now(),
        )
    assert result.outcome == "ticket"
    # The raw message stored first (its own transaction), then one transaction under the row's
    # lock (the row read again): the sender's flood window, user and organisation, the
    # duplicate window, the same transaction as by API, the outcome noted.
    assert len(captured.captured_queries) == OPEN_BY_MAIL, _sql(captured)


def _sql(captured: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries)


def test_a_reply_by_mail_runs_a_fixed_number_of_statements(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # as after a committed first ticket
        opened = ingest(
            mail(subject="Backup add-on fails", Message_ID="<opening@partner.example.com>"),
            source="smtp",
            now=clock.now(),
        )
    with CaptureQueriesContext(connection) as captured:
        result = ingest(
            mail(
                subject="Re: Backup add-on fails",
                body="It failed again last night.",
                Message_ID="<again@partner.example.com>",
                In_Reply_To="<opening@partner.example.com>",
            ),
            source="smtp",
            now=clock.now(),
        )
    assert (result.outcome, result.ticket) == ("comment", opened.ticket)
    # Stored first, then under the row's lock: the sender, the flood window, the ticket
    # replied to (one query, within what the sender may see), the ticket locked, its record,
    # the row, the event, the target rows (only what changed), the outbox, the outcome noted.
    assert len(captured.captured_queries) == REPLY_BY_MAIL, _sql(captured)
