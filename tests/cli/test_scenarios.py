"""The shipped scenarios walk each seed process end to end through the real actions and sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tierdesk.cli.simulate import ScenarioError, load_scenario
from tierdesk.cli.simulation import Simulation
from tierdesk.profiles import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def simulate(name: str) -> dict[str, Any]:
    scenario = load_scenario((SCENARIOS / f"{name}.json").read_text())
    return Simulation(scenario, profile=load(str(scenario["profile"]))).run()["tickets"]


def kinds(ticket: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in ticket["events"]]


def event(ticket: dict[str, Any], kind: str, **match: Any) -> dict[str, Any]:
    return next(
        e
        for e in ticket["events"]
        if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
    )


def sla(ticket: dict[str, Any], target: str) -> dict[str, Any]:
    return next(s for s in ticket["sla"] if s["target"] == target)


def test_every_seed_process_has_a_scenario() -> None:
    assert {p.stem for p in SCENARIOS.glob("*.json")} >= {
        "luxcloud",
        "zynstra",
        "cloudcti",
        "cloudsoft",
        "exponential-e",
    }


@pytest.mark.django_db
def test_luxcloud() -> None:
    t = simulate("luxcloud")
    a, b, c, d, e, f = (t[k] for k in "ABCDEF")
    assert event(a, "status_changed", to="on_hold")["reference"] == "ODIN-4711"
    assert event(a, "resolved")["reason"] == "confirmation_timeout"
    assert event(a, "resolved")["at"] == "2026-03-13T09:30:00+01:00"  # 2 business days after asking
    assert "closed" not in kinds(a) and a["status"] == "resolved"  # 2.4.4: stays reopenable
    assert sla(a, "first_response")["state"] == "met"
    assert event(b, "status_changed", to="open")["reason"] == "work_started"  # the first reply
    assert (
        event(b, "status_changed", to="open", **{"from": "pending"})["reason"] == "requester_reply"
    )
    thanks = [x for x in b["events"] if x.get("thank_you")]
    assert len(thanks) == 1 and kinds(b).count("reopened") == 1  # the thank-you did not reopen
    assert event(b, "follow_up_opened")["number"] == t["B2"]["number"]
    assert event(t["B2"], "linked")["target"] == b["number"]
    assert (
        event(c, "opened")["emergency"] is True and c["level"] == "noc" and c["severity"] == "high"
    )
    assert (
        event(c, "sla_breached", target="first_response")["at"] == "2026-03-14T03:00:00+01:00"
    )  # 24x7
    assert event(d, "rejected")["reason"] == "partner_task" and d["status"] == "closed"
    assert {s["state"] for s in e["sla"]} == {"not_guaranteed"}
    assert kinds(f).index("refused") < kinds(f).index("sla_breached")
    assert [x["role"] for x in f["events"] if x["kind"] == "management_escalated"] == [
        "Partner Success Manager",
        "Chief Executive Officer",
    ]


@pytest.mark.django_db
def test_zynstra() -> None:
    t = simulate("zynstra")
    assert (
        event(t["console-fault"], "opened")["level"] == "l3"
    )  # the monitoring console goes straight to L3
    drive = t["shared-drive"]
    assert [x["to"] for x in drive["events"] if x["kind"] == "escalated"] == ["l2", "l3"]
    assert event(drive, "sla_breached", target="supplier")["at"] == "2026-03-11T14:05:00+00:00"
    assert event(drive, "resolved")["reason"] == "requester_confirmed"
    refused = event(t["unhappy"], "management_escalation_refused")
    assert (
        refused["until"] == "2026-03-17T11:05:00+00:00"
    )  # one working day after the Head of Support
    assert event(t["unhappy"], "management_escalated", level=3)["at"] == "2026-03-17T11:10:00+00:00"


@pytest.mark.django_db
def test_cloudcti() -> None:
    t = simulate("cloudcti")
    p2 = t["p2"]
    assert sla(p2, "first_response")["met_at"] == "2026-03-11T09:00:00+01:00"
    assert sla(p2, "resolution")["state"] == "met"
    assert (
        event(p2, "sla_breached", target="update")["at"] == "2026-03-11T17:00:00+01:00"
    )  # 8h after the update
    late = t["p2-late"]
    assert (
        event(late, "sla_breached", target="resolution")["at"] == "2026-03-12T17:00:00+01:00"
    )  # day after rule
    assert event(late, "sla_breached", target="first_response")["at"] == "2026-03-11T13:30:00+01:00"
    assert "resolution" not in {s["target"] for s in t["p1"]["sla"]}  # MTTR "to be determined"
    assert t["question"]["severity"] == "p4"


@pytest.mark.django_db
def test_cloudsoft() -> None:
    t = simulate("cloudsoft")
    assert t["sev1"]["severity"] == "urgent" and sla(t["sev1"], "first_response")["state"] == "met"
    assert sla(t["sev3"], "resolution")["state"] == "paused"
    assert event(t["chat"], "opened")["channel"] == "chat"
    assert (
        event(t["chat"], "sla_breached", target="first_response")["at"]
        == "2026-03-17T17:30:00+00:00"
    )


@pytest.mark.django_db
def test_exponential_e() -> None:
    t = simulate("exponential-e")
    critical = t["critical"]
    assert (
        sla(critical, "troubleshoot")["met_at"] == "2026-03-14T22:20:00+00:00"
    )  # the internal note
    assert sla(critical, "first_response")["met_at"] == "2026-03-14T22:25:00+00:00"
    assert sla(critical, "resolution")["state"] == "met"  # 4.5 of 5 hours, at night
    normal = t["normal"]
    assert event(normal, "management_escalation_refused")["until"] == "2026-03-10T18:00:00+00:00"
    second = event(normal, "management_escalated", level=2)
    assert (
        second["role"] == "Service Desk Manager" and second["routed_to"] == "Service Desk"
    )  # out of hours
    assert [x["until"] for x in normal["events"] if x["kind"] == "management_escalation_refused"][
        1
    ] == ("2026-03-11T14:00:00+00:00")  # 16 hours after the second


def test_bad_scenarios_name_the_problem() -> None:
    with pytest.raises(ScenarioError, match="until: is missing"):
        load_scenario('{"profile": "luxcloud", "steps": []}')
    with pytest.raises(ScenarioError, match=r"steps\[1\].do: 'dance' is not one of"):
        load_scenario(
            '{"profile": "luxcloud", "until": "2026-01-01T00:00+00:00", '
            '"steps": [{"at": "2026-01-01T00:00+00:00", "do": "dance", "ticket": "A"}]}'
        )
    with pytest.raises(ScenarioError, match="needs a time zone"):
        load_scenario('{"profile": "luxcloud", "until": "2026-01-01T00:00", "steps": []}')


def test_the_command_runs_on_a_throwaway_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERDESK_")}
    env["TIERDESK_DATA_DIR"] = str(tmp_path / "untouched")  # the simulation must use its own
    done = subprocess.run(
        [sys.executable, "-m", "tierdesk", "simulate", str(SCENARIOS / "cloudsoft.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["profile"] == "cloudsoft" and out["tickets"]["sev1"]["number"] == "CS-000001"
    assert not (tmp_path / "untouched" / "tierdesk.sqlite3").exists()


@pytest.mark.django_db
def test_luxcloud_hands_off_to_its_platform_vendor_by_mail() -> None:
    """Issue 18, LuxCloud 1.1.4: the vendor's own desk by e-mail, its OLA on New York hours."""
    [ticket] = simulate("luxcloud-platform-vendor").values()
    mails = [e for e in ticket["events"] if e["kind"] == "supplier_mail"]
    assert [(m["automatic"], m.get("reference"), m.get("solved")) for m in mails] == [
        (True, "00431877", None),  # its acknowledgement sets its reference
        (False, None, None),  # threaded by that reference alone
        (False, None, True),  # "Case status: Solved"
    ]
    # 8 hours on the vendor's hours (08:00-20:00 New York = 13:00-01:00 here) from the hand-off
    # at 10:00: the chase at 75 % (19:00), the breach at 21:00.
    assert event(ticket, "supplier_chased")["at"] == "2026-03-10T19:00:00+01:00"
    assert event(ticket, "sla_breached", target="supplier")["at"] == "2026-03-10T21:00:00+01:00"
    # Its response, 2 hours on the same hours, is not met by the acknowledgement at 10:01: 75 %
    # at 14:30, breached at 15:00; the engineer's first mail came at 16:30.
    assert event(ticket, "sla_warning", target="supplier_response")["percent"] == 75
    assert (
        event(ticket, "sla_breached", target="supplier_response")["at"]
        == "2026-03-10T15:00:00+01:00"
    )
    back = event(ticket, "status_changed", returned_by="platform-vendor")
    assert (back["to"], back["at"]) == ("open", "2026-03-11T15:00:00+01:00")
    assert ticket["level"] == "l2"


@pytest.mark.django_db
def test_zynstra_l2_hands_off_to_the_vendors_l3_on_its_portal() -> None:
    """Issue 18, Zynstra: raised on the vendor's portal; its mail threads by its reference, the
    chase goes to the agent, and the agent's word takes the ticket back to L2."""
    [ticket] = simulate("zynstra-vendor-l3").values()
    assert event(ticket, "supplier_chased")["method"] == "portal"
    # 1 business day = 8.5 h on London hours from Tuesday 11:00: the warning at 17:22:30.
    assert event(ticket, "supplier_chased")["at"] == "2026-03-10T17:22:30+00:00"
    assert event(ticket, "supplier_mail")["automatic"] is False
    # Its response, 4 hours on London hours from 11:00, is met by its first mail at 13:30.
    assert not [e for e in ticket["events"] if e.get("target") == "supplier_response"]
    [response] = [s for s in ticket["sla"] if s["target"] == "supplier_response"]
    assert response["state"] == "met"
    back = event(ticket, "status_changed", returned_by="vendor-l3-support")
    assert back["reason"] == "supplier_solved" and ticket["level"] == "l2"
