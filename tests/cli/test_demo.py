"""`tierdesk demo` loads each shipped profile's own demo desk, and `migrate` says what it did."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tierdesk import clock, profiles
from tierdesk.cli.main import main
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.persistence.models import (
    AdminChange,
    CannedReply,
    Event,
    LevelMembership,
    Organisation,
    SupportTerms,
    Ticket,
    User,
)
from tierdesk.queries import macros as canned_replies

AWKWARD = datetime(2026, 4, 6, 6, 30, tzinfo=UTC)
INSTANTS = [
    # Easter Monday before the desks open: a public holiday in every profile's country after a
    # weekend, so "the third working day before today" skips four days and no desk is open now.
    AWKWARD,
    # An ordinary Wednesday afternoon, every desk open.
    datetime(2026, 3, 11, 14, 0, tzinfo=UTC),
]


@pytest.fixture(params=INSTANTS, ids=["easter-monday-early", "wednesday-afternoon"])
def at_instant(request: pytest.FixtureRequest) -> Iterator[None]:
    previous = clock.install(clock.FixedClock(request.param))
    yield
    clock.install(previous)


@pytest.mark.django_db
@pytest.mark.parametrize("name", profiles.builtin_names())
def test_every_shipped_profile_loads_its_own_demo_desk(
    name: str, settings: Any, at_instant: None, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": name}
    profile = profiles.load(name)
    assert main(["demo", "--port", "8765"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8765/" in out and f"{Ticket.objects.count()} tickets" in out

    for key, level in profile.levels.items():
        assert level.label in out  # the summary names every level by the profile's label
        if level.staffed_by is OrganisationKind.PROVIDER:
            assert LevelMembership.objects.filter(level=key, user__role=Role.AGENT).exists(), key
    supplier_side = profile.suppliers is not None or any(
        lv.staffed_by is OrganisationKind.SUPPLIER for lv in profile.levels.values()
    )
    if supplier_side:
        assert User.objects.filter(
            role=Role.SUPPLIER_CONTACT, organisation__kind=OrganisationKind.SUPPLIER
        ).exists()
        assert Ticket.objects.exclude(supplier="").exclude(supplier__isnull=True).exists()
        assert SupportTerms.objects.exists()
    assert (
        AdminChange.objects.filter(object_kind="person", verb="create").count()
        == User.objects.count() - 1
    )
    assert Organisation.objects.filter(kind="customer", parent__kind="partner").exists()
    # Shared canned replies in the profile's reply language, logged as the manager's work.
    shared = CannedReply.objects.filter(profile=name, owner=None, is_active=True)
    assert shared.count() >= 3
    assert all(r.texts.filter(language=profile.languages.reply).exists() for r in shared)
    assert AdminChange.objects.filter(object_kind="canned_reply", verb="create").count() == (
        shared.count()
    )
    # Each fills in for a demo ticket: no placeholder left, the number and the requester named.
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("username").first()
    ticket = Ticket.objects.filter(requester__isnull=False).order_by("number").first()
    assert agent is not None and ticket is not None
    picks = canned_replies.for_ticket(agent, ticket)
    assert len(picks) == shared.count()
    for pick in picks:
        assert "{{" not in pick["body"] and "}}" not in pick["body"], pick
    assert any(ticket.number in pick["body"] for pick in picks)

    assert set(Ticket.objects.values_list("status", flat=True)) == set(profile.statuses)
    assert set(Ticket.objects.values_list("severity", flat=True)) <= set(profile.severities)
    assert Event.objects.filter(kind="sla_breach").exists()
    assert Event.objects.filter(kind="sla_warning").exists()
    if profile.escalation_matrix:
        assert Event.objects.filter(kind="management_escalated").exists()
    if profile.invalid_reasons:
        assert Event.objects.filter(kind="rejected").exists()

    assert main(["audit", "verify"]) == 0
    assert "every chain intact" in capsys.readouterr().out
    counts = (Ticket.objects.count(), Event.objects.count(), User.objects.count())
    assert main(["demo"]) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert (Ticket.objects.count(), Event.objects.count(), User.objects.count()) == counts


def test_every_shipped_profile_has_a_demo_desk() -> None:
    from tierdesk.cli.demo.desk_file import shipped

    assert shipped() == profiles.builtin_names()


@pytest.mark.django_db
def test_a_profile_without_a_demo_desk_is_refused_and_nothing_is_written(
    settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.toml"
    text = (profiles.BUILTIN / "demo.toml").read_text().replace('name = "demo"', 'name = "own"')
    own.write_text(text)
    settings.TIERDESK = {**settings.TIERDESK, "PROFILE": str(own)}
    assert main(["demo"]) == 1
    assert "no demo desk for the profile 'own'" in capsys.readouterr().err
    assert not User.objects.exists() and not Organisation.objects.exists()


def test_migrate_says_what_it_did(tmp_path: Path) -> None:
    """On a brand-new database, after a release with one new migration, and when up to date
    (one process on a throwaway SQLite file, since only a new database can be created)."""
    env = {k: v for k, v in os.environ.items() if k != "TIERDESK_DATABASE_URL"}
    env.update(TIERDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tierdesk.config.settings")
    script = "\n".join(
        [
            "from django.core.management import call_command",
            "from tierdesk.cli.main import main",
            'main(["migrate"])',
            f'call_command("migrate", "tierdesk", "{_previous_migration()}", verbosity=0)',
            'main(["migrate"])',
            'main(["migrate"])',
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    created, applied, current = done.stdout.splitlines()
    assert re.fullmatch(r"created the database \(\d+ migrations applied\).*", created)
    assert (applied, current) == ("applied 1 migration", "database is up to date")


def _previous_migration() -> str:
    from tierdesk.persistence import migrations

    names = sorted(p.stem for p in Path(migrations.__file__).parent.glob("0*.py"))
    return names[-2]


def test_a_desk_file_names_the_entry_it_cannot_use() -> None:
    from tierdesk.cli.demo.desk_file import DeskFileError, _Reader

    profile = profiles.load("demo")
    reader = _Reader(profile, Path("demo.toml"), AWKWARD)
    people = [
        {"username": "ann", "name": "Ann Agent", "role": "agent", "levels": ["l1"]},
        {"username": "ada", "name": "Ada Admin", "role": "administrator"},
    ]
    story = {"key": "t", "at": "-1d 10:00", "by": "ann", "subject": "s"}
    with pytest.raises(DeskFileError, match=r"ticket 't' step 1: 'bob' is not one of"):
        reader.desk(
            {"people": people, "tickets": [{**story, "steps": [["+1h", "bob", "note", "x"]]}]}
        )
    with pytest.raises(DeskFileError, match=r"ticket 't' step 1: 'shout' is not a verb"):
        reader.desk({"people": people, "tickets": [{**story, "steps": [["+1h", "ann", "shout"]]}]})
    with pytest.raises(DeskFileError, match=r"ticket 't' step 1: '\+9d' is in the future"):
        reader.desk(
            {"people": people, "tickets": [{**story, "steps": [["+9d", "ann", "note", "x"]]}]}
        )
    with pytest.raises(DeskFileError, match=r"people\[0\] \(ann\): 'l9' is not a level"):
        reader.desk({"people": [{**people[0], "levels": ["l9"]}]})
    with pytest.raises(DeskFileError, match=r"people: the desk needs an administrator"):
        reader.desk({"people": people[:1]})
