"""Scale-out mode: Celery beat and any number of workers on Redis run the same jobs as the
in-process scheduler. The tasks are thin calls; the database says what is due, so a task run
twice, late, or on several machines at once records everything exactly once."""

from __future__ import annotations

import os

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections  # noqa: E402

from tierdesk import clock  # noqa: E402
from tierdesk.config import env  # noqa: E402

interval = float(settings.TIERDESK["SCHEDULER_INTERVAL"])
app = Celery("tierdesk", broker=settings.TIERDESK["BROKER_URL"] or None)
app.conf.update(
    task_acks_late=True,  # a task whose worker dies is delivered again
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_default_queue="tierdesk",
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": env.integer("CELERY_VISIBILITY_TIMEOUT", 300, low=1)
    },
    timezone="UTC",
    beat_schedule_filename=str(settings.DATA_DIR / "celerybeat-schedule"),
    beat_schedule={
        "sweep": {
            "task": "tierdesk.sweep",
            "schedule": interval,
            "options": {"expires": interval * 2},
        },
        "outbox": {
            "task": "tierdesk.outbox",
            "schedule": interval,
            "options": {"expires": interval * 2},
        },
        "sessions": {"task": "tierdesk.clear_sessions", "schedule": 3600.0},
        "mail": {"task": "tierdesk.mail_poll", "schedule": 30.0, "options": {"expires": 60.0}},
        "mail_pending": {
            "task": "tierdesk.mail_pending",
            "schedule": 30.0,
            "options": {"expires": 60.0},
        },
    },
)


@app.task(name="tierdesk.sweep")
def sweep_task() -> int:
    from tierdesk.jobs.sweep import sweep

    close_old_connections()
    return sweep(clock.now(), limit=settings.TIERDESK["SWEEP_LIMIT"]).events


@app.task(name="tierdesk.outbox")
def outbox_task() -> int:
    from tierdesk.jobs.outbox import deliver

    close_old_connections()
    return deliver(clock.now()).sent


@app.task(name="tierdesk.clear_sessions")
def clear_sessions_task() -> int:
    from tierdesk.jobs.registry import clear_expired_sessions

    close_old_connections()
    return clear_expired_sessions(clock.now())


@app.task(name="tierdesk.mail_poll")
def mail_poll_task() -> int:
    from tierdesk.jobs.registry import run_mail_poll

    close_old_connections()
    return run_mail_poll(clock.now())


@app.task(name="tierdesk.mail_pending")
def mail_pending_task() -> int:
    from tierdesk.jobs.registry import run_mail_pending

    close_old_connections()
    return run_mail_pending(clock.now())
