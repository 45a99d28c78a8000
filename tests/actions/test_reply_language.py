"""LuxCloud 2.5: "all replies will be in English". The desk's public reply in another language
is held back with a warning naming the field; the agent may send it anyway."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions import process
from tierdesk.actions import tickets as act
from tierdesk.domain.language import OffReplyLanguage
from tierdesk.persistence.models import Event

GERMAN = (
    "Guten Tag, wir haben das Postfach neu gestartet und die Quote wieder auf fünfzig Gigabyte "
    "gesetzt. Bitte prüfen Sie, ob der Versand jetzt wieder funktioniert."
)
ENGLISH = (
    "Hello, we restarted the mailbox and set the quota back to fifty gigabytes. Please check "
    "whether sending works again now."
)


def replies(number: str) -> int:
    return Event.objects.filter(ticket__number=number, kind="reply").count()


def test_an_agent_reply_not_in_the_reply_language_is_held_back(desk: Desk) -> None:
    t = desk.open()
    with pytest.raises(OffReplyLanguage) as caught:
        act.add_reply(actor=desk.l1, number=t.number, body=GERMAN, now=clock.now())
    assert set(caught.value.fields) == {"body", "any_language"}
    assert "'de'" in caught.value.fields["body"] and "'en'" in caught.value.fields["body"]
    assert replies(t.number) == 0
    t.refresh_from_db()
    assert t.status == "new"  # a refused reply changes nothing, not even New -> Open
    act.add_reply(actor=desk.l1, number=t.number, body=ENGLISH, now=clock.now())
    act.add_reply(actor=desk.l1, number=t.number, body=GERMAN, now=clock.now(), any_language=True)
    assert replies(t.number) == 2
    # The rule is the desk's: a partner writes in whatever language it likes.
    act.add_reply(actor=desk.north_user, number=t.number, body=GERMAN, now=clock.now())
    assert replies(t.number) == 3
    # A short or technical reply is not judged.
    act.add_reply(actor=desk.l1, number=t.number, body="Danke!", now=clock.now())


def test_a_solution_is_a_reply_too(desk: Desk) -> None:
    t = desk.open()
    with pytest.raises(OffReplyLanguage) as caught:
        process.resolve(actor=desk.l1, number=t.number, solution=GERMAN, now=clock.now())
    assert set(caught.value.fields) == {"solution", "any_language"}
    process.resolve(
        actor=desk.l1, number=t.number, solution=GERMAN, now=clock.now(), any_language=True
    )


def test_the_api_answers_422_naming_the_field_unless_told_to_send_anyway(desk: Desk) -> None:
    t = desk.open()
    api = ApiClient(desk.l1)
    response = api.post(f"/tickets/{t.number}/replies", {"body": GERMAN})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid" and set(body["fields"]) == {"body", "any_language"}
    assert replies(t.number) == 0
    response = api.post(f"/tickets/{t.number}/replies", {"body": GERMAN, "any_language": True})
    assert response.status_code == 201
    response = api.post(f"/tickets/{t.number}/resolve", {"solution": GERMAN})
    assert response.status_code == 422 and "solution" in response.json()["fields"]


@pytest.mark.parametrize(
    ("language", "warning", "choice"),
    [
        ("en", "This reads as German; this desk replies in English.", "Send it anyway"),
        ("de", "Das liest sich wie Deutsch; dieser Desk antwortet auf Englisch.", "Trotzdem"),
    ],
)
def test_the_composer_warns_next_to_the_text_and_offers_to_send_anyway(
    desk: Desk, language: str, warning: str, choice: str
) -> None:
    t = desk.open()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(desk.l1)
    url = f"/tickets/{t.number}/reply"
    page = client.post(url, {"reply-body": GERMAN, "reply-then": ""})
    assert page.status_code == 422
    html = page.content.decode()
    assert warning in html and choice in html and 'name="reply-any_language"' in html
    assert GERMAN.split(",")[0] in html  # what was typed is kept
    assert replies(t.number) == 0
    sent = client.post(url, {"reply-body": GERMAN, "reply-then": "", "reply-any_language": "on"})
    assert sent.status_code == 302 and replies(t.number) == 1
