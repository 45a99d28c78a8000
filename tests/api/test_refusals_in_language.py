"""A refusal in the reader's language: the domain's and the actions' messages are marked for the
catalogue (`domain/words.N_`) and worded at the edge. The API keeps its machine keys (`error`, the
field names) and its English text for a client that asks for no language; a page shows the
message next to the field in the viewer's language."""

from __future__ import annotations

import pickle

from django.test import Client
from django.utils import translation

from tests.api.test_tickets import new_ticket
from tests.conftest import ApiClient, Desk
from tierdesk import refusals
from tierdesk.domain.errors import IllegalTransition, Invalid
from tierdesk.domain.words import N_, Phrase


def test_a_phrase_is_its_english_text_and_keeps_its_values() -> None:
    text = N_("%(to)r is not a status of this desk", to="gone")
    assert text == "'gone' is not a status of this desk" and isinstance(text, Phrase)
    assert pickle.loads(pickle.dumps(text)) == text
    assert N_("is required") == "is required" and str(N_("is required")) == "is required"
    exc = IllegalTransition("new", "closed", N_("not allowed by this desk's process"))
    assert (
        exc.message
        == "a ticket cannot move from 'new' to 'closed': not allowed by this desk's process"
    )
    with translation.override("de"):
        assert refusals.message(exc) == (
            "ein Ticket kann nicht von 'new' nach 'closed' wechseln: "
            "vom Prozess dieses Desks nicht erlaubt"
        )
        assert refusals.say(text) == "'gone' ist kein Status dieses Desks"
        # Text that is no catalogue message (a profile's own words) stays as it is.
        assert refusals.fields(Invalid("x", fields={"a": "Mein eigener Text"})) == {
            "a": "Mein eigener Text"
        }


def test_the_api_answers_in_the_language_asked_and_english_without_one(desk: Desk) -> None:
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = new_ticket(partner)["number"]
    english = agent.post(f"/tickets/{number}/status", {"status": "closed"}).json()
    assert english["message"].startswith("a ticket cannot move from 'new' to 'closed'")
    german = agent.client.post(
        f"/api/v1/tickets/{number}/status",
        '{"status": "closed"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="de",
    ).json()
    assert german["error"] == english["error"] == "illegal_transition"
    assert set(german["fields"]) == set(english["fields"]) == {"status"}
    assert german["message"].startswith("ein Ticket kann nicht von 'new' nach 'closed' wechseln")

    french = partner.client.post(
        "/api/v1/tickets",
        '{"subject": "Panel down", "severity": "SEV9"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert french.status_code == 422
    body = french.json()
    assert body["message"] == "le ticket n'est pas complet"
    assert "'SEV9' n'est pas une gravité de ce support" in body["fields"]["severity"]


def test_a_page_shows_the_refusal_next_to_the_field_in_german(desk: Desk) -> None:
    number = new_ticket(ApiClient(desk.north_user))["number"]
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.cookies["django_language"] = "de"
    client.force_login(desk.l1)
    response = client.post(f"/tickets/{number}/escalate", {"escalate-reason": ""})
    page = response.content.decode()
    assert response.status_code == 422, response.status_code
    assert "erforderlich, wenn kein Ziel verletzt ist" in page
    assert "required when no target is breached" not in page


def test_supplier_registry_and_redaction_refusals_come_back_in_german(desk: Desk) -> None:
    admin = ApiClient(desk.admin).client
    german = {"content_type": "application/json", "HTTP_ACCEPT_LANGUAGE": "de"}
    terms = admin.patch(
        f"/api/v1/admin/suppliers/{desk.supplier.slug}/terms",
        '{"method": "email", "contact": "support@vendor.example", "time_zone": "Mars/Olympus",'
        ' "hours": "mon-fri 08:00-18:00", "severity_scale": ["S1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]}',
        **german,
    )
    assert terms.status_code == 422, terms.content
    body = terms.json()
    assert body["message"] == "die Supportbedingungen können so nicht gespeichert werden"
    assert (
        body["fields"]["time_zone"] == "'Mars/Olympus' ist keine IANA-Zeitzone wie 'Europe/Berlin'"
    )
    assert body["fields"]["severity_scale"] == "höchstens 20 Bezeichnungen mit 1 bis 60 Zeichen"

    number = new_ticket(ApiClient(desk.north_user))["number"]
    refused = admin.post(
        f"/api/v1/tickets/{number}/events/1/redaction", '{"part": "text", "reason": ""}', **german
    )
    assert refused.status_code == 422, refused.content
    assert refused.json()["message"] == "die Entfernung wird abgelehnt"
    assert refused.json()["fields"] == {"reason": "sagen Sie, warum der Inhalt entfernt wird"}
    missing = admin.post(
        f"/api/v1/tickets/{number}/events/99/redaction", '{"part": "text", "reason": "r"}', **german
    )
    assert missing.status_code == 404, missing.content
    assert missing.json()["message"] == f"kein Ereignis 99 im Ticket {number}"
    assert missing.json()["fields"] == {"event": "kein solches Ereignis"}
