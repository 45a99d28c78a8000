"""The timing knobs are settings: the in-process sweep honours TIERDESK_SWEEP_LIMIT as the Celery
task does, the visibility timeout and mail poll interval reach Celery, bad values are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tierdesk import clock
from tierdesk.actions.heartbeats import SCHEDULER
from tierdesk.config import env
from tierdesk.config.schedule import run_sweep
from tierdesk.persistence.models import Heartbeat, Ticket


@pytest.mark.django_db
def test_the_in_process_sweep_claims_no_more_than_the_sweep_limit(
    desk, fixed_clock, settings
) -> None:  # type: ignore[no-untyped-def]
    desk.open(subject="Quota one")
    desk.open(subject="Quota two")
    fixed_clock.advance(timedelta(days=3))
    settings.TIERDESK = {**settings.TIERDESK, "SWEEP_LIMIT": 1}
    run_sweep(clock.now())
    assert Heartbeat.objects.get(component=SCHEDULER).did["sweep"]["tickets"] == 1
    assert Ticket.objects.filter(next_deadline__lt=clock.now()).count() == 1  # the next run's


def _settings(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIERDESK_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(variables, TIERDESK_DATA_DIR=os.environ["TIERDESK_DATA_DIR"])
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tierdesk.config.settings';"
            "import django; django.setup();"
            "from tierdesk.config.celery_app import app;"
            "print(app.conf.broker_transport_options['visibility_timeout'],"
            " app.conf.beat_schedule['mail']['schedule'], app.conf.worker_hijack_root_logger)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_visibility_timeout_and_the_mail_poll_reach_celery() -> None:
    done = _settings(
        TIERDESK_VISIBILITY_TIMEOUT="900",
        TIERDESK_MAIL_POLL_SECONDS="45",
        TIERDESK_LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["900", "45.0", "False"]
    older = _settings(TIERDESK_CELERY_VISIBILITY_TIMEOUT="120")
    assert older.stdout.split()[0] == "120"  # the older name still counts
    bad = _settings(TIERDESK_LOG_FORMAT="xml")
    assert bad.returncode != 0
    assert "TIERDESK_LOG_FORMAT='xml' is not one of plain, json" in bad.stderr


def test_a_choice_setting_names_the_variable_and_the_choices(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TIERDESK_LOG_FORMAT", " JSON ")
    assert env.choice("LOG_FORMAT", "plain", ("plain", "json")) == "json"
    monkeypatch.setenv("TIERDESK_LOG_FORMAT", "")
    assert env.choice("LOG_FORMAT", "plain", ("plain", "json")) == "plain"
    monkeypatch.setenv("TIERDESK_LOG_FORMAT", "yaml")
    with pytest.raises(env.ConfigError, match="TIERDESK_LOG_FORMAT"):
        env.choice("LOG_FORMAT", "plain", ("plain", "json"))
