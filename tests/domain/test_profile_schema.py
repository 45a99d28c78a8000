"""The profile's declared shape: every problem at once, each under its full key path."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profile_schema import key_path, shape_problems
from tierdesk.domain.profiles import ProfileError
from tierdesk.profiles import BUILTIN


def demo() -> dict[str, Any]:
    return tomllib.loads((BUILTIN / "demo.toml").read_text())


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="x.toml", digest="x")
    return caught.value.problems


def test_every_shipped_profile_has_the_declared_shape() -> None:
    for path in sorted(BUILTIN.glob("*.toml")):
        assert shape_problems(tomllib.loads(path.read_text())) == [], path.name


def test_an_unknown_key_deep_inside_a_table_names_its_full_path() -> None:
    data = demo()
    target = next(iter(data["severities"]["high"]["targets"]))
    data["severities"]["high"]["targets"][target]["within_hours"] = 4
    data["escalation"] = {"matrix": [{"role": "Lead"}, {"role": "Head", "email": "x@y.z"}]}
    problems = problems_of(data)
    assert (
        f"severities.high.targets.{target}.within_hours: is not a known key; expected one of "
        "within, kind, label, calendar, starts, stops_on, warn_at, source, levels"
    ) in problems
    assert any(p.startswith("escalation.matrix[2].email: is not a known key") for p in problems)
    assert len(problems) == 2, problems


def test_a_wrong_type_names_its_path_and_the_value() -> None:
    data = demo()
    data["provider"]["number_digits"] = "six"
    data["languages"]["accepted_guaranteed"] = 1
    data["calendars"]["desk"]["hours"]["mon-fri"] = "08:00-17:00"
    problems = problems_of(data)
    assert "provider.number_digits: 'six' is not a whole number from 3 to 12" in problems
    assert "languages.accepted_guaranteed: 1 is not true or false" in problems
    assert any(
        p.startswith("calendars.desk.hours.mon-fri: '08:00-17:00' is not a table of days")
        or p.startswith("calendars.desk.hours.mon-fri: '08:00-17:00' is not a list")
        for p in problems
    ), problems


def test_several_problems_are_reported_at_once_each_once() -> None:
    data = demo()
    data["provider"]["number_digits"] = 2
    data["queues"]["spare"] = "Spare"
    data["severities"]["high"]["examples"] = ["Site down", 7]
    del data["statuses"]["open"]["label"]
    data["colour"] = "blue"
    problems = problems_of(data)
    for expected in (
        "provider.number_digits: 2 is not a whole number from 3 to 12",
        "queues.spare: 'Spare' is not a table",
        "severities.high.examples: ['Site down', 7] is not a list of text",
        "statuses.open.label: is missing; expected text",
        "colour: is not a known key",
    ):
        assert any(p.startswith(expected) for p in problems), (expected, problems)
    assert len(problems) == len(set(problems)) == 5, problems


def test_a_bad_cross_reference_names_the_key() -> None:
    data = demo()
    target = next(iter(data["severities"]["high"]["targets"]))
    data["severities"]["high"]["targets"][target]["calendar"] = "night"
    data["tickets"]["initial_level"] = "l9"
    problems = problems_of(data)
    assert (
        f"severities.high.targets.{target}.calendar: 'night' is not a calendar defined under "
        "calendars"
    ) in problems
    assert "tickets.initial_level: 'l9' is not a level defined under levels" in problems


def test_key_paths_count_list_items_from_one_and_quote_dotted_keys() -> None:
    assert key_path(("escalation", "matrix", 0, "role")) == "escalation.matrix[1].role"
    assert key_path(("email", "addresses", "desk@x.lu")) == 'email.addresses."desk@x.lu"'


def test_the_schema_checks_references_against_the_other_tables() -> None:
    data = demo()
    data["routing"] = {"rule": "lottery", "levels": ["l9"], "channels": ["fax"]}
    data["chat"] = {"calendar": "night", "queue": "sales"}
    data["status_page"]["notice_severities"] = ["urgent"]
    problems = shape_problems(data)
    for expected in (
        ("routing.rule", "'lottery' is not one of round_robin, least_open"),
        ("routing.levels", "'l9' is not a level defined under levels"),
        ("routing.channels", "'fax' is not one of this desk's channels"),
        ("chat.calendar", "'night' is not a calendar defined under calendars"),
        ("chat.queue", "'sales' is not a queue defined under queues"),
        ("status_page.notice_severities", "'urgent' is not a severity defined under severities"),
    ):
        assert expected in problems, (expected, problems)
    assert len(problems) == 6, problems
    assert len(problems_of(data)) == 6


def test_an_empty_optional_table_is_as_if_not_written() -> None:
    data = demo()
    data["chat"] = {}
    data["routing"] = {}
    data["closure"] = {}
    data["emergency"] = {}
    profile = parse_profile(data, source="x.toml", digest="x")
    assert profile.chat is None and profile.routing is None
    assert profile.closure is None and profile.emergency is None


def test_emergency_closure_and_reporting_are_checked_by_the_schema() -> None:
    data = demo()
    data["emergency"] = {"keyword": " ", "severity": "urgent", "notify": ["noc"], "targets": ["x"]}
    data["closure"] = {"no_reply_timeout": "5 fortnights"}
    data["reporting"] = {"performance_target": 1.5, "targets": ["mttr"]}
    data["notifications"] = {"opened": ["requester", "boss"]}
    problems = dict(shape_problems(data))
    assert problems["emergency.keyword"] == "' ' is not text"
    assert problems["emergency.severity"] == "'urgent' is not a severity defined under severities"
    assert problems["emergency.notify"] == "'noc' is not an e-mail address"
    assert problems["emergency.targets"] == "'x' is not a target of any severity"
    assert problems["closure.no_reply_timeout"].startswith("'5 fortnights' is not a duration")
    assert problems["reporting.performance_target"] == (
        "1.5 is not a share between 0 and 1, e.g. 0.9"
    )
    assert problems["reporting.targets"] == "'mttr' is not a target of any severity"
    assert problems["notifications.opened"] == (
        "['requester', 'boss'] is not a list of roles from requester, technicians, assignee, level"
    )
    assert len(problems_of(data)) == len(problems) == 8


def test_email_and_suppliers_are_checked_by_the_schema() -> None:
    data = demo()
    data["email"] = {"unknown_sender": "notice", "addresses": {"desk@x.lu": "sales", "desk": "x"}}
    data["suppliers"] = {"address": "Nobody", "shared": ["subject", "phone_number"]}
    problems = dict(shape_problems(data))
    assert problems['email.addresses."desk@x.lu"'] == "'sales' is not a queue defined under queues"
    assert ("email.addresses.desk", "is not an e-mail address") in shape_problems(data)
    assert problems["email.registration_url"] == "is required when unknown senders get a notice"
    assert problems["suppliers.address"] == "'nobody' is not an e-mail address"
    assert problems["suppliers.shared"] == (
        "'phone_number' is not subject, description or a key under form.fields"
    )
    assert len(problems_of(data)) == 6


def test_a_target_may_not_take_a_suppliers_target_name() -> None:
    import tomllib

    import pytest

    from tierdesk.domain.profile_parsing import parse_profile
    from tierdesk.domain.profiles import ProfileError
    from tierdesk.profiles import BUILTIN

    data = tomllib.loads((BUILTIN / "demo.toml").read_text())
    severity = next(iter(data["severities"]))
    data["severities"][severity]["targets"]["supplier_response"] = {
        "kind": "response", "within": "1h",
    }  # fmt: skip
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="demo.toml", digest="x")
    assert f"severities.{severity}.targets.supplier_response" in str(caught.value)
