"""What every request passes before a handler sees it: its change is one transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

SAFE = ("GET", "HEAD", "OPTIONS", "TRACE")


class RequestTransactionMiddleware:
    """Runs a page's or an API call's whole change in one transaction, rolled back when it ends
    in a server error (Django turns the exception into a 500 response before it reaches here).

    Refusals (4xx) keep what they wrote on purpose, e.g. a failed login's attempt counter; the
    handlers check every part before their first write, so a refusal has written nothing else.
    Safe methods run without one, so readers never take SQLite's write lock.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response
