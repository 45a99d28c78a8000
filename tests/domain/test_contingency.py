"""Contingency routes (CloudCTI 4, LuxCloud 2.8 and 3.5), with instants computed by hand from the
documents: CloudCTI's support hours are working days 08:30-17:00 Dutch time with Dutch public
holidays; LuxCloud's desk is open Monday to Friday 08:00-17:00 Luxembourg time."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest

from tierdesk.domain.contingency import Situation, routes_for_expiry, routes_in_force
from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import ProfileError
from tierdesk.profiles import BUILTIN, load

CTI = load("cloudcti")
LUX = load("luxcloud")


def situation(
    severity: str,
    *,
    expired: tuple[str, ...] = (),
    accounts: dict[str, frozenset[int]] | None = None,
    is_open: bool = True,
) -> Situation:
    return Situation(severity, is_open, frozenset(expired), accounts or {})


def cti(s: Situation, at: datetime) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (f.route.key, f.because) for f in routes_in_force(CTI.contingency, s, at, CTI.calendars)
    ]


def test_cloudcti_priority_1_outside_support_hours_is_offered_the_contingency_number() -> None:
    # Mon 7 Dec 2026, CET (UTC+1): 17:00 local is 16:00 UTC, the first instant after closing.
    assert cti(situation("p1"), datetime(2026, 12, 7, 16, 0, tzinfo=UTC)) == [
        ("number", ("outside:support", "severity:p1"))
    ]
    # 16:59 local, still open: one end customer with a P1 calls the normal number.
    assert cti(situation("p1"), datetime(2026, 12, 7, 15, 59, tzinfo=UTC)) == []
    # 08:30 local (07:30 UTC) is the opening instant: open; 08:29 is not.
    assert cti(situation("p1"), datetime(2026, 12, 7, 7, 30, tzinfo=UTC)) == []
    assert cti(situation("p1"), datetime(2026, 12, 7, 7, 29, tzinfo=UTC)) != []
    # Christmas Day, Fri 25 Dec 2026, is a Dutch public holiday: no support hours at 10:00.
    assert cti(situation("p1"), datetime(2026, 12, 25, 9, 0, tzinfo=UTC)) != []
    # Outside hours, a priority 2 is not a contingency.
    assert cti(situation("p2"), datetime(2026, 12, 7, 16, 0, tzinfo=UTC)) == []


def test_cloudcti_several_end_customers_with_priority_1_during_support_hours() -> None:
    at = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # Tue 11:00 local, open
    two = {"p1": frozenset({11, 12}), "p2": frozenset({13})}
    assert cti(situation("p1", accounts=two), at) == [("number", ("accounts:2", "severity:p1"))]
    one = {"p1": frozenset({11}), "p2": frozenset({12, 13})}
    assert cti(situation("p1", accounts=one), at) == []


def test_cloudcti_an_expired_mttr_offers_the_number_at_any_severity() -> None:
    at = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert cti(situation("p3", expired=("resolution",)), at) == [
        ("number", ("expired:resolution",))
    ]
    assert cti(situation("p3", expired=("response",)), at) == []
    # A resolved or closed ticket is offered nothing.
    assert cti(situation("p1", expired=("resolution",), is_open=False), at) == []
    # The breach notice names the route that an expired resolution opens by itself.
    assert [r.key for r in routes_for_expiry(CTI.contingency, "resolution")] == ["number"]
    assert routes_for_expiry(CTI.contingency, "response") == []


def test_luxcloud_emergency_hotline_outside_desk_hours_for_high_only() -> None:
    def lux(severity: str, at: datetime) -> list[str]:
        found = routes_in_force(LUX.contingency, situation(severity), at, LUX.calendars)
        return [f.route.key for f in found]

    saturday = datetime(2026, 10, 24, 10, 0, tzinfo=UTC)  # Sat 12:00 CEST
    assert lux("high", saturday) == ["emergency_hotline"]
    assert lux("normal", saturday) == []
    # Mon 26 Oct 2026, the day after summer time ended (CET, UTC+1): 10:00 local is open,
    # 17:00 local (16:00 UTC) is closed.
    assert lux("high", datetime(2026, 10, 26, 9, 0, tzinfo=UTC)) == []
    assert lux("high", datetime(2026, 10, 26, 16, 0, tzinfo=UTC)) == ["emergency_hotline"]


def test_profiles_without_routes_offer_none() -> None:
    for name in ("cloudsoft", "zynstra", "exponential-e"):
        assert load(name).contingency == {}


def test_a_broken_route_is_reported_with_its_key_path() -> None:
    data = tomllib.loads((BUILTIN / "cloudcti.toml").read_text())
    route = data["contingency"]["number"]
    route["when"][0]["outside"] = "night"
    route["when"][1]["severities"] = ["p9"]
    route["when"][2]["target_expired"] = "mttr"
    route["when"].append({"colour": "red"})
    del route["contact"]
    data["contingency"]["line"] = {"label": "x", "contact": "y"}
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="cti.toml", digest="x")
    problems = "\n".join(caught.value.problems)
    for expected in (
        "contingency.number.when[1].outside: 'night' is not",
        "contingency.number.when[2].severities: 'p9' is not a severity defined under severities",
        "contingency.number.when[3].target_expired: 'mttr' is not a target kind",
        "contingency.number.when[4].colour: is not a known key",
        "contingency.number.when[4]: names no condition",
        "contingency.number.contact: is missing",
        "contingency.line.when: needs at least one condition",
    ):
        assert expected in problems, problems
