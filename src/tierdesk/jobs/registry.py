"""The periodic jobs of the desk and how often each runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.sessions.models import Session

from tierdesk.jobs.scheduler import Job


def clear_expired_sessions(now: datetime) -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def run_sweep(now: datetime) -> int:
    from tierdesk.jobs.sweep import sweep

    return sweep(now).events


def run_outbox(now: datetime) -> int:
    from tierdesk.jobs.outbox import deliver

    return deliver(now).sent


def run_mail_poll(now: datetime) -> int:
    from django.conf import settings

    if not settings.TIERDESK["IMAP"]:
        return 0
    from tierdesk.mail.sources.imap import poll_all

    return len(poll_all(now=now))


def run_mail_pending(now: datetime) -> int:
    """Decide received messages left pending (their process or the database stopped)."""
    from tierdesk.mail.intake import take_up_pending

    return len(take_up_pending(now))


JOBS = [
    Job("sweep", timedelta(seconds=5), run_sweep),
    Job("outbox", timedelta(seconds=5), run_outbox),
    Job("mail_poll", timedelta(seconds=30), run_mail_poll),
    Job("mail_pending", timedelta(seconds=30), run_mail_pending),
    Job("clear_expired_sessions", timedelta(hours=1), clear_expired_sessions),
]
