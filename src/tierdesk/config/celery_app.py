"""Scale-out mode: Celery beat and any number of workers on Redis run the same jobs as the
in-process scheduler. The tasks are thin calls; the database says what is due, so a task run
twice, late, or on several machines at once records everything exactly once."""

from __future__ import annotations

import os

import django
from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections  # noqa: E402

from tierdesk import clock  # noqa: E402
from tierdesk.actions.heartbeats import WORKER, Pulse, pulse  # noqa: E402

interval = float(settings.TIERDESK["SCHEDULER_INTERVAL"])
app = Celery("tierdesk", broker=settings.TIERDESK["BROKER_URL"] or None)
app.conf.update(
    task_acks_late=True,  # a task whose worker dies is delivered again
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_default_queue="tierdesk",
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": settings.TIERDESK["VISIBILITY_TIMEOUT"]},
    # JSON logs (TIERDESK_LOG_FORMAT=json) stay JSON: the desk's logging, not Celery's.
    worker_hijack_root_logger=settings.LOG_FORMAT != "json",
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
        "idempotency": {"task": "tierdesk.forget_idempotency_keys", "schedule": 3600.0},
        "heartbeats": {"task": "tierdesk.forget_heartbeats", "schedule": 3600.0},
        "mail": {
            "task": "tierdesk.mail_poll",
            "schedule": float(settings.TIERDESK["MAIL_POLL_SECONDS"]),
            "options": {"expires": settings.TIERDESK["MAIL_POLL_SECONDS"] * 2.0},
        },
        "mail_pending": {
            "task": "tierdesk.mail_pending",
            "schedule": 30.0,
            "options": {"expires": 60.0},
        },
    },
)


_worker_pulse: Pulse | None = None


@signals.worker_ready.connect
def _worker_started(sender: object = None, **_: object) -> None:
    """The worker's heartbeat under its --hostname, beating while it runs."""
    global _worker_pulse
    _worker_pulse = pulse(WORKER, str(getattr(sender, "hostname", "") or "") or None).start()


@signals.worker_shutdown.connect
def _worker_stopped(**_: object) -> None:
    if _worker_pulse is not None:
        _worker_pulse.stop()


def _worker_name(task: object) -> str | None:
    return getattr(getattr(task, "request", None), "hostname", None)


@app.task(name="tierdesk.sweep", bind=True)
def sweep_task(self: object) -> int:
    from tierdesk.jobs.sweep import sweep

    close_old_connections()
    now = clock.now()
    done = sweep(now, limit=settings.TIERDESK["SWEEP_LIMIT"])
    pulse(WORKER, _worker_name(self)).record("sweep", now, tickets=done.tickets, events=done.events)
    return done.events


@app.task(name="tierdesk.outbox", bind=True)
def outbox_task(self: object) -> int:
    from tierdesk.jobs.outbox import deliver

    close_old_connections()
    now = clock.now()
    done = deliver(now)
    pulse(WORKER, _worker_name(self)).record("outbox", now, sent=done.sent, failed=done.failed)
    return done.sent


@app.task(name="tierdesk.forget_heartbeats")
def forget_heartbeats_task() -> int:
    from tierdesk.actions.heartbeats import forget

    close_old_connections()
    return forget(clock.now())


@app.task(name="tierdesk.clear_sessions")
def clear_sessions_task() -> int:
    from tierdesk.config.schedule import clear_expired_sessions

    close_old_connections()
    return clear_expired_sessions(clock.now())


@app.task(name="tierdesk.forget_idempotency_keys")
def forget_idempotency_keys_task() -> int:
    from tierdesk.config.schedule import forget_idempotency_keys

    close_old_connections()
    return forget_idempotency_keys(clock.now())


@app.task(name="tierdesk.mail_poll", bind=True)
def mail_poll_task(self: object) -> int:
    from tierdesk.mail.sources.imap import poll_all

    close_old_connections()
    if not settings.TIERDESK["IMAP"]:
        return 0
    now = clock.now()
    fetched = len(poll_all(now=now))
    pulse(WORKER, _worker_name(self)).record("mail_poll", now, messages=fetched)
    return fetched


@app.task(name="tierdesk.mail_pending")
def mail_pending_task() -> int:
    from tierdesk.config.schedule import run_mail_pending

    close_old_connections()
    return run_mail_pending(clock.now())
