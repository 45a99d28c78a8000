"""Contact attempts on a management escalation step: recorded by the desk, on the page, the API
and the timeline; refused before there is a step to contact."""

from __future__ import annotations

import tomllib

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions import process
from tierdesk.domain.errors import Conflict, Forbidden
from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import ProfileError
from tierdesk.persistence.models import Event
from tierdesk.profiles import BUILTIN


def test_the_desk_records_tries_on_the_step_the_ticket_is_escalated_to(desk: Desk) -> None:
    t = desk.open(severity="high")
    with pytest.raises(Conflict) as caught:
        process.record_contact_attempt(actor=desk.l1, number=t.number, note="", now=clock.now())
    assert "note" in caught.value.fields
    process.escalate_management(
        actor=desk.north_admin, number=t.number, reason="Shop down", now=clock.now()
    )
    with pytest.raises(Forbidden):
        process.record_contact_attempt(
            actor=desk.north_user, number=t.number, note="", now=clock.now()
        )
    api = ApiClient(desk.l1)
    response = api.post(f"/tickets/{t.number}/contact-attempts", {"note": "Phoned: voicemail."})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "contact_attempted"
    tried = Event.objects.get(ticket=t, kind="contact_attempted").data
    assert (tried["step"], tried["attempt"], tried["note"]) == (1, 1, "Phoned: voicemail.")

    for language, words in (("en", "tried to reach"), ("de", "hat versucht,")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(desk.l1)
        page = client.get(f"/tickets/{t.number}/").content.decode()
        assert words in page and "Phoned: voicemail." in page
        assert 'action="/tickets/' + t.number + '/contact"' in page
    client = Client()
    client.force_login(desk.l1)
    sent = client.post(f"/tickets/{t.number}/contact", {"contact-note": "Mailed again."})
    assert sent.status_code == 302
    assert Event.objects.filter(ticket=t, kind="contact_attempted").count() == 2


def test_attempts_in_a_profile_are_checked() -> None:
    data = tomllib.loads((BUILTIN / "zynstra.toml").read_text())
    data["escalation"]["matrix"][0]["attempts"] = 2
    data["escalation"]["matrix"][1]["attempts"] = "twice"
    data["escalation"]["matrix"][2]["attempts_over"] = "1 working day"
    del data["escalation"]["matrix"][2]["attempts"]
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="zynstra.toml", digest="x")
    problems = "\n".join(caught.value.problems)
    assert "escalation.matrix[1].attempts: the first step has no previous step" in problems
    assert "escalation.matrix[2].attempts: 'twice' is not a count" in problems
    assert "escalation.matrix[3].attempts_over: needs attempts" in problems
