"""Names on a ticket are resolved after the ticket is found and visible, with one answer for every
name that cannot be used: the API tells nobody who exists. Assignment is one rule for every edge."""

from __future__ import annotations

from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions.people import create_user
from tierdesk.domain.parties import Role


def test_a_partner_learns_nothing_about_usernames(desk: Desk) -> None:
    partner = ApiClient(desk.north_user)
    answers = set()
    for name in ("carl", "nosuch", "agent1", "admin"):
        response = partner.post("/tickets/DC-999999/assignee", {"assignee": name})
        answers.add((response.status_code, response.content))
    assert len(answers) == 1 and next(iter(answers))[0] == 404
    own = desk.open()
    answers = set()
    for name in ("carl", "nosuch", "agent1"):
        response = partner.post(f"/tickets/{own.number}/assignee", {"assignee": name})
        answers.add((response.status_code, response.content))
    assert len(answers) == 1 and next(iter(answers))[0] == 403


def test_an_agent_gets_one_answer_for_every_name_that_is_not_assignable(desk: Desk) -> None:
    ticket = desk.open()
    create_user(
        username="gone", email="gone@example.com", organisation=desk.provider,
        role=Role.AGENT, levels=("l1",), now=clock.now(),
    )  # fmt: skip
    from tierdesk.persistence.models import User

    User.objects.filter(username="gone").update(is_active=False)
    agent = ApiClient(desk.l1)
    answers = set()
    for name in ("carl", "nosuch", "ned", "val", "gone"):
        response = agent.post(f"/tickets/{ticket.number}/assignee", {"assignee": name})
        answers.add((response.status_code, response.content))
    assert len(answers) == 1
    status, body = next(iter(answers))
    assert status == 422 and b"is not an active agent of the provider" in body
    assert (
        agent.post(f"/tickets/{ticket.number}/assignee", {"assignee": "agent2"}).status_code == 201
    )


def test_the_page_offers_exactly_whom_the_action_accepts(desk: Desk) -> None:
    ticket = desk.open()
    client = Client()
    client.force_login(desk.l1)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    for offered in (desk.l1, desk.l2, desk.noc, desk.manager):  # the provider's active staff
        assert f'value="{offered.pk}"' in page, offered.username
    for never in (desk.north_user, desk.vendor):
        assert f'value="{never.pk}"' not in page
    # the level's own members are offered first
    assert page.index(f'value="{desk.l1.pk}"') < page.index(f'value="{desk.l2.pk}"')
    response = client.post(f"/tickets/{ticket.number}/assign", {"assign-assignee": desk.noc.pk})
    assert response.status_code == 302
