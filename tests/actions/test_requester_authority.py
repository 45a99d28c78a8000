"""Zynstra, First Level Support: "Identify the user reporting the perceived fault or making the
administration request and validate their authority to do so". An end-customer account lists who
may raise requests for it; a ticket from anyone else is flagged for the desk to validate (or
rejected with no_authority where the profile says), and every check is recorded."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions import process
from tierdesk.actions.organisations import edit_organisation
from tierdesk.domain.errors import Invalid
from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import ProfileError
from tierdesk.domain.requester_authority import is_authorised, normalise
from tierdesk.persistence.models import Event, Organisation, Ticket
from tierdesk.profiles import BUILTIN, load
from tierdesk.queries.tickets import authority_awaiting

ZYN = load("zynstra")
REPORT = {"reporter": "Josh Bennett", "symptoms": "Cannot add a user"}


def listed(desk: Desk, *entries: str) -> Organisation:
    edit_organisation(
        actor=desk.admin,
        organisation=desk.acme,
        now=clock.now(),
        changes={"authorised_requesters": list(entries)},
    )
    desk.acme.refresh_from_db()
    return desk.acme


def open_for_acme(desk: Desk, profile=ZYN, who=None) -> Ticket:  # type: ignore[no-untyped-def]
    return desk.open(who, profile=profile, customer_account=desk.acme, form=REPORT)


def checks(ticket: Ticket) -> list[tuple[object, ...]]:
    rows = Event.objects.filter(ticket=ticket, kind="authority_checked").order_by("seq")
    return [(e.actor_id, e.public, e.data["authorised"], e.data["by"]) for e in rows]


def test_the_rule_lists_addresses_and_whole_domains() -> None:
    assert normalise([" Ned@Example.com ", "@acme.example", "", "ned@example.com"]) == (
        ["ned@example.com", "@acme.example"],
        None,
    )
    assert normalise(["ned"])[1] == "'ned' is not an e-mail address or an @domain"
    assert is_authorised(["@acme.example"], "Boss@ACME.example")
    assert not is_authorised(["@acme.example"], "boss@evil-acme.example")
    assert not is_authorised(["ned@example.com"], "")
    assert is_authorised([], "anyone@anywhere.example")  # no list: nobody is checked


def test_a_listed_requester_is_recorded_as_checked_and_not_flagged(desk: Desk) -> None:
    listed(desk, "ned@example.com")
    t = open_for_acme(desk)
    assert checks(t) == [(None, False, True, "rule")]
    assert authority_awaiting(t) is None


def test_an_unlisted_requester_is_flagged_and_the_desk_validates(desk: Desk) -> None:
    listed(desk, "@acme.example", "nora@example.com")
    t = open_for_acme(desk)  # ned@example.com is not on the list
    assert checks(t) == [(None, False, False, "rule")]
    flag = authority_awaiting(t)
    assert flag is not None and flag["requester"] == "ned@example.com"
    assert flag["account_name"] == "Acme"
    # The partner never sees the check.
    api = ApiClient(desk.north_user)
    kinds = [e["kind"] for e in api.get(f"/tickets/{t.number}").json()["events"]]
    assert "authority_checked" not in kinds
    # A partner cannot validate itself.
    assert api.post(f"/tickets/{t.number}/authority", {"authorised": True}).status_code == 403
    answer = ApiClient(desk.l1).post(
        f"/tickets/{t.number}/authority", {"authorised": True, "note": "Called Acme's owner."}
    )
    assert answer.status_code == 201, answer.content
    assert checks(t)[-1] == (desk.l1.pk, False, True, "desk")
    assert authority_awaiting(t) is None
    t.refresh_from_db()
    assert t.status == "new"  # like a note, validating is not yet work on the issue


def test_no_authority_rejects_the_ticket_and_needs_a_reason(desk: Desk) -> None:
    listed(desk, "nora@example.com")
    t = open_for_acme(desk)
    with pytest.raises(Invalid) as refused:
        process.validate_authority(
            actor=desk.l1, number=t.number, authorised=False, now=clock.now()
        )
    assert refused.value.fields == {"note": "is required when the requester has no authority"}
    assert checks(t) == [(None, False, False, "rule")]  # a refused request changes nothing
    process.validate_authority(
        actor=desk.l1, number=t.number, authorised=False, note="Not an Acme employee.",
        now=clock.now(),
    )  # fmt: skip
    t.refresh_from_db()
    assert t.status == "closed"
    rejected = Event.objects.get(ticket=t, kind="rejected")
    assert rejected.public and rejected.data["reason"] == "no_authority"


def test_a_profile_that_rejects_closes_the_ticket_at_once(desk: Desk) -> None:
    listed(desk, "nora@example.com")
    strict = dataclasses.replace(ZYN, requester_authority="reject")
    t = open_for_acme(desk, strict)
    t.refresh_from_db()
    assert t.status == "closed"
    assert Event.objects.get(ticket=t, kind="rejected").data["reason"] == "no_authority"
    assert open_for_acme(desk, strict, desk.north_admin).status != "closed"  # nora is listed


def test_no_list_or_no_rule_checks_nobody(desk: Desk) -> None:
    assert checks(open_for_acme(desk)) == []  # the account lists nobody
    listed(desk, "nora@example.com")
    assert checks(desk.open(customer_account=desk.acme)) == []  # the demo profile does not ask


def test_the_profile_key_is_checked_with_its_path() -> None:
    data = tomllib.loads((BUILTIN / "zynstra.toml").read_text())
    data["tickets"]["requester_authority"] = "maybe"
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="z.toml", digest="x")
    assert (
        "tickets.requester_authority: 'maybe' is not one of flag, reject" in caught.value.problems
    )
    data["tickets"]["requester_authority"] = "reject"
    del data["invalid_reasons"]["no_authority"]
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="z.toml", digest="x")
    assert any("needs the invalid reason 'no_authority'" in p for p in caught.value.problems)


def test_the_list_is_kept_by_administration_with_errors_naming_the_field(desk: Desk) -> None:
    api = ApiClient(desk.admin)
    bad = api.client.patch(
        f"/api/v1/admin/accounts/{desk.acme.slug}",
        '{"authorised_requesters": ["boss@acme.example", "not an address"]}',
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "authorised_requesters" in bad.json()["fields"]
    desk.acme.refresh_from_db()
    assert desk.acme.authorised_requesters == []  # nothing stored
    good = api.client.patch(
        f"/api/v1/admin/accounts/{desk.acme.slug}",
        '{"authorised_requesters": ["Boss@Acme.example"]}',
        content_type="application/json",
    )
    assert good.status_code == 200, good.content
    assert good.json()["organisation"]["authorised_requesters"] == ["boss@acme.example"]
    # A partner's own organisation has no such list.
    other = api.client.patch(
        f"/api/v1/admin/organisations/{desk.north.slug}",
        '{"authorised_requesters": ["a@b.example"]}',
        content_type="application/json",
    )
    assert other.status_code == 422


def test_the_ticket_page_offers_the_validation_and_shows_errors_by_the_field(
    desk: Desk,
) -> None:
    listed(desk, "nora@example.com")
    t = open_for_acme(desk)
    client = Client()
    client.force_login(desk.l1)
    page = client.get(f"/tickets/{t.number}/").content.decode()
    assert "Validate the requester" in page and "ned@example.com is not on the list" in page
    refused = client.post(
        f"/tickets/{t.number}/authority", {"authority-authorised": "no", "authority-note": ""}
    )
    assert refused.status_code == 422
    assert "is required when the requester has no authority" in refused.content.decode()
    partner = Client()
    partner.force_login(desk.north_user)
    assert "Validate the requester" not in partner.get(f"/tickets/{t.number}/").content.decode()


def test_only_a_waiting_flag_can_be_validated(desk: Desk) -> None:
    listed(desk, "ned@example.com")
    checked_ok = open_for_acme(desk)  # the rule found ned authorised: nothing waits
    unlisted = desk.open(profile=ZYN, form=REPORT)  # no account: nobody was checked
    api = ApiClient(desk.l1)
    for t in (checked_ok, unlisted):
        refused = api.post(f"/tickets/{t.number}/authority", {"authorised": False, "note": "x"})
        assert refused.status_code == 409, refused.content
        t.refresh_from_db()
        assert t.status == "new"
        assert not Event.objects.filter(ticket=t, kind="rejected").exists()
    client = Client()
    client.force_login(desk.l1)
    posted = client.post(
        f"/tickets/{checked_ok.number}/authority",
        {"authority-authorised": "no", "authority-note": "x"},
    )
    assert posted.status_code == 404
    # Once validated, the flag is gone: a second validation is refused too.
    listed(desk, "nora@example.com")
    flagged = open_for_acme(desk)
    assert api.post(f"/tickets/{flagged.number}/authority", {"authorised": True}).status_code == 201
    again = api.post(f"/tickets/{flagged.number}/authority", {"authorised": False, "note": "x"})
    assert again.status_code == 409
