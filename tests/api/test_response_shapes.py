"""The API's answers have declared shapes: what is sent validates against the schema the served
document names for that status, and a partner's answers come in the partner's own shapes, which
have no supplier or internal fields at all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.queries.disclosure import SUPPLIER_KEYS

# Names a partner's answer never carries: the supplier's keys of a hand-off, and what only the
# provider's staff read ("note" is a partner's word too, e.g. of a rejection; the hand-off note's
# text is checked instead).
PARTNER_NEVER = (set(SUPPLIER_KEYS) - {"note"}) | {"internal", "supplier_ola"}


@pytest.fixture
def spec(db: None) -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()  # type: ignore[no-any-return]


def _conforms(spec: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The answer validates against the schema the document gives for its status."""
    answers = spec["paths"][f"/api/v1{path}"][method]["responses"]
    assert str(response.status_code) in answers, (path, response.status_code)
    schema = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(response.json())]
    assert not errors, (path, errors)


def _names(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {n for v in value.values() for n in _names(v)}
    if isinstance(value, list):
        return {n for v in value for n in _names(v)}
    return set()


def _properties(spec: dict[str, Any], name: str, seen: set[str] | None = None) -> set[str]:
    """Every property name of a component schema and the schemas it refers to."""
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                out.update(_properties(spec, node["$ref"].rsplit("/", 1)[-1], seen))
            out.update(node.get("properties", {}))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec["components"]["schemas"][name])
    return out


def _handed_to_supplier(desk: Desk) -> str:
    ticket = desk.open(customer_account=desk.acme, subject="Backup add-on fails")
    act.add_note(actor=desk.l1, number=ticket.number, body="legacy plan, internal", now=clock.now())
    act.change_status(
        actor=desk.l1,
        number=ticket.number,
        to="on_hold",
        supplier=desk.supplier,
        supplier_ref="VEN-4711",
        note="Provisioning task fails in your module.",
        reason="handed to supplier",
        now=clock.now(),
    )
    return ticket.number


def test_the_partner_shapes_have_no_supplier_or_internal_fields(spec: dict[str, Any]) -> None:
    for name in ("PartnerTicketDetailOut", "PartnerEventOut"):
        assert not _properties(spec, name) & (PARTNER_NEVER | {"public"}), name
    # The staff's shapes are the ones that have them.
    assert "public" in _properties(spec, "EventOut")


def test_a_partner_reads_a_handed_off_ticket_without_the_supplier(
    desk: Desk, spec: dict[str, Any]
) -> None:
    number = _handed_to_supplier(desk)
    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)

    seen = partner.get(f"/tickets/{number}")
    assert seen.status_code == 200
    _conforms(spec, "/tickets/{number}", "get", seen)
    body = seen.json()
    assert not _names(body) & PARTNER_NEVER
    assert all(set(e) == {"ticket", "seq", "at", "kind", "actor", "data", "hash"}
               for e in body["events"])  # fmt: skip
    text = str(body)
    for word in ("VEN-4711", "Provisioning task", "legacy plan", desk.supplier.name):
        assert word not in text
    assert "status_changed" in {e["kind"] for e in body["events"]}  # the change, not who took it

    # The events a partner's calls answer with have the partner's shape too.
    reply = partner.post(f"/tickets/{number}/replies", {"body": "Any news?"})
    assert reply.status_code == 201
    _conforms(spec, "/tickets/{number}/replies", "post", reply)
    assert "public" not in reply.json() and not _names(reply.json()) & PARTNER_NEVER

    # The provider's staff read the hand-off in full.
    staff = agent.get(f"/tickets/{number}")
    _conforms(spec, "/tickets/{number}", "get", staff)
    handed = [e for e in staff.json()["events"] if e["data"].get("supplier_ref") == "VEN-4711"]
    assert handed and handed[0]["public"] is True


def test_ticket_answers_and_errors_conform(desk: Desk, spec: dict[str, Any]) -> None:
    agent = ApiClient(desk.l1)
    number = desk.open().number
    _conforms(spec, "/tickets", "get", agent.get("/tickets"))
    note = agent.post(f"/tickets/{number}/notes", {"body": "internal"})
    assert note.status_code == 201 and note.json()["public"] is False
    _conforms(spec, "/tickets/{number}/notes", "post", note)
    missing = agent.get("/tickets/DC-999999")
    assert missing.status_code == 404
    _conforms(spec, "/tickets/{number}", "get", missing)
    invalid = agent.post(f"/tickets/{number}/severity", {"severity": "nonsense"})
    assert invalid.status_code == 422 and "severity" in invalid.json()["fields"]
    _conforms(spec, "/tickets/{number}/severity", "post", invalid)
    anonymous = Client().get("/api/v1/tickets")
    assert anonymous.status_code == 401
    _conforms(spec, "/tickets", "get", anonymous)


def test_the_report_has_a_shape_per_section(
    desk: Desk, spec: dict[str, Any], fixed_clock: clock.FixedClock
) -> None:
    _handed_to_supplier(desk)
    desk.open(subject="Second")
    fixed_clock.advance(timedelta(hours=2))
    today = clock.now().date().isoformat()
    manager = ApiClient(desk.manager)

    by_queue = manager.get("/reports", **{"from": today, "to": today, "by": "queue"})
    assert by_queue.status_code == 200
    _conforms(spec, "/reports", "get", by_queue)
    report = by_queue.json()
    assert report["from"] == today and set(report["sections"]) >= {"volume", "suppliers"}
    volume = report["sections"]["volume"]
    assert volume and all("queue" in row and "severity" not in row for row in volume)
    # Only the rows of tickets still in progress have the in-progress count.
    assert {"in_progress" in row for row in volume} == {True, False}
    assert report["sections"]["suppliers"][0]["handoffs"] == 1

    what_if = manager.get("/reports/what-if", **{"from": today, "to": today, "profile": "itil"})
    assert what_if.status_code in (200, 422)
    _conforms(spec, "/reports/what-if", "get", what_if)

    # A partner administrator's report has no supplier section rows.
    partner = ApiClient(desk.north_admin).get("/reports", **{"from": today, "to": today})
    _conforms(spec, "/reports", "get", partner)
    assert partner.json()["sections"]["suppliers"] == []


def test_every_operation_documents_its_answers(spec: dict[str, Any]) -> None:
    """Each operation has a schema for its success and for every error status the API answers
    with, and no answer is an object of unknown shape."""
    errors = {"400", "401", "403", "404", "409", "422", "429"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            answers = operation["responses"]
            assert errors <= set(answers), (method, path)
            for status, answer in answers.items():
                if status == "204":
                    assert "content" not in answer
                    continue
                content = answer.get("content")
                assert content, (method, path, status)
                for media in content.values():
                    schema = media["schema"]
                    assert schema not in ({}, {"type": "object"}), (method, path, status)
                    assert schema.get("additionalProperties") is not True, (method, path)
            assert str(next(iter(answers))).startswith("2"), (method, path)


def test_the_partner_reads_the_note_written_for_it(desk: Desk) -> None:
    """A rejection's note and a contact attempt's note are the partner's to read; only a
    hand-off's note is the supplier's."""
    from tierdesk.actions import process

    partner, agent = ApiClient(desk.north_user), ApiClient(desk.l1)
    number = desk.open().number
    refused = agent.post(f"/tickets/{number}/reject", {"reason": "duplicate", "note": "See X."})
    assert refused.status_code < 300, refused.content
    [rejected] = [
        e for e in partner.get(f"/tickets/{number}").json()["events"] if e["kind"] == "rejected"
    ]
    assert rejected["data"]["note"] == "See X."

    other = desk.open(severity="high").number
    process.escalate_management(
        actor=desk.north_admin, number=other, reason="Shop down", now=clock.now()
    )
    agent.post(f"/tickets/{other}/contact-attempts", {"note": "Phoned: voicemail."})
    [tried] = [
        e
        for e in partner.get(f"/tickets/{other}").json()["events"]
        if e["kind"] == "contact_attempted"
    ]
    assert tried["data"]["note"] == "Phoned: voicemail."


def test_the_partner_never_reads_a_suppliers_clock_off_the_next_deadline(desk: Desk) -> None:
    from tests.suppliers.test_supplier_chain import register

    register(desk, response_target="1h", ola_target="3 business days")
    t = desk.open()
    act.add_reply(actor=desk.l1, number=t.number, body="Looking.", now=clock.now())
    act.change_status(
        actor=desk.l1, number=t.number, to="on_hold", supplier=desk.supplier, note="x",
        now=clock.now(),
    )  # fmt: skip
    partner = ApiClient(desk.north_user)
    assert partner.get("/tickets").json()["items"][0]["next_deadline"] is None
    assert partner.get(f"/tickets/{t.number}").json()["next_deadline"] is None
    assert ApiClient(desk.l1).get(f"/tickets/{t.number}").json()["next_deadline"] is not None
