"""The ticket page's "remove from the record" control: administrators only, with a confirmation
box; a refused removal shows why next to the field and changes nothing."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.persistence.models import Event, User

SECRET = "my password is Hunter2-Hunter2"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_administrators_see_the_control(desk: Desk) -> None:
    ticket = desk.open()
    act.add_reply(actor=desk.north_user, number=ticket.number, body=SECRET, now=clock.now())
    for user in (desk.l1, desk.manager, desk.north_user, desk.north_admin):
        page = _client(user).get(f"/tickets/{ticket.number}/").content.decode()
        assert "action-redact" not in page, user.username
        answer = _client(user).post(
            f"/tickets/{ticket.number}/redact",
            {"redact-event": "2", "redact-part": "text", "redact-reason": "r",
             "redact-confirm": "on"},
        )  # fmt: skip
        assert answer.status_code == 404, user.username
    page = _client(desk.admin).get(f"/tickets/{ticket.number}/").content.decode()
    assert "action-redact" in page and "Remove for good" in page
    assert '<option value="2">2 · ' in page
    assert SECRET in Event.objects.get(ticket=ticket, seq=2).data["body"]


def test_the_confirmation_is_asked_and_then_the_text_goes(desk: Desk) -> None:
    ticket = desk.open()
    act.add_reply(actor=desk.north_user, number=ticket.number, body=SECRET, now=clock.now())
    admin = _client(desk.admin)
    url = f"/tickets/{ticket.number}/redact"
    form = {"redact-event": "2", "redact-part": "text", "redact-reason": "a pasted password"}
    answer = admin.post(url, form)
    assert answer.status_code == 422
    assert 'id="id_redact-confirm-error"' in answer.content.decode()
    assert SECRET in Event.objects.get(ticket=ticket, seq=2).data["body"]
    answer = admin.post(url, {**form, "redact-part": "attachment", "redact-confirm": "on"})
    assert answer.status_code == 422
    assert "this event added no file" in answer.content.decode()
    answer = admin.post(url, {**form, "redact-confirm": "on"})
    assert answer.status_code == 302
    assert Event.objects.get(ticket=ticket, seq=2).data["body"] == ""
    page = admin.get(f"/tickets/{ticket.number}/").content.decode()
    assert SECRET not in page and "a pasted password" in page
    assert "removed the text of entry 2 from the record" in page
    partner = _client(desk.north_user).get(f"/tickets/{ticket.number}/").content.decode()
    assert "A part of this conversation was removed." in partner
    assert "a pasted password" not in partner and SECRET not in partner
