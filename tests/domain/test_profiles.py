"""Profiles load into typed values, and a broken one reports every error with its key path."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import ProfileError
from tierdesk.profiles import BUILTIN, builtin_names, load


def test_every_shipped_profile_loads() -> None:
    assert "demo" in builtin_names()
    for name in builtin_names():
        profile = load(name)
        assert profile.name == name
        assert profile.initial_status in profile.statuses


def test_ticket_numbers_use_the_prefix() -> None:
    assert load("demo").format_number(123) == "DC-000123"


def broken() -> dict:  # type: ignore[type-arg]
    data = tomllib.loads((BUILTIN / "demo.toml").read_text())
    data["provider"]["ticket_prefix"] = "dc-1"
    data["levels"]["l1"]["escalates_to"] = ["l2", "l9"]
    data["statuses"]["open"]["category"] = "busy"
    data["statuses"]["pending"]["requester_to"] = ["closed"]
    data["tickets"]["default_severity"] = "critical"
    data["languages"]["accepted"] = ["German"]
    data["form"]["fields"]["account"]["required"] = "yes"
    data["colour"] = "blue"
    return data


def test_every_error_is_reported_with_its_key_path() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(broken(), source="broken.toml", digest="x")
    problems = "\n".join(caught.value.problems)
    for expected in (
        "provider.ticket_prefix: 'dc-1' is not 1 to 8 upper-case letters",
        "levels.l1.escalates_to: 'l9' is not a level defined under levels",
        "statuses.open.category: 'busy' is not one of",
        "statuses.pending.requester_to: 'closed' is not also listed in to",
        "tickets.default_severity: 'critical' is not a severity defined under severities",
        "languages.accepted: 'German' is not a language code",
        "form.fields.account.required: 'yes' is not true or false",
        "colour: is not a known key",
    ):
        assert expected in problems
    assert len(caught.value.problems) == 8


def test_missing_sections_are_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"profile": {"name": "x", "version": "1"}}, source="x", digest="x")
    problems = caught.value.problems
    assert "provider: is missing; expected a table" in problems
    assert "severities: is missing; expected a table" in problems
