"""The partner's ticket page: the same shape as the agent's, only what a partner may see, and the
actions the rules allow worded for a partner (confirm, reopen, ask for a manager)."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import process
from tierdesk.persistence.models import Event, Ticket


def _resolved(desk: Desk) -> Ticket:
    ticket = desk.open(subject="Panel down", severity="high")
    process.resolve(
        actor=desk.l1, number=ticket.number, solution="Restarted the relay.", now=clock.now()
    )
    return ticket


def _page(user: object, number: str) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client.get(f"/tickets/{number}/").content.decode()


def test_a_partner_reopens_a_resolved_ticket_saying_what_still_fails(desk: Desk) -> None:
    ticket = _resolved(desk)
    page = _page(desk.north_user, ticket.number)
    assert "Not solved? Reopen the ticket" in page and "What still does not work?" in page
    assert "The solution works: close this ticket" in page
    assert "required when no target is breached" not in page  # a desk phrase, not the partner's
    assert "Not solved? Reopen the ticket" not in _page(desk.l1, ticket.number)
    client = Client()
    client.force_login(desk.north_user)
    refused = client.post(f"/tickets/{ticket.number}/reopen", {"reopen-body": ""})
    assert refused.status_code == 422 and Ticket.objects.get(pk=ticket.pk).status == "resolved"
    done = client.post(
        f"/tickets/{ticket.number}/reopen",
        {"reopen-body": "Thanks"},  # even a short one
    )
    assert done.status_code == 302
    reopened = Ticket.objects.get(pk=ticket.pk)
    assert reopened.status == "open"
    assert Event.objects.filter(ticket=ticket, kind="reply", data__body="Thanks").exists()


def test_an_open_ticket_offers_the_partner_no_reopen(desk: Desk) -> None:
    ticket = desk.open(subject="Panel down")
    page = _page(desk.north_user, ticket.number)
    assert "Reopen" not in page and "Ask for a manager" in page
    client = Client()
    client.force_login(desk.north_user)
    assert client.post(f"/tickets/{ticket.number}/reopen", {"reopen-body": "x"}).status_code == 404


def test_the_reopen_is_one_action_for_the_page_and_the_api(desk: Desk) -> None:
    from tests.conftest import ApiClient

    ticket = _resolved(desk)
    # The desk changes statuses its own way; reopening is the requester's.
    assert (
        ApiClient(desk.l1).post(f"/tickets/{ticket.number}/reopen", {"body": "x"}).status_code
        == 403
    )
    answer = ApiClient(desk.north_user).post(f"/tickets/{ticket.number}/reopen", {"body": "Thanks"})
    assert answer.status_code == 201, answer.content
    reopened = Ticket.objects.get(pk=ticket.pk)
    assert reopened.status == "open"
    move = Event.objects.filter(ticket=ticket, kind="status_changed").order_by("-seq").first()
    assert move is not None and move.actor_id is None  # the desk's doing, as a reply's reopen
    assert move.data["reason"] == "requester_reply"
    # Open already: nothing more to reopen, the message is a plain reply.
    again = ApiClient(desk.north_user).post(f"/tickets/{ticket.number}/reopen", {"body": "More"})
    assert again.status_code == 201
