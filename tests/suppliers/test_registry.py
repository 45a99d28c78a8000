"""Issue 18: the supplier registry is checked field by field, and the supplier's OLA runs on its
own calendar (its zone, its hours, its country's holidays) as the hand-off recorded it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.actions.suppliers import set_terms
from tierdesk.domain.errors import Invalid
from tierdesk.domain.support_terms import find_reference, says_solved, weekly_hours
from tierdesk.persistence.models import AdminChange, SupportTerms, TicketTarget

BASE = {"method": "email", "contact": "support@vendor.example"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reference_pattern": r"\[VND-(\d+"}, "reference_pattern"),
        ({"reference_pattern": r"(a)(b)"}, "reference_pattern"),
        ({"reference_pattern": r".*"}, "reference_pattern"),
        ({"time_zone": "Mars/Olympus", "hours": "mon-fri 08:00-18:00"}, "time_zone"),
        ({"time_zone": "Europe/Berlin", "hours": "weekdays 9-5"}, "hours"),
        ({"time_zone": "Europe/Berlin", "hours": "funday 09:00-17:00"}, "hours"),
        ({"hours": "mon-fri 08:00-18:00"}, "time_zone"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"holiday_country": "germany"}, "holiday_country"),
        ({"response_target": "soon"}, "response_target"),
        ({"severity_scale": ["S1", "S2"], "severity_map": {"high": "Sev A"}}, "severity_map.high"),
        ({"contacts": ["not a contact"]}, "contacts"),
        ({"solved_phrases": ["x" * 201]}, "solved_phrases"),
    ],
)
def test_a_bad_registry_entry_is_refused_naming_its_field(
    desk: Desk, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        set_terms(actor=desk.admin, supplier=desk.supplier, now=clock.now(),
                  changes={**BASE, **changes})  # fmt: skip
    assert field in refused.value.fields
    assert not SupportTerms.objects.exists() and not AdminChange.objects.filter(verb="create terms")


def test_the_registry_is_kept_and_logged(desk: Desk) -> None:
    set_terms(
        actor=desk.admin, supplier=desk.supplier, now=clock.now(),
        changes={**BASE, "contacts": "duty@vendor.example; +49 30 1234567",
                 "severity_scale": "Sev A\nSev B", "severity_map": "high=Sev A; normal=Sev B",
                 "time_zone": "Europe/Berlin", "hours": "mon-fri 08:00-12:00, 13:00-17:00",
                 "holiday_country": "de-by", "reference_pattern": r"Case #(\d{6})",
                 "solved_phrases": "Case closed\nStatus: Resolved"},
    )  # fmt: skip
    terms = SupportTerms.objects.get()
    assert terms.contacts == ["duty@vendor.example", "+49 30 1234567"]
    assert terms.severity_scale == ["Sev A", "Sev B"] and terms.holiday_country == "DE-BY"
    assert terms.solved_phrases == ["Case closed", "Status: Resolved"]
    logged = AdminChange.objects.get(verb="create terms")
    assert logged.after["reference_pattern"] == r"Case #(\d{6})"


def test_reference_solved_and_hours_read_as_the_supplier_writes_them() -> None:
    assert find_reference(r"\[VND-(\d+)\]", "Re: [VND-4711] [DC-000001] x") == "4711"
    assert find_reference(r"CASE-\d+", "update on CASE-99 today") == "CASE-99"
    assert find_reference(r"CASE-\d+", "no reference") == ""
    assert says_solved(["Status:  Solved"], "Hello\nstatus: solved\n") == "Status:  Solved"
    assert says_solved(["Case closed"], "the case is still open") == ""
    assert weekly_hours("24x7") is None
    week = weekly_hours("mon-fri 08:00-18:00; sat 09:00-12:00")
    assert week is not None and week[5] == ((9 * 3600, 12 * 3600),) and week[6] == ()


def test_the_ola_runs_on_the_suppliers_own_calendar(desk: Desk, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    """New York hours, US holidays: handed over Friday 3 July 2026 at 20:00 UTC (16:00 in New
    York, Independence Day observed), 4 business hours run from Monday 08:00 New York."""
    set_terms(
        actor=desk.admin, supplier=desk.supplier, now=clock.now(),
        changes={**BASE, "ola_target": "4h", "time_zone": "America/New_York",
                 "hours": "mon-fri 08:00-18:00", "holiday_country": "US"},
    )  # fmt: skip
    ticket = desk.open()
    fixed_clock.at = datetime(2026, 7, 3, 20, 0, tzinfo=UTC)
    event = act.change_status(actor=desk.l1, number=ticket.number, to="on_hold",
                              supplier=desk.supplier, note="Please look.", now=clock.now())  # fmt: skip
    assert event.data["ola_calendar"] == f"supplier:{desk.supplier.slug}"
    assert "2026-07-03" in event.data["ola_hours"]["holidays"]
    ola = TicketTarget.objects.get(ticket=ticket, target="supplier")
    # Monday 6 July 08:00 EDT (12:00 UTC) + 4 hours
    assert ola.due == datetime(2026, 7, 6, 16, 0, tzinfo=UTC)


def test_the_command_line_keeps_the_suppliers_own_desk(desk: Desk, capsys) -> None:  # type: ignore[no-untyped-def]
    from tierdesk.cli.main import main

    code = main(["supplier", "create", "Platform Vendor", "--method", "email",
                 "--contact", "support@platform.example", "--response", "2h", "--ola", "8h",
                 "--time-zone", "America/New_York", "--hours", "mon-fri 08:00-20:00",
                 "--holidays", "US", "--reference-pattern", r"\[Case (\d+)\]",
                 "--scale", "Critical", "--scale", "Major", "--severity", "high=Critical",
                 "--solved", "Case status: Solved", "--also-contact", "duty@platform.example"])  # fmt: skip
    assert code == 0, capsys.readouterr()
    terms = SupportTerms.objects.get(organisation__slug="platform-vendor")
    assert (terms.time_zone, terms.hours, terms.holiday_country) == (
        "America/New_York",
        "mon-fri 08:00-20:00",
        "US",
    )
    assert terms.severity_scale == ["Critical", "Major"] and terms.contacts == [
        "duty@platform.example"
    ]
    assert terms.solved_phrases == ["Case status: Solved"] and terms.response_target == "2h"
    assert main(["supplier", "edit", "platform-vendor", "--reference-pattern", "(("]) != 0
    assert "reference_pattern" in capsys.readouterr().err
