"""The five seed processes, as shipped profiles, say what their documents say."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import ProfileError
from tierdesk.domain.sla import ClockEvent, clocks
from tierdesk.profiles import BUILTIN, load, public_holidays

SEEDS = ("luxcloud", "zynstra", "cloudcti", "cloudsoft", "exponential-e")


def due(profile_name: str, severity: str, opened: datetime) -> dict[str, datetime | None]:
    profile = load(profile_name)
    created = ClockEvent(
        opened,
        "created",
        {
            "severity": severity,
            "status": profile.initial_status,
            "language": profile.languages.standard,
        },
    )
    return {t.key: t.due for t in clocks(profile, [created], opened).targets}


def hours(profile_name: str, severity: str, target: str) -> float:
    profile = load(profile_name)
    t = profile.severities[severity].targets[target]
    return t.within.on(profile.calendars[t.calendar].working_day_seconds) / 3600


@pytest.mark.parametrize("name", SEEDS)
def test_each_seed_profile_loads_with_targets(name: str) -> None:
    profile = load(name)
    assert profile.name == name
    assert any(s.targets for s in profile.severities.values())
    assert profile.form and profile.channels and profile.calendars


def test_luxcloud_matches_its_document() -> None:
    lc = load("luxcloud")
    assert list(lc.severities) == ["high", "normal", "low"]
    assert [hours("luxcloud", s, "first_response") for s in lc.severities] == [1, 9, 18]
    assert [hours("luxcloud", s, "resolution") for s in lc.severities] == [9, 18, 45]
    assert [s.label for s in lc.statuses.values()] == [
        "New",
        "Open",
        "Pending",
        "On-hold",
        "Resolved",
        "Closed",
    ]
    assert lc.statuses["pending"].pauses == ("resolution",) and lc.statuses["on_hold"].pauses == ()
    assert (
        lc.languages.accepted == ("de", "fr", "nl", "lb") and not lc.languages.accepted_guaranteed
    )
    assert lc.email_queues == {
        "support@luxcloud.example.com": "technical",
        "business.ticket@luxcloud.example.com": "business",
    }
    assert (
        lc.emergency is not None
        and lc.emergency.keyword == "EMERGENCY"
        and lc.emergency.calendar == "noc"
    )
    assert lc.closure is not None and str(lc.closure.confirmation_timeout) == "2 working days"
    assert str(lc.closure.no_reply_timeout) == "3 working days"
    assert "reopen it at any time" in lc.closure.resolved_message
    assert len(lc.invalid_reasons) == 4 and len(lc.escalation_matrix) == 2
    assert date(2026, 6, 23) in lc.calendars["desk"].holidays  # Luxembourg National Day
    assert [f.key for f in lc.form if f.required] == [
        "account",
        "subscription",
        "user_details",
        "situation",
        "error",
        "performed_actions",
    ]


def test_cloudcti_mttr_starts_the_day_after_the_report() -> None:
    ams = ZoneInfo("Europe/Amsterdam")
    d = due("cloudcti", "p2", datetime(2026, 3, 10, 14, tzinfo=ams))
    assert d["first_response"] == datetime(2026, 3, 11, 13, 30, tzinfo=ams)  # 8 support hours
    assert d["resolution"] == datetime(
        2026, 3, 12, 17, tzinfo=ams
    )  # close of the 2nd working day after
    assert hours("cloudcti", "p3", "first_response") == 8.5  # 1 working day = 8.5 support hours
    assert "resolution" not in load("cloudcti").severities["p1"].targets  # "to be determined"
    perf = load("cloudcti").performance
    assert perf is not None and perf.share == 0.9 and perf.severities == ("p2",)


def test_exponential_e_runs_hours_24x7_and_business_hours_on_weekdays() -> None:
    london = ZoneInfo("Europe/London")
    saturday = datetime(2026, 3, 14, 22, tzinfo=london)
    d = due("exponential-e", "critical", saturday)
    assert d["first_response"] == datetime(2026, 3, 14, 22, 30, tzinfo=london)
    assert d["troubleshoot"] == datetime(2026, 3, 14, 23, tzinfo=london)
    assert d["resolution"] == datetime(2026, 3, 15, 3, tzinfo=london)
    normal = due("exponential-e", "normal", datetime(2026, 3, 10, 14, tzinfo=london))
    assert normal["resolution"] == datetime(
        2026, 3, 18, 11, tzinfo=london
    )  # 48h of 09:00-17:30 days
    steps = load("exponential-e").escalation_matrix
    assert [(s.role, str(s.after)) for s in steps] == [
        ("Service Desk", "4h"),
        ("Service Desk Manager", "4h"),
        ("Senior Support Leader", "16h"),
        ("Director of Engineering", "24h"),
    ]


def test_cloudsoft_maps_sev_levels_and_its_four_channels() -> None:
    cs = load("cloudsoft")
    assert [cs.severity_key(f"SEV{n}") for n in range(1, 5)] == ["urgent", "high", "normal", "low"]
    assert set(cs.channels) >= {"chat", "email", "phone", "portal"}


def test_zynstra_levels_and_management_escalation() -> None:
    z = load("zynstra")
    assert [lv.staffed_by.value for lv in z.levels.values()] == [
        "provider",
        "provider",
        "supplier",
        "supplier",
    ]
    assert "monitoring" in z.channels
    assert [str(s.after) if s.after else None for s in z.escalation_matrix] == [
        None,
        None,
        "1 working day",
        None,  # step 4 opens only by attempts "over a period of one working day"
    ]
    assert [(s.attempts, str(s.attempts_over or "")) for s in z.escalation_matrix] == [
        (0, ""),
        (0, ""),
        (2, ""),
        (2, "1 working day"),
    ]


def test_a_misspelt_duration_and_calendar_errors_name_their_keys() -> None:
    data = tomllib.loads((BUILTIN / "luxcloud.toml").read_text())
    data["severities"]["high"]["targets"]["resolution"]["within"] = "1 busness day"
    data["calendars"]["desk"]["timezone"] = "Europe/Luxemburg"
    data["calendars"]["desk"]["hours"] = {"mon-fri": ["17:00-08:00"], "caturday": ["09:00-10:00"]}
    data["calendars"]["desk"]["holidays"] = {"country": "XX"}
    data["statuses"]["pending"]["pauses"] = ["resolutoin"]
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="x", digest="x", holiday_lookup=public_holidays)
    problems = "\n".join(caught.value.problems)
    assert (
        "severities.high.targets.resolution.within: '1 busness day' is not a duration; expected e.g. \"4h\""
        in problems
    )
    assert "calendars.desk.timezone: 'Europe/Luxemburg' is not an IANA time zone" in problems
    assert "calendars.desk.hours.mon-fri: '17:00-08:00' does not open before it closes" in problems
    assert "calendars.desk.hours.caturday: is not a day or range of days" in problems
    assert "calendars.desk.holidays: no public holidays known for 'XX'" in problems
    assert "statuses.pending.pauses: 'resolutoin' is not a target of any severity" in problems
