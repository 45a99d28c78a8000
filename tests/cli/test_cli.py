"""The `tierdesk` command: demo, tokens, createadmin, profile check, audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierdesk.cli.main import main
from tierdesk.persistence.models import ApiToken, Event, Organisation, Ticket, User
from tierdesk.queries.audit import verify


@pytest.mark.django_db
def test_demo_loads_every_status_once_and_then_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "north.user" in out and "agent.l1" in out and "tierdesk-demo" in out
    assert set(Ticket.objects.values_list("status", flat=True)) == {
        "new",
        "open",
        "pending",
        "on_hold",
        "resolved",
        "closed",
    }
    assert Organisation.objects.filter(kind="partner").count() == 2
    assert Organisation.objects.filter(kind="customer").count() >= 2
    assert set(User.objects.values_list("role", flat=True)) == {
        "administrator",
        "manager",
        "agent",
        "partner_admin",
        "partner_user",
        "supplier_contact",
    }
    assert verify().broken is None
    counts = (Ticket.objects.count(), Event.objects.count(), User.objects.count())
    assert main(["demo"]) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert (Ticket.objects.count(), Event.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
def test_token_create_prints_the_secret_once_and_stores_a_hash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["demo"])
    capsys.readouterr()
    assert main(["token", "create", "--user", "north.user", "--name", "ci"]) == 0
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user__username="north.user")
    assert secret.startswith("tdk_") and secret not in (token.key_hash, token.key_id)
    assert main(["token", "create", "--user", "ghost"]) == 1
    assert main(["token", "revoke", "--user", "north.user", token.key_id]) == 0
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.django_db
def test_createadmin_checks_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIERDESK_ADMIN_PASSWORD", "123")
    assert main(["createadmin", "--username", "root"]) == 1
    assert "password" in capsys.readouterr().err
    monkeypatch.setenv("TIERDESK_ADMIN_PASSWORD", "a long and unusual passphrase")
    assert main(["createadmin", "--username", "root"]) == 0
    admin = User.objects.get(username="root")
    assert admin.role == "administrator" and admin.organisation.kind == "provider"


def test_profile_check_reports_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", "check", "demo"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[profile]\nname = "Bad Name"\nversion = "1"\n[provider]\nname = "x"\nticket_prefix = "x"\n'
    )
    assert main(["profile", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert (
        "profile.name" in err
        and "provider.ticket_prefix" in err
        and "severities: is missing" in err
    )
    broken = tmp_path / "broken.toml"
    broken.write_text("[profile\n")
    assert main(["profile", "check", str(broken)]) == 1
    assert "not valid TOML" in capsys.readouterr().err


def test_profile_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["profile", "list"]) == 0
    listed = capsys.readouterr().out
    for name in ("luxcloud", "zynstra", "cloudcti", "cloudsoft", "exponential-e", "demo"):
        assert name in listed
    assert main(["profile", "show", "luxcloud", "--years", "2026"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["calendars"]["desk"]["holidays"]["2026-06-23"] == "National Day"
    assert (
        shown["severities"]["high"]["targets"]["resolution"]["within"]["business_seconds"]
        == 9 * 3600
    )
    assert main(["profile", "show", "luxcloud", "--years", "soon"]) == 1


def test_sla_due_prints_each_target(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert (
        main(
            [
                "sla",
                "due",
                "--profile",
                "luxcloud",
                "--severity",
                "high",
                "--opened",
                "2026-03-10T10:00:00+01:00",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "profile": "luxcloud",
        "severity": "high",
        "opened": "2026-03-10T10:00:00+01:00",
        "targets": [
            {
                "target": "first_response",
                "due": "2026-03-10T11:00:00+01:00",
                "calendar": "desk",
                "business_seconds": 3600,
            },
            {
                "target": "resolution",
                "due": "2026-03-11T10:00:00+01:00",
                "calendar": "desk",
                "business_seconds": 32400,
            },
        ],
    }
    assert (
        main(
            [
                "sla",
                "due",
                "--profile",
                "luxcloud",
                "--severity",
                "SEV9",
                "--opened",
                "2026-03-10T10:00+01:00",
            ]
        )
        == 1
    )
    assert (
        main(
            [
                "sla",
                "due",
                "--profile",
                "luxcloud",
                "--severity",
                "high",
                "--opened",
                "2026-03-10T10:00",
            ]
        )
        == 1
    )
    assert "time zone" in capsys.readouterr().err


@pytest.mark.django_db
def test_sla_explain_tells_the_clock_story(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime, timedelta

    from tierdesk import clock
    from tierdesk.actions import tickets as act

    fake = clock.FixedClock(datetime(2026, 3, 10, 9, tzinfo=UTC))
    previous = clock.install(fake)
    try:
        main(["demo"])
        ticket = Ticket.objects.get(status="new")
        fake.advance(timedelta(hours=1))
        agent = User.objects.get(username="agent.l1")
        act.change_status(actor=agent, number=ticket.number, to="pending", now=clock.now())
        fake.advance(timedelta(hours=3))
        capsys.readouterr()
        assert main(["sla", "explain", ticket.number]) == 0
        out = capsys.readouterr().out
        assert "Resolution [paused]" in out and "paused while Pending" in out
        assert "First response [" in out and "business hours" in out
        assert main(["sla", "explain", "DC-999999"]) == 1
    finally:
        clock.install(previous)


def test_language_check_reads_json_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import json

    monkeypatch.setenv("TIERDESK_PROFILE", "luxcloud")
    lines = [
        json.dumps(
            {"text": "Seit dem Update funktioniert die Anmeldung bei unserem Kunden nicht mehr"}
        ),
        json.dumps(
            {
                "text": "Desde la actualización nuestros clientes no pueden iniciar sesión en el panel"
            }
        ),
        "not json",
        json.dumps({"text": "The panel is down"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["language", "check"]) == 1  # one line was not JSON
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0] == {"language": "de", "decision": "accepted_no_guarantee"}
    assert out[1] == {"language": "es", "decision": "rejected"}
    assert out[2]["line"] == 3 and "JSON object" in out[2]["error"]
    assert out[3] == {"language": "en", "decision": "accepted"}


@pytest.mark.django_db
def test_mail_ingest_prints_one_line_per_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    main(["demo"])
    capsys.readouterr()
    good = tmp_path / "good.eml"
    good.write_bytes(
        b"From: ned <north.user@example.com>\r\nTo: support@democloud.example.com\r\n"
        b"Subject: Backup add-on fails\r\nMessage-ID: <cli-1@example.com>\r\n\r\n"
        b"The backup add-on fails to provision for our customer since yesterday.\r\n"
    )
    stranger = tmp_path / "stranger.eml"
    stranger.write_bytes(b"From: someone@nowhere.example.org\r\nSubject: hi\r\n\r\nhello there\r\n")
    assert (
        main(["mail", "ingest", str(good), str(stranger), str(good), str(tmp_path / "missing.eml")])
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["outcome"] for line in lines] == ["ticket", "quarantined", "duplicate", "error"]
    assert lines[0]["ticket"].startswith("DC-") and lines[0]["source"] == str(good)
    assert set(lines[0]) == {"source", "outcome", "ticket", "reason"}
    assert main(["mail", "quarantine"]) == 0
    held = json.loads(capsys.readouterr().out.splitlines()[0])
    assert held["sender"] == "someone@nowhere.example.org"
    assert main(["mail", "quarantine", "--reprocess", str(held["id"])]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "quarantined"


@pytest.mark.django_db
def test_migrate_adds_the_profiles_status_page_services(capsys: pytest.CaptureFixture[str]) -> None:
    from tierdesk.persistence.models import Service

    assert main(["migrate"]) == 0
    assert "4 status-page services added" in capsys.readouterr().out
    assert set(Service.objects.values_list("slug", flat=True)) == {
        "mail",
        "voice",
        "hosting",
        "portal",
    }
    assert main(["migrate"]) == 0
    assert "services added" not in capsys.readouterr().out
