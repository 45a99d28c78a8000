"""What every request leaves for the operator: a request id (the caller's X-Request-ID when it is
a sensible token, else a new one) echoed in the response and carried by every log record written
while it is handled, with the ticket number when the address names one; a count by status for
the metrics; one log line with the method, path, status and duration."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter

from tierdesk import clock
from tierdesk.actions.heartbeats import WEB, pulse
from tierdesk.config import logs

log = logging.getLogger("tierdesk.request")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
REQUESTS = Counter(
    "tierdesk_http_requests",
    "HTTP requests answered, by method and status code",
    ["method", "status"],
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    if REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_of(request)
        request.request_id = rid  # type: ignore[attr-defined]
        rid_token = logs.request_id.set(rid)
        ticket_token = logs.ticket.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            method = request.method if request.method in METHODS else "OTHER"
            REQUESTS.labels(method=method, status=str(response.status_code)).inc()
            pulse(WEB).count("requests", clock.now())
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            logs.ticket.reset(ticket_token)
            logs.request_id.reset(rid_token)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> None:
        number = kwargs.get("number")
        if isinstance(number, str):
            logs.ticket.set(number)
        return None
