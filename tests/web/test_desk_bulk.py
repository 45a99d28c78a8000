"""Bulk changes on the desk queue: each selected ticket through the same action in its own
transaction, with what was done and what was refused and why, on the page and through the API."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import bulk
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import Event, Ticket


def _three(desk: Desk) -> list[Ticket]:
    return [desk.open(subject=f"Problem {i}") for i in range(3)]


def test_each_ticket_in_its_own_transaction_refusals_named(desk: Desk) -> None:
    a, b, c = _three(desk)
    act.change_status(actor=desk.l1, number=c.number, to="resolved", now=clock.now())
    outcomes = bulk.apply(
        actor=desk.l1, numbers=[a.number, b.number, c.number, a.number], operation="status",
        value="pending", now=clock.now(),
    )  # fmt: skip
    assert [(o.number, o.done, o.code) for o in outcomes] == [
        (a.number, True, "done"),
        (b.number, True, "done"),
        (c.number, False, "illegal_transition"),
    ]
    assert Ticket.objects.get(pk=a.pk).status == "pending"
    assert Ticket.objects.get(pk=c.pk).status == "resolved"  # unchanged, nothing recorded for it
    assert not Event.objects.filter(ticket=c, kind="status_changed", data__to="pending").exists()


def test_an_invalid_request_changes_nothing(desk: Desk) -> None:
    a, b, _ = _three(desk)
    before = Event.objects.count()
    for kwargs, field in (
        ({"operation": "level", "value": "l2", "note": ""}, "note"),
        ({"operation": "status", "value": "nowhere"}, "value"),
        ({"operation": "assign", "value": "ned"}, "value"),  # a partner user is not staff
        ({"operation": "explode", "value": ""}, "operation"),
    ):
        try:
            bulk.apply(actor=desk.l1, numbers=[a.number, b.number], now=clock.now(), **kwargs)
        except Exception as exc:
            assert field in getattr(exc, "fields", {}), (kwargs, exc)
        else:
            raise AssertionError(f"{kwargs} was accepted")
    assert Event.objects.count() == before


def test_the_page_assigns_and_shows_the_summary(desk: Desk) -> None:
    a, b, _ = _three(desk)
    hidden = desk.open(desk.contoso_user, subject="Other partner")
    client = Client()
    client.force_login(desk.l1)
    page = client.get("/desk/").content.decode()
    assert 'id="bulk-form"' in page and f'name="tickets" value="{a.number}"' in page
    response = client.post(
        "/desk/bulk",
        {
            "tickets": [a.number, b.number, "DC-999999"],
            "bulk-operation": "assign",
            "bulk-assignee": "agent2",
            "bulk-query": "mine=1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 tickets changed, 1 refused" in body
    assert "no such ticket, or not one you may see" in body
    assert {t.assignee for t in Ticket.objects.filter(pk__in=[a.pk, b.pk])} == {desk.l2}
    assert Ticket.objects.get(pk=hidden.pk).assignee is None


def test_the_page_names_an_illegal_transition_by_the_profiles_words(desk: Desk) -> None:
    a, b, _ = _three(desk)
    act.change_status(actor=desk.l1, number=b.number, to="resolved", now=clock.now())
    client = Client()
    client.force_login(desk.l1)
    body = client.post(
        "/desk/bulk",
        {"tickets": [a.number, b.number], "bulk-operation": "status", "bulk-status": "pending"},
    ).content.decode()
    assert "1 ticket changed, 1 refused" in body
    assert "the process does not move a ticket from Resolved to Pending" in body
    assert "illegal_transition" not in body


def test_the_page_shows_a_missing_note_next_to_its_field(desk: Desk) -> None:
    a, _, _ = _three(desk)
    client = Client()
    client.force_login(desk.l1)
    response = client.post(
        "/desk/bulk", {"tickets": [a.number], "bulk-operation": "level", "bulk-level": "l2"}
    )
    assert response.status_code == 422
    assert 'id="id_bulk-note-error"' in response.content.decode()
    assert Ticket.objects.get(pk=a.pk).level == "l1"


def test_partners_have_no_bulk_page(desk: Desk) -> None:
    a, _, _ = _three(desk)
    client = Client()
    client.force_login(desk.north_user)
    response = client.post("/desk/bulk", {"tickets": [a.number], "bulk-operation": "assign"})
    assert response.status_code == 404


def test_the_api_answers_each_ticket(desk: Desk, as_user) -> None:  # type: ignore[no-untyped-def]
    a, b, c = _three(desk)
    act.change_status(actor=desk.l1, number=c.number, to="resolved", now=clock.now())
    api = as_user(desk.l1)
    response = api.post(
        "/tickets/bulk",
        {"tickets": [a.number, b.number, c.number], "operation": "status", "value": "pending"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["done"] == 2 and answer["refused"] == 1
    refused = [r for r in answer["results"] if not r["done"]]
    assert refused[0]["number"] == c.number and refused[0]["error"] == "illegal_transition"
    bad = api.post("/tickets/bulk", {"tickets": [a.number], "operation": "level", "value": "l2"})
    assert bad.status_code == 422 and "note" in bad.json()["fields"]
    assert as_user(desk.north_user).post(
        "/tickets/bulk", {"tickets": [a.number], "operation": "assign", "value": ""}
    ).status_code in (403, 404)


def test_the_summary_tells_changed_already_so_and_refused_apart(desk: Desk) -> None:
    a, b, c = _three(desk)
    act.assign(actor=desk.l1, number=a.number, assignee=desk.l2, now=clock.now())
    client = Client()
    client.force_login(desk.l1)
    body = client.post(
        "/desk/bulk",
        {"tickets": [a.number], "bulk-operation": "assign", "bulk-assignee": "agent2"},
    ).content.decode()
    assert "1 already so</h2>" in body and "changed" not in body.split("bulk-result-h")[1][:80]
    body = client.post(
        "/desk/bulk",
        {"tickets": [a.number, b.number, c.number], "bulk-operation": "level",
         "bulk-level": "l2", "bulk-note": "Over to the mailbox team"},
    ).content.decode()  # fmt: skip
    assert "3 tickets changed</h2>" in body
    assert set(
        Ticket.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("level", flat=True)
    ) == {"l2"}
