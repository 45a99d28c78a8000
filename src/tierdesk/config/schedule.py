"""The periodic jobs of the desk and how often each runs in the in-process scheduler. Here in
`config`, which puts the desk together, because the jobs reach more than one edge (the job
bodies in `jobs/`, the IMAP poller in `mail/`) and the edges do not import each other."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from tierdesk.actions.heartbeats import SCHEDULER, forget, pulse
from tierdesk.actions.sessions import clear_expired_sessions
from tierdesk.jobs.scheduler import Job


def forget_idempotency_keys(now: datetime) -> int:
    from tierdesk.actions.idempotency import forget_expired

    return forget_expired(now)


def run_sweep(now: datetime) -> int:
    from tierdesk.jobs.sweep import sweep

    done = sweep(now, limit=settings.TIERDESK["SWEEP_LIMIT"])
    pulse(SCHEDULER).record("sweep", now, tickets=done.tickets, events=done.events)
    return done.events


def run_outbox(now: datetime) -> int:
    from tierdesk.jobs.outbox import deliver

    done = deliver(now)
    pulse(SCHEDULER).record("outbox", now, sent=done.sent, failed=done.failed)
    return done.sent


def forget_heartbeats(now: datetime) -> int:
    return forget(now)


def run_mail_poll(now: datetime) -> int:
    if not settings.TIERDESK["IMAP"]:
        return 0
    from tierdesk.mail.sources.imap import poll_all

    fetched = len(poll_all(now=now))
    pulse(SCHEDULER).record("mail_poll", now, messages=fetched)
    return fetched


def run_mail_pending(now: datetime) -> int:
    """Decide received messages left pending (their process or the database stopped)."""
    from tierdesk.intake.mail import take_up_pending

    return len(take_up_pending(now))


JOBS = [
    Job("sweep", timedelta(seconds=5), run_sweep),
    Job("outbox", timedelta(seconds=5), run_outbox),
    Job("mail_poll", timedelta(seconds=settings.TIERDESK["MAIL_POLL_SECONDS"]), run_mail_poll),
    Job("mail_pending", timedelta(seconds=30), run_mail_pending),
    Job("clear_expired_sessions", timedelta(hours=1), clear_expired_sessions),
    Job("forget_idempotency_keys", timedelta(hours=1), forget_idempotency_keys),
    Job("forget_heartbeats", timedelta(hours=1), forget_heartbeats),
]
