"""Login sessions the desk no longer needs: the hourly clean-up of expired ones."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.models import Session


def clear_expired_sessions(now: datetime) -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted
