"""An e-mail carries its priority in the subject (CloudCTI 1.3, Cloudsoft, Exponential-e): the
profile's aliases, or a label set off at the start, choose the severity, recorded with its source."""

from __future__ import annotations

import pytest

from tierdesk.domain.parties import Party
from tierdesk.domain.ticket import Draft, open_ticket
from tierdesk.profiles import load


@pytest.mark.parametrize(
    ("profile", "subject", "severity", "matched"),
    [
        ("cloudsoft", "SEV2 - API gateway answers slowly", "high", "SEV2"),
        ("cloudsoft", "Urgent: production cluster unusable", "urgent", "Urgent"),
        ("cloudcti", "Priority 1: no inbound calls", "p1", "priority 1"),
        ("cloudcti", "[P3] Voicemail greeting question", "p3", "P3"),
        ("exponential-e", "[Critical] Leeds office offline", "critical", "Critical"),
        ("exponential-e", "P2 circuit flapping", "high", "P2"),
    ],
)
def test_the_subject_names_the_severity(
    profile: str, subject: str, severity: str, matched: str
) -> None:
    _, change = open_ticket(
        load(profile),
        Draft(subject=subject, description="", channel="email"),
        party=Party.REQUESTER,
    )
    assert change.data["severity"] == severity
    assert change.data["severity_from"] == {"source": "subject", "matched": matched}


@pytest.mark.parametrize(
    ("profile", "subject"),
    [
        ("cloudcti", "Server 2 does not boot"),  # a bare number is not a priority
        ("cloudsoft", "High CPU on the build agent"),  # a label only counts when set off
        ("exponential-e", "APP2 sync question"),  # not a whole word
    ],
)
def test_ordinary_words_leave_the_default(profile: str, subject: str) -> None:
    p = load(profile)
    _, change = open_ticket(
        p, Draft(subject=subject, description="", channel="email"), party=Party.REQUESTER
    )
    assert change.data["severity"] == p.default_severity and "severity_from" not in change.data


def test_a_chosen_severity_is_not_overridden() -> None:
    _, change = open_ticket(
        load("cloudsoft"),
        Draft(subject="SEV1 outage", description="", channel="chat", severity="low"),
        party=Party.REQUESTER,
    )
    assert change.data["severity"] == "low" and "severity_from" not in change.data
