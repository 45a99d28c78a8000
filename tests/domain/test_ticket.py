"""Ticket decisions against the demo profile: validation, the state machine, and the fold."""

from __future__ import annotations

import pytest

from tierdesk.domain import ticket as decide
from tierdesk.domain.errors import Conflict, Forbidden, IllegalTransition, Invalid
from tierdesk.domain.parties import Party
from tierdesk.profiles import load

PROFILE = load("demo")
FORM = {f.key: "filled in" for f in PROFILE.form}


def opened(**kw: object) -> decide.TicketState:
    draft = decide.Draft(
        **{"subject": "Panel down", "description": "", "channel": "portal", "form": FORM, **kw}
    )  # type: ignore[arg-type]
    state, _ = decide.open_ticket(PROFILE, draft, party=Party.REQUESTER)
    return state


def test_open_uses_the_profile_defaults() -> None:
    state = opened()
    assert (state.status, state.severity, state.queue, state.level, state.language) == (
        "new",
        "normal",
        "technical",
        "l1",
        "en",
    )


def test_severity_aliases_resolve_to_the_key() -> None:
    assert opened(severity="P1").severity == "high"
    assert opened(severity="Urgent").severity == "high"
    assert opened(severity="low").severity == "low"


def test_every_problem_of_a_draft_is_reported_at_once() -> None:
    draft = decide.Draft(
        subject=" ",
        description="",
        channel="fax",
        severity="SEV9",
        queue="nope",
        language="ja",
        form={"account": "x", "colour": "blue"},
    )
    with pytest.raises(Invalid) as caught:
        decide.open_ticket(PROFILE, draft, party=Party.REQUESTER)
    fields = caught.value.fields
    assert fields["subject"] == "is required"
    assert "SEV9" in fields["severity"] and "high" in fields["severity"]
    assert "fax" in fields["channel"]
    assert "nope" in fields["queue"]
    assert "ja" in fields["language"]
    assert fields["form.colour"] == "is not a field of this desk's ticket form"
    assert "form.account" not in fields


def test_only_agents_log_phone_tickets() -> None:
    with pytest.raises(Invalid) as caught:
        opened(channel="phone")
    assert "agents" in caught.value.fields["channel"]
    draft = decide.Draft(subject="Called in", description="", channel="phone", form=FORM)
    state, _ = decide.open_ticket(PROFILE, draft, party=Party.PROVIDER)
    assert state.channel == "phone"


def test_illegal_move_names_both_states() -> None:
    state = opened()
    with pytest.raises(IllegalTransition) as caught:
        decide.change_status(state, PROFILE, to="closed", party=Party.PROVIDER)
    assert "'new'" in caught.value.message and "'closed'" in caught.value.message


def test_requester_may_only_make_the_moves_the_profile_grants() -> None:
    state = decide.apply(opened(), "status_changed", {"to": "open"})
    with pytest.raises(IllegalTransition, match="only the provider"):
        decide.change_status(state, PROFILE, to="pending", party=Party.REQUESTER)
    change = decide.change_status(
        state, PROFILE, to="resolved", party=Party.REQUESTER, reason="requester_confirmed"
    )
    assert change.data == {"from": "open", "to": "resolved", "reason": "requester_confirmed"}


def test_unknown_status_is_invalid_not_illegal() -> None:
    with pytest.raises(Invalid) as caught:
        decide.change_status(opened(), PROFILE, to="archived", party=Party.PROVIDER)
    assert "new" in caught.value.fields["status"]


def test_partners_cannot_note_assign_or_move_levels() -> None:
    state = opened()
    with pytest.raises(Forbidden):
        decide.note(state, body="x", party=Party.REQUESTER)
    with pytest.raises(Forbidden):
        decide.assign(state, assignee="3", party=Party.REQUESTER)
    with pytest.raises(Forbidden):
        decide.change_level(state, PROFILE, to="l2", party=Party.REQUESTER, note="x")
    with pytest.raises(Forbidden):
        decide.change_severity(state, PROFILE, to="high", party=Party.REQUESTER)


def test_level_moves_follow_the_profile_and_need_a_hand_off_note() -> None:
    state = opened()
    with pytest.raises(Invalid) as caught:
        decide.change_level(state, PROFILE, to="l2", party=Party.PROVIDER, note="  ")
    assert "note" in caught.value.fields
    with pytest.raises(Conflict) as refused:
        decide.change_level(state, PROFILE, to="l3", party=Party.PROVIDER, note="vendor bug")
    assert "l2" in refused.value.fields["level"]
    change = decide.change_level(state, PROFILE, to="l2", party=Party.PROVIDER, note="reproduced")
    assert decide.apply(state, change.kind, change.data).level == "l2"


def test_closed_tickets_take_no_replies() -> None:
    state = decide.apply(opened(), "status_changed", {"to": "closed"})
    with pytest.raises(Conflict):
        decide.reply(state, PROFILE, body="thanks!", party=Party.REQUESTER)


def test_replaying_the_changes_reproduces_the_state() -> None:
    draft = decide.Draft(subject="Panel down", description="", channel="portal", form=FORM)
    state, created = decide.open_ticket(PROFILE, draft, party=Party.REQUESTER)
    changes = [created]
    for make in (
        lambda s: decide.change_status(s, PROFILE, to="open", party=Party.PROVIDER),
        lambda s: decide.change_severity(s, PROFILE, to="high", party=Party.PROVIDER),
        lambda s: decide.assign(s, assignee="4", party=Party.PROVIDER),
        lambda s: decide.change_level(s, PROFILE, to="l2", party=Party.PROVIDER, note="outage"),
        lambda s: decide.reply(s, PROFILE, body="on it", party=Party.PROVIDER),
        lambda s: decide.change_status(s, PROFILE, to="resolved", party=Party.PROVIDER),
    ):
        change = make(state)
        changes.append(change)
        state = decide.apply(state, change.kind, change.data)
    replayed = None
    for change in changes:
        replayed = decide.apply(replayed, change.kind, change.data)
    assert replayed == state
    assert (state.status, state.severity, state.assignee, state.level) == (
        "resolved",
        "high",
        "4",
        "l2",
    )


def test_required_form_fields_bind_where_a_form_is_filled_in() -> None:
    with pytest.raises(Invalid) as caught:
        decide.open_ticket(
            PROFILE,
            decide.Draft("Panel down", "", "portal", form={"account": "x"}),
            party=Party.REQUESTER,
        )
    assert caught.value.fields["form.subscription"] == "Subscription is required"
    state, _ = decide.open_ticket(
        PROFILE, decide.Draft("Panel down", "It fails", "email"), party=Party.REQUESTER
    )
    assert state.channel == "email"
