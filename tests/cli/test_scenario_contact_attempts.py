"""Zynstra Issue Escalation "on more than one occasion": the desk records its tries to reach the
management step a ticket is escalated to, and those tries open the next step.

Working time is 09:00-17:30 London (8.5 h a working day); each instant is computed by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.test_scenarios import simulate


def of(ticket: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [e for e in ticket["events"] if e["kind"] in kinds]


@pytest.mark.django_db
def test_two_tries_open_the_next_step_before_its_working_day() -> None:
    e = simulate("seams-zynstra-contact")["E"]
    steps = of(e, "management_escalated", "management_escalation_refused", "contact_attempted")
    assert [(x["kind"], x["at"][:16], x.get("level"), x.get("until")) for x in steps] == [
        ("management_escalated", "2026-03-16T09:30", 1, None),
        ("management_escalated", "2026-03-16T09:40", 2, None),
        ("contact_attempted", "2026-03-16T10:00", 2, None),
        # One try is not "more than one occasion"; the working day from Mon 09:40 is 7 h 50 m
        # to 17:30 and 40 m on Tuesday: Tue 09:40.
        ("management_escalation_refused", "2026-03-16T10:30", None, "2026-03-17T09:40:00+00:00"),
        ("contact_attempted", "2026-03-16T13:00", 2, None),
        # Step 3: the second try opens it at once (within one working day of the first).
        ("management_escalated", "2026-03-16T13:05", 3, None),
        ("contact_attempted", "2026-03-16T14:00", 3, None),
        ("contact_attempted", "2026-03-16T15:00", 3, None),
        # Step 4: two tries "over a period of one working day" from the first, Mon 14:00:
        # 3.5 h to 17:30 and 5 h on Tuesday: Tue 14:00.
        ("management_escalation_refused", "2026-03-16T15:30", None, "2026-03-17T14:00:00+00:00"),
        ("management_escalated", "2026-03-17T14:00", 4, None),
    ]
    assert [x["role"] for x in of(e, "contact_attempted")] == [
        "Head of Support",
        "Head of Support",
        "Vice President of Customer Success",
        "Vice President of Customer Success",
    ]
