"""Refusing oversized uploads before their bodies are read."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tierdesk.actions.tickets import upload_limit
from tierdesk.api.errors import error_response

# Room for multipart boundaries and the other form fields around the file.
ENVELOPE = 64 * 1024


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = upload_limit()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "bad_request", "the Content-Length header is not a number")
        if length > limit + ENVELOPE:
            return error_response(
                413,
                "too_large",
                f"the request is larger than the limit of {limit} bytes",
                {"file": f"at most {limit} bytes"},
            )
        return self.get_response(request)
