"""Canned replies end to end: kept through the actions with the change log, managed on the page
with errors next to their fields, offered in the composer filled for the ticket in its language,
and through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import macros as act
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.persistence.models import AdminChange, CannedReply
from tierdesk.queries import macros as q

TEXTS = {
    "en": "Dear {{requester.name}}, {{ticket.number}} ({{ticket.severity}}) for {{partner.name}}:"
    " we answer by {{due.response}}.",
    "de": "Hallo {{requester.name}}, {{ticket.number}} wird bis {{due.resolution}} gelöst.",
}


def _shared(desk: Desk, **kw: object) -> CannedReply:
    return act.create(
        actor=desk.manager, now=clock.now(), title=str(kw.get("title", "Looking into it")),
        texts=kw.get("texts", TEXTS), suggests=str(kw.get("suggests", "waiting")),  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_manager_adds_a_shared_reply_and_the_log_keeps_it(desk: Desk) -> None:
    reply = _shared(desk)
    assert reply.owner is None and q.texts(reply) == TEXTS
    change = AdminChange.objects.get(object_kind="canned_reply", verb="create")
    assert change.actor == desk.manager and change.after["texts"]["de"] == TEXTS["de"]
    act.edit(actor=desk.admin, reply=reply, now=clock.now(), changes={"title": "On it"})
    act.set_active(actor=desk.admin, reply=reply, now=clock.now(), active=False)
    verbs = list(
        AdminChange.objects.filter(object_kind="canned_reply")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["create", "edit", "deactivate"]
    assert not q.usable(desk.l1).exists()


def test_an_agent_keeps_only_personal_replies(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        act.create(actor=desk.l1, now=clock.now(), title="Mine", texts={"en": "x"})
    mine = act.create(
        actor=desk.l1, now=clock.now(), title="Mine", texts={"en": "x"}, personal=True
    )
    shared = _shared(desk)
    with pytest.raises(Forbidden):
        act.edit(actor=desk.l1, reply=shared, now=clock.now(), changes={"title": "Hijacked"})
    with pytest.raises(NotFound):  # another agent's personal reply is not even known
        act.edit(actor=desk.l2, reply=mine, now=clock.now(), changes={"title": "x"})
    assert {r.title for r in q.usable(desk.l1)} == {"Mine", "Looking into it"}
    assert {r.title for r in q.usable(desk.l2)} == {"Looking into it"}
    assert not q.usable(desk.north_user).exists()


def test_an_unknown_placeholder_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    with pytest.raises(Invalid) as refused:
        act.create(
            actor=desk.manager, now=clock.now(), title="Bad", texts={"en": "Hi {{requester.phone}}"}
        )
    assert "{{requester.phone}}" in refused.value.fields["texts.en"]
    assert not CannedReply.objects.exists() and not AdminChange.objects.exists()


def test_filled_for_the_ticket_in_its_language_with_the_zone_named(desk: Desk) -> None:
    _shared(desk)
    english = desk.open(subject="Panel down", severity="high")
    [picked] = q.for_ticket(desk.l1, english)
    assert picked["language"] == "en"
    assert picked["body"].startswith(f"Dear ned, {english.number} (High) for Northwind:")
    assert "we answer by Tue 10 Mar 11:00 CET." in picked["body"]  # 10:00 CET + 1h, zone named
    german = desk.open(subject="Panel kaputt", severity="high", language="de")
    [picked] = q.for_ticket(desk.l1, german)
    # No guaranteed time for this language (the demo profile): the due time is left empty.
    assert picked["language"] == "de" and picked["body"].endswith("wird bis  gelöst.")
    # Day and month names in the text's language.
    assert q.values(desk.l1, english, "de")["due.resolution"] == "Mi 11 Mär 10:00 CET"


def test_the_page_lists_creates_and_shows_errors_next_to_fields(desk: Desk) -> None:
    client = Client()
    client.force_login(desk.manager)
    refused = client.post(
        "/desk/replies/new/",
        {"title": "", "suggests": "", "text_en": "Hi {{ticket.nmber}}", "text_de": ""},
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'id="id_title-error"' in page and 'id="id_text_en-error"' in page
    assert "{{ticket.nmber}}" in page and "Hi {{ticket.nmber}}" in page  # kept as typed
    made = client.post(
        "/desk/replies/new/",
        {"title": "Fixed", "suggests": "resolved", "text_en": "Fixed: {{ticket.number}}"},
    )
    assert made.status_code == 302
    reply = CannedReply.objects.get()
    assert reply.suggests == "resolved" and reply.owner is None
    listing = client.get("/desk/replies/").content.decode()
    assert "Fixed" in listing and "Send and resolve" in listing
    client.post(f"/desk/replies/{reply.pk}/state", {"active": "0"})
    reply.refresh_from_db()
    assert not reply.is_active


def test_agents_see_shared_read_only_and_partners_not_at_all(desk: Desk) -> None:
    reply = _shared(desk)
    agent = Client()
    agent.force_login(desk.l1)
    page = agent.get(f"/desk/replies/{reply.pk}/").content.decode()
    assert "Managers and administrators change the shared canned replies." in page
    assert agent.post(f"/desk/replies/{reply.pk}/", {"title": "x"}).status_code == 403
    assert agent.post(f"/desk/replies/{reply.pk}/state", {"active": "0"}).status_code == 403
    made = agent.post("/desk/replies/new/", {"title": "Mine", "text_en": "x"})
    assert made.status_code == 302 and CannedReply.objects.get(title="Mine").owner == desk.l1
    partner = Client()
    partner.force_login(desk.north_user)
    assert partner.get("/desk/replies/").status_code == 404
    assert partner.get(f"/desk/replies/{reply.pk}/").status_code == 404


def test_the_composer_offers_the_replies_filled_in(desk: Desk) -> None:
    _shared(desk)
    ticket = desk.open(subject="Panel down", severity="high")
    client = Client()
    client.force_login(desk.l1)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="macro-pick"' in page and "Looking into it" in page
    assert f"Dear ned, {ticket.number} (High)" in page  # the JSON the picker fills from
    reply = CannedReply.objects.get()
    # Without the script: Insert asks for the page again, the reply filled and the hint shown.
    filled = client.get(f"/tickets/{ticket.number}/?macro={reply.pk}").content.decode()
    assert (
        f"Dear ned, {ticket.number} (High) for Northwind" in filled.split('id="id_reply-body"')[1]
    )
    assert "This reply suggests: Send and set" in filled
    partner = Client()
    partner.force_login(desk.north_user)
    assert "macro-pick" not in partner.get(f"/tickets/{ticket.number}/").content.decode()


def test_the_api_lists_for_agents_and_changes_for_managers(desk: Desk, as_user) -> None:  # type: ignore[no-untyped-def]
    manager, agent, partner = as_user(desk.manager), as_user(desk.l1), as_user(desk.north_user)
    created = manager.post(
        "/canned-replies", {"title": "Hello", "texts": TEXTS, "suggests": "waiting"}
    )
    assert created.status_code == 201, created.content
    reply_id = created.json()["id"]
    bad = manager.post("/canned-replies", {"title": "Bad", "texts": {"en": "{{nope}}"}})
    assert bad.status_code == 422 and "{{nope}}" in bad.json()["fields"]["texts.en"]
    ticket = desk.open(subject="Panel down", severity="high")
    listed = agent.get("/canned-replies", ticket=ticket.number).json()
    assert listed[0]["filled"].startswith(f"Dear ned, {ticket.number}")
    assert agent.post(f"/canned-replies/{reply_id}/deactivate").status_code == 403
    patched = manager.client.patch(
        f"/api/v1/canned-replies/{reply_id}", '{"title": "Hi"}', content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["title"] == "Hi"
    assert manager.post(f"/canned-replies/{reply_id}/deactivate").json()["active"] is False
    assert agent.get("/canned-replies").json() == []
    assert partner.get("/canned-replies").status_code == 404


def test_the_page_refuses_in_the_viewers_language(desk: Desk) -> None:
    client = Client()
    client.force_login(desk.manager)
    client.cookies["django_language"] = "de"
    page = client.post(
        "/desk/replies/new/", {"title": "x", "text_en": "Hallo {{kunde}}", "text_de": "{{ticket"}
    ).content.decode()
    assert "Unbekannter Platzhalter {{kunde}}" in page
    assert "wird nicht mit" in page and "unknown placeholder" not in page
    empty = client.post("/desk/replies/new/", {"title": "x"}).content.decode()
    assert "Schreiben Sie den Text in mindestens einer Sprache." in empty
    assert not CannedReply.objects.exists()
