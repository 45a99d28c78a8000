"""Logging: plain lines for a terminal, one JSON object per line when `TIERDESK_LOG_FORMAT=json`
(python-json-logger). Every record carries the request id and the ticket number of the request
or job it was written in, when there is one (`context` sets them; a filter copies them in)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
ticket: contextvars.ContextVar[str | None] = contextvars.ContextVar("ticket", default=None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `ticket` to every record (None outside a request or a ticket)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        if not hasattr(record, "ticket"):
            record.ticket = ticket.get()
        return True


@contextmanager
def about_ticket(number: str | None) -> Iterator[None]:
    """Log records written inside name this ticket."""
    token = ticket.set(number)
    try:
        yield
    finally:
        ticket.reset(token)


def config(form: str, level: str) -> dict[str, Any]:
    """The LOGGING setting for `form` ("plain" or "json")."""
    formatters: dict[str, Any] = {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id", "ticket", "process"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "tierdesk.config.logs.ContextFilter"}},
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": form,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"},
            # One line per request (method, path, status, duration) in JSON logs; terminals keep
            # gunicorn's own access log (`serve --access-log`).
            "tierdesk.request": {"level": "INFO" if form == "json" else "WARNING"},
        },
    }
