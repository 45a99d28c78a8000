"""The chat: starting one opens a ticket with the profile's chat defaults, live only within the
chat's hours and with an engineer available; messages are public replies; an engineer takes a
chat once; the API lists and posts a chat's messages within the partner's own tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async

from tests.conftest import Desk
from tests.live.test_sockets import connect, run
from tierdesk import clock
from tierdesk.actions import chat as act
from tierdesk.actions.live import socket_opened
from tierdesk.domain.errors import Conflict, Forbidden
from tierdesk.persistence.models import Chat, Event
from tierdesk.queries import chat as q


def available(desk: Desk) -> None:
    socket_opened(user=desk.l1, channel="test-l1", now=clock.now())


def test_a_chat_within_hours_with_an_engineer_available_is_live(desk: Desk) -> None:
    available(desk)
    started = act.start_chat(
        actor=desk.north_user, body="Mailbox full\nSince 9:00", now=clock.now()
    )
    ticket = started.ticket
    assert (started.live, started.reason) == (True, "")
    assert (ticket.channel, ticket.severity, ticket.subject) == ("chat", "normal", "Mailbox full")
    assert Chat.objects.get(ticket=ticket).live
    assert list(q.waiting_chats(desk.l1)) == [ticket]
    assert q.current_chat(desk.north_user) == ticket
    assert list(q.waiting_chats(desk.l1)) == [ticket]


def test_outside_the_chats_hours_or_with_nobody_available_it_is_an_ordinary_ticket(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    busy = act.start_chat(actor=desk.north_user, body="Anyone there?", now=clock.now())
    assert (busy.live, busy.reason) == (False, "busy")
    available(desk)
    fixed_clock.advance(timedelta(hours=14))  # 23:00 UTC: the desk's calendar is closed
    socket_opened(user=desk.l1, channel="test-l1", now=clock.now())
    closed = act.start_chat(actor=desk.north_user, body="Late question", now=clock.now())
    assert (closed.live, closed.reason) == (False, "closed")
    assert list(q.waiting_chats(desk.l1)) == []  # answered by e-mail, not waiting in the chat


def test_an_engineer_with_a_stale_socket_is_not_available(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    available(desk)
    fixed_clock.advance(q.ALIVE + timedelta(seconds=1))
    assert act.start_chat(actor=desk.north_user, body="Hello", now=clock.now()).reason == "busy"


def test_only_partner_users_start_chats(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        act.start_chat(actor=desk.l1, body="Hello", now=clock.now())


def test_messages_are_public_replies_and_a_chat_is_taken_once(desk: Desk) -> None:
    available(desk)
    ticket = act.start_chat(actor=desk.north_user, body="Help", now=clock.now()).ticket
    act.take(actor=desk.l1, number=ticket.number, now=clock.now())
    with pytest.raises(Conflict):
        act.take(actor=desk.l2, number=ticket.number, now=clock.now())
    act.say(actor=desk.l1, number=ticket.number, body="Hello, I am looking", now=clock.now())
    act.say(actor=desk.north_user, number=ticket.number, body="Thanks", now=clock.now())
    ticket.refresh_from_db()
    assert ticket.assignee == desk.l1
    assert list(q.waiting_chats(desk.l1)) == []
    transcript = [
        (e.kind, e.data.get("body") or e.data.get("description"))
        for e in q.messages(desk.north_user, ticket)
    ]
    assert transcript == [
        ("created", "Help"),
        ("reply", "Hello, I am looking"),
        ("reply", "Thanks"),
    ]
    assert all(e.public for e in Event.objects.filter(ticket=ticket, kind="reply"))


def test_the_api_lists_and_posts_a_chats_messages_for_its_own_partner_only(
    desk: Desk, as_user
) -> None:  # type: ignore[no-untyped-def]
    available(desk)
    ned = as_user(desk.north_user)
    started = ned.post("/chats", {"body": "Quota not applied"})
    assert started.status_code == 201, started.content
    number = started.json()["ticket"]
    assert started.json()["live"] is True
    agent = as_user(desk.l1)
    assert agent.post(f"/tickets/{number}/chat", {"body": "On it"}).status_code == 201
    page = ned.get(f"/tickets/{number}/chat").json()
    assert [(m["side"], m["body"]) for m in page["messages"]] == [
        ("requester", "Quota not applied"),
        ("provider", "On it"),
    ]
    carl = as_user(desk.contoso_user)
    assert carl.get(f"/tickets/{number}/chat").status_code == 404
    assert carl.post(f"/tickets/{number}/chat", {"body": "hi"}).status_code == 404
    empty = ned.post(f"/tickets/{number}/chat", {"body": ""})
    assert empty.status_code == 422 and "body" in empty.json()["fields"]
    plain = desk.open()
    assert ned.get(f"/tickets/{plain.number}/chat").status_code == 404  # not a chat


@pytest.mark.django_db(transaction=True)
def test_the_partner_sees_the_engineer_join_and_answer_live(desk: Desk) -> None:
    available(desk)
    ticket = act.start_chat(actor=desk.north_user, body="Help", now=clock.now()).ticket

    async def scenario() -> None:
        partner, ok = await connect(f"/live/tickets/{ticket.number}/", desk.north_user)
        assert ok
        opening = await partner.receive_json_from(timeout=5)
        assert [e["text"] for e in opening["events"] if e["message"]] == ["Help"]
        await database_sync_to_async(act.take)(actor=desk.l1, number=ticket.number, now=clock.now())
        joined = await partner.receive_json_from(timeout=5)
        name = desk.l1.get_full_name() or desk.l1.username
        # Taking it is the first piece of work (New to Open, public) and the assignment,
        # which the partner of a chat sees as the engineer joining.
        assert [e["what"] for e in joined["events"] if e["kind"] == "joined"] == [
            f"{name} has joined the chat"
        ]
        await database_sync_to_async(act.say)(
            actor=desk.l1, number=ticket.number, body="Looking now", now=clock.now()
        )
        answer = await partner.receive_json_from(timeout=5)
        assert [(e["who"], e["text"]) for e in answer["events"] if e["message"]] == [
            (name, "Looking now")
        ]
        await partner.disconnect()

    run(scenario)


def test_a_reply_sent_from_a_live_chat_page_answers_without_leaving_the_page(desk: Desk) -> None:
    from django.test import Client

    available(desk)
    ticket = act.start_chat(actor=desk.north_user, body="Help", now=clock.now()).ticket
    act.take(actor=desk.l1, number=ticket.number, now=clock.now())
    client = Client()
    client.force_login(desk.l1)
    page = client.get(f"/tickets/{ticket.number}/")
    assert b'data-in-place="1"' in page.content  # the chat's page sends in place
    url = f"/tickets/{ticket.number}/reply"
    headers = {"X-Tierdesk-In-Place": "1"}
    sent = client.post(url, {"reply-body": "Looking now", "reply-then": ""}, headers=headers)
    assert sent.status_code == 204 and not sent.content
    assert Event.objects.filter(ticket=ticket, kind="reply").count() == 1
    refused = client.post(url, {"reply-body": "", "reply-then": ""}, headers=headers)
    assert refused.status_code == 422  # the page with the message next to the field
    assert b"id_reply-body" in refused.content
    assert Event.objects.filter(ticket=ticket, kind="reply").count() == 1
    # Without the page's script: the ordinary post and redirect.
    plain = client.post(url, {"reply-body": "And more", "reply-then": ""})
    assert plain.status_code == 302
    other = desk.open()
    assert b"data-in-place" not in client.get(f"/tickets/{other.number}/").content
