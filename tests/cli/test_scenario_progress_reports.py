"""Zynstra: Third and Fourth Level report to Second Level "regularly on resolution progress".

The note states no interval; the profile assumes one working day (09:00-17:30 London, 8.5 h) for
Normal and 2 h for High. Each instant below is computed by hand from those figures.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.test_scenarios import simulate, sla


def marks(ticket: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [
        (e["kind"], e["at"], e.get("percent"))
        for e in ticket["events"]
        if e["kind"] in ("sla_warning", "sla_breached") and e.get("target") == "progress_report"
    ]


@pytest.mark.django_db
def test_third_level_reports_to_second_level_at_an_interval() -> None:
    t = simulate("seams-zynstra-progress")
    p = t["P"]
    # Tue 10 Mar 11:00 at Third Level: 8.5 working hours. 75 % (6.375 h) falls at 17:22:30;
    # 90 % (7.65 h) would be Wed 10:09, but the note at Wed 10:00 reports first.
    # The next wait runs from Wed 10:00: 75 % at 16:22:30, 90 % Thu 09:09, due Thu 10:00.
    assert marks(p) == [
        ("sla_warning", "2026-03-10T17:22:30+00:00", 75),
        ("sla_warning", "2026-03-11T16:22:30+00:00", 75),
        ("sla_warning", "2026-03-12T09:09:00+00:00", 90),
        ("sla_breached", "2026-03-12T10:00:00+00:00", None),
    ]
    # The hand-back to Second Level at Thu 12:00 ends the reporting; the late wait stays late.
    assert sla(p, "progress_report")["state"] == "breached"
    assert sla(p, "progress_report")["due"] is None


@pytest.mark.django_db
def test_a_report_or_a_hand_back_on_the_due_instant_meets_it() -> None:
    q = simulate("seams-zynstra-progress")["Q"]
    # Opened at Third Level by the Monitoring Console Mon 16 Mar 09:00 (High: 2 h). The note at
    # 10:30 falls on the 75 % instant and meets the wait; the hand-back at 12:00 falls on the
    # next wait's 75 % instant and ends it: no warning, no breach.
    assert marks(q) == []
    assert sla(q, "progress_report")["state"] == "met"
    assert sla(q, "progress_report")["met_at"] == "2026-03-16T12:00:00+00:00"


@pytest.mark.django_db
def test_a_ticket_that_never_reaches_third_level_has_no_progress_target() -> None:
    t = simulate("zynstra")
    assert all(s["target"] != "progress_report" for s in t["unhappy"]["sla"])
