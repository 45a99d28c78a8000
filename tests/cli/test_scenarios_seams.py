"""Where one rule of a seed process meets another (issue "the seed processes right at the seams").

Each instant below is computed by hand from the seed document, not read back from the code.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.test_scenarios import event, kinds, simulate, sla
from tierdesk.persistence.models import Event


def of_kind(ticket: dict[str, Any], kind: str, **match: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in ticket["events"]
        if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
    ]


@pytest.mark.django_db
def test_cloudcti_an_answer_at_the_due_instant_meets_the_target() -> None:
    t = simulate("seams-cloudcti")
    # A: P1, opened Mon 9 Mar 2026 10:00 (support hours 08:30-17:00, Amsterdam). Response and
    # TTTU are 4 support hours: due 14:00, answered exactly then.
    a = t["A"]
    assert sla(a, "first_response")["state"] == "met"
    assert sla(a, "first_response")["met_at"] == "2026-03-09T14:00:00+01:00"
    assert of_kind(a, "sla_breached") == []
    # The update clock restarts at 14:00: 3 h to 17:00 and 1 h from 08:30 Tue: due 09:30, met then.
    assert sla(a, "update")["state"] == "running"
    assert sla(a, "update")["due"] == "2026-03-10T13:30:00+01:00"  # 4 h from Tue 09:30
    # B: answered at 13:00, the instant of the 75 % warning (3 of 4 h): no warning of cycle 0.
    b = t["B"]
    assert of_kind(b, "sla_warning", target="first_response") == []
    assert [w for w in of_kind(b, "sla_warning") if w["at"] == "2026-03-09T13:00:00+01:00"] == []
    # C: an internal note at 14:00 is not an answer: the breach lands on the due instant.
    c = t["C"]
    assert event(c, "sla_breached", target="first_response")["at"] == "2026-03-09T14:00:00+01:00"


@pytest.mark.django_db
def test_exponential_e_critical_answered_at_thirty_minutes() -> None:
    a = simulate("seams-exponential-e")["A"]
    # Critical (alias P1) on the 24/7 desk: respond within 30 minutes of Sat 10:00 London.
    assert sla(a, "first_response")["met_at"] == "2026-03-14T10:30:00+00:00"
    assert of_kind(a, "sla_breached", target="first_response") == []


@pytest.mark.django_db
def test_luxcloud_confirmations_closures_and_the_first_piece_of_work() -> None:
    t = simulate("seams-luxcloud")
    # 2.4.3 a: asked to confirm, the partner answers that it is solved: resolved as confirmed.
    for ref in ("A", "A-de"):
        x = t[ref]
        resolved = event(x, "resolved")
        assert resolved["reason"] == "requester_confirmed"
        assert resolved["at"] == "2026-03-11T09:00:00+01:00"
        assert x["status"] == "resolved" and "reopened" not in kinds(x)
        assert sla(x, "resolution")["state"] == "met"
        # 2.4.4: no assumed Resolved -> Closed; it stays reopenable by a reply.
        assert "closed" not in kinds(x)
    # A real question returns the ticket to Open and its resolution clock runs again: 1 h used
    # (Tue 10:00-11:00), paused while Pending, 17 more business hours from Wed 09:00 (8 h Wed,
    # 9 h Thu 08:00-17:00): due Thu 12 Mar 17:00.
    b = t["B"]
    assert event(b, "status_changed", to="open", reason="requester_reply")
    assert b["status"] == "open"
    assert event(b, "sla_breached", target="resolution")["at"] == "2026-03-12T17:00:00+01:00"
    # Asked again on Wed 10:00: two business days later (Fri 13 Mar 10:00) it is resolved (c),
    # with the same message a manual resolution carries.
    c = t["C"]
    resolved = event(c, "resolved")
    assert resolved["reason"] == "confirmation_timeout"
    assert resolved["at"] == "2026-03-13T10:00:00+01:00"
    message = Event.objects.filter(ticket__number=c["number"], kind="reply").order_by("-seq")[0]
    assert (
        message.at
        == Event.objects.get(ticket__number=c["number"], data__reason="confirmation_timeout").at
    )
    assert "you can reopen it at any time" in message.data["body"] and message.public
    # Resolved on Tue 10 Mar and answered four weeks later: reopened, not a follow-up.
    d = t["D"]
    assert event(d, "reopened")["at"] == "2026-04-08T09:00:00+02:00"
    assert "follow_up_opened" not in kinds(d) and d["status"] == "open"
    # 2.3: the hand-over to the supplier is the first piece of work: New -> Open -> On-hold.
    e = t["E"]
    moves = [(x["from"], x["to"], x.get("reason")) for x in of_kind(e, "status_changed")]
    assert moves[:2] == [("new", "open", "work_started"), ("open", "on_hold", "")]


@pytest.mark.django_db
def test_luxcloud_emergency_response_24x7_resolution_in_business_days() -> None:
    t = simulate("seams-luxcloud-emergency")
    # F: EMERGENCY opened Sat 24 Oct 2026 12:00 (summer time). 2.8: the NOC answers on its 24x7
    # calendar within 1 h (answered 12:30). 1.3: resolution "1 business day", and 3.2 defines
    # business days (Mon-Fri 8-17): 9 business hours from Mon 26 Oct 08:00 (winter time since
    # Sun 25 Oct) is Mon 17:00.
    f = t["F"]
    assert sla(f, "first_response")["met_at"] == "2026-10-24T12:30:00+02:00"
    assert event(f, "sla_breached", target="resolution")["at"] == "2026-10-26T17:00:00+01:00"
    # G: downgraded to Normal at 12:20: Normal's targets on the desk calendar, from the opening.
    # Response "1 business day": Mon 26 Oct 08:00 + 9 h = 17:00; resolution 2 business days:
    # Tue 27 Oct 17:00. Nothing falls due on the Saturday.
    g = t["G"]
    assert [x["at"] for x in of_kind(g, "sla_breached")] == ["2026-10-26T17:00:00+01:00"]
    assert sla(g, "first_response")["breached_at"] == "2026-10-26T17:00:00+01:00"
    assert sla(g, "resolution")["due"] == "2026-10-27T17:00:00+01:00"
