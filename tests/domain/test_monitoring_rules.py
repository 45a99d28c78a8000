"""The profile's [monitoring] and [inbound] sections, with key-path errors, and the reading of an
Alertmanager delivery: keys by fingerprint or group, severities from the label mapping."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from tierdesk.domain import monitoring
from tierdesk.domain.errors import Invalid
from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import MonitoringRules, ProfileError
from tierdesk.domain.sanitise import clean_text, safe_link
from tierdesk.profiles import BUILTIN, load, public_holidays


def test_zynstra_routes_console_alerts_to_third_level_as_high() -> None:
    zynstra = load("zynstra")
    rules = zynstra.monitoring
    assert rules is not None
    assert (rules.group_by, rules.severity_label, rules.account_label) == (
        "fingerprint",
        "severity",
        "server",
    )
    assert rules.severities["critical"] == "high" and rules.default_severity == "high"
    assert rules.resolve_on_resolved is False
    assert zynstra.channel_levels["monitoring"] == "l3"
    assert load("luxcloud").inbound is not None and load("luxcloud").monitoring is None
    assert load("cloudcti").inbound is None and load("exponential-e").monitoring is None


def test_monitoring_and_inbound_errors_name_their_keys() -> None:
    data = tomllib.loads((BUILTIN / "luxcloud.toml").read_text())
    data["monitoring"] = {
        "group_by": "alertname",
        "severity_label": "sev-erity",
        "severities": {"critical": "p1"},
        "default_severity": "urgent",
        "resolve_on_resolved": "yes",
        "colour": "red",
    }
    data["inbound"] = {"sources": {"twitter": "fax", "Web Chat": "chat", "mail": "monitoring"}}
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="x", digest="x", holiday_lookup=public_holidays)
    problems = "\n".join(caught.value.problems)
    for expected in (
        'monitoring: needs the "monitoring" channel under tickets.channels',
        "monitoring.group_by: 'alertname' is not one of fingerprint, group",
        "monitoring.severity_label: 'sev-erity' is not a label name",
        "monitoring.severities.critical: 'p1' is not a severity defined under severities",
        "monitoring.default_severity: 'urgent' is not a severity defined under severities",
        "monitoring.resolve_on_resolved: 'yes' is not true or false",
        "monitoring.colour: is not a known key",
        "inbound.sources.twitter: 'fax' is not one of chat, email, monitoring",
        "inbound.sources.Web Chat: is not a source name",
        "inbound.sources.mail: 'monitoring' is not a channel listed under tickets.channels",
    ):
        assert expected in problems, (expected, problems)


RULES = MonitoringRules("fingerprint", "severity", {"critical": "high"}, "", False, "account")


def _alert(**kw: Any) -> dict[str, Any]:
    return {
        "labels": {"alertname": "disk_full", "instance": "db1", **kw.pop("labels", {})},
        "annotations": {},
        "startsAt": "2026-03-10T09:00:00.123456789+01:00",
        **kw,
    }


def _delivery(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="disk_full"}',
        "status": status,
        "alerts": list(alerts),
    }


def test_a_fingerprint_is_computed_from_the_labels_when_the_sender_gives_none() -> None:
    one = monitoring.read(RULES, _delivery(_alert())).alerts[0]
    again = monitoring.read(RULES, _delivery(_alert(labels={"instance": "db1"}))).alerts[0]
    other = monitoring.read(RULES, _delivery(_alert(labels={"instance": "db2"}))).alerts[0]
    assert one.fingerprint == again.fingerprint != other.fingerprint
    assert one.key == f"fp:{one.fingerprint}" and one.status == "firing"  # the group's status
    assert one.starts_at.isoformat() == "2026-03-10T08:00:00.123456+00:00"
    resolved = monitoring.read(RULES, _delivery(_alert(), status="resolved")).alerts[0]
    assert resolved.delivery != one.delivery  # the status is part of the delivery key


def test_by_group_every_alert_of_a_group_is_one_ticket() -> None:
    rules = MonitoringRules("group", "severity", {}, "", True, "account")
    delivery = monitoring.read(
        rules, _delivery(_alert(), _alert(labels={"instance": "db2"}, fingerprint="abc123"))
    )
    first, second = delivery.alerts
    assert first.key == second.key and first.key.startswith("group:")
    assert first.delivery != second.delivery


def test_the_severity_comes_from_the_label_mapping_else_the_default() -> None:
    profile = load("demo")
    critical = monitoring.read(RULES, _delivery(_alert(labels={"severity": "critical"})))
    plain = monitoring.read(RULES, _delivery(_alert(labels={"severity": "page"})))
    assert monitoring.severity(profile, RULES, critical.alerts[0]) == "high"
    assert monitoring.severity(profile, RULES, plain.alerts[0]) == profile.default_severity


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(Invalid) as caught:
        monitoring.read(
            RULES,
            {
                "version": "3",
                "status": "firing",
                "alerts": [_alert(status="pending"), _alert(startsAt="2026-13-40")],
            },
        )
    assert set(caught.value.fields) == {
        "version",
        "groupKey",
        "alerts.0.status",
        "alerts.1.startsAt",
    }


def test_clean_text_and_safe_links() -> None:
    assert clean_text("a\x00b\u202ec\r\nd\x1b[31m", limit=100) == "abc\nd[31m"
    assert clean_text("one\ntwo", limit=100, single_line=True) == "one two"
    assert clean_text("x" * 20, limit=10) == "x" * 9 + "…"
    assert safe_link("https://grafana.example.com/d/1?a=b") == "https://grafana.example.com/d/1?a=b"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "http://", "ftp://x.y",
                "https://a.example/ b", "https://a.example/\u202e"):  # fmt: skip
        assert safe_link(bad) == "", bad
