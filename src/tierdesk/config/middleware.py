"""What every request passes before a handler sees it: its text cleaned, its change one transaction."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext

from tierdesk.api.errors import error_response

SAFE = ("GET", "HEAD", "OPTIONS", "TRACE")


class TimeZoneMiddleware:
    """Activates the one zone every time on the page is shown in: the signed-in person's own
    (their account setting), else the desk's (the profile's default calendar)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from tierdesk.queries.zones import zone_for

        timezone.activate(zone_for(getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


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


def _nul_in(value: Any, name: str) -> Iterator[str]:
    """The names of the fields under `value` whose text holds a NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            yield name
    elif isinstance(value, dict):
        for key, item in value.items():
            label = f"{name}.{key}" if name else str(key)
            if "\x00" in str(key):
                yield label
            yield from _nul_in(item, label)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_in(item, f"{name}.{index}" if name else str(index))


def nul_field(request: HttpRequest) -> str | None:
    """The first field of the request whose text holds a NUL (U+0000), or None.

    PostgreSQL cannot store the character and no person types it, so it is refused at the door
    for the path, the query, the form, a JSON body and the headers of each uploaded part.
    """
    if "\x00" in request.path:
        return "path"
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", "\\0")
    if request.method in SAFE:
        return None
    kind = request.content_type or ""
    if kind == "application/json":
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return None  # not JSON: the handler answers that
        found = next(_nul_in(payload, ""), None)
        return None if found is None else found or "body"
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "\\0")
        for key, files in request.FILES.lists():
            for upload in files:
                parts = (upload.name, upload.content_type, upload.charset or "")
                extra = getattr(upload, "content_type_extra", None) or {}
                texts = [*parts, *extra.values()]
                if any((b"\x00" if isinstance(t, bytes) else "\x00") in (t or "") for t in texts):
                    return key
    if "\x00" in (request.META.get("CONTENT_TYPE") or ""):
        return "Content-Type"
    return None


class RefuseNulMiddleware:
    """Refuses, naming the field, any request whose text holds a NUL character: the API with its
    field error (422, like the schemas' own check), a page with a 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = nul_field(request)
        except MultiPartParserError:
            field = "body"
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):  # a field error, as the API answers every one
            return error_response(
                422,
                "invalid",
                f"the field {field!r} contains a NUL character",
                {field: "must not contain NUL characters"},
            )
        title = gettext("Bad request")
        message = gettext("The field %(field)s contains a NUL character.") % {"field": field}
        return HttpResponse(
            f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(message)}</p>",
            status=400,
        )
