"""Structured logs: one JSON object per line carrying the request id (the caller's, or a new
one, echoed in the response) and the ticket number the request is about."""

from __future__ import annotations

import io
import json
import logging
import pydoc

import pytest
from django.test import Client

from tierdesk.config import logs


@pytest.fixture
def json_log():  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    config = logs.config("json", "INFO")
    handler = logging.StreamHandler(buffer)
    handler.addFilter(logs.ContextFilter())
    formatter = config["formatters"]["json"]
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(
        JsonFormatter(
            fmt=formatter["fmt"], rename_fields=formatter["rename_fields"], timestamp="time"
        )
    )
    logger = logging.getLogger("tierdesk")
    requests = logging.getLogger("tierdesk.request")  # INFO in the JSON configuration
    levels = logger.level, requests.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    requests.setLevel(config["loggers"]["tierdesk.request"]["level"])
    yield buffer
    logger.removeHandler(handler)
    logger.setLevel(levels[0])
    requests.setLevel(levels[1])


def _lines(buffer: io.StringIO) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_about_a_ticket_logs_json_with_its_request_id_and_number(desk, json_log) -> None:  # type: ignore[no-untyped-def]
    ticket = desk.open()
    client = Client()
    client.force_login(desk.l1)
    response = client.get(f"/tickets/{ticket.number}/", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a.42"
    (line,) = [r for r in _lines(json_log) if r["logger"] == "tierdesk.request"]
    assert line["request_id"] == "lb-7f3a.42"
    assert line["ticket"] == ticket.number
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["level"] == "INFO" and "time" in line


@pytest.mark.django_db
def test_a_missing_or_unusable_request_id_is_replaced_by_a_new_one(json_log) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    plain = client.get("/health/live")
    made = plain["X-Request-ID"]
    assert len(made) == 32
    odd = client.get("/health/live", HTTP_X_REQUEST_ID="two words\nand a newline")
    assert odd["X-Request-ID"] not in ("two words\nand a newline", made)
    lines = _lines(json_log)
    assert [r["request_id"] for r in lines] == [made, odd["X-Request-ID"]]
    assert all(r["ticket"] is None for r in lines)
    # Outside a request, records carry no id.
    logging.getLogger("tierdesk.test").info("between requests")
    assert _lines(json_log)[-1]["request_id"] is None


def test_the_json_setting_builds_a_json_handler() -> None:
    config = logs.config("json", "WARNING")
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["root"]["level"] == "WARNING"
    # The classes the configuration names resolve (without reconfiguring this test run).
    formatter = pydoc.locate(config["formatters"]["json"]["()"])
    assert formatter is not None and issubclass(formatter, logging.Formatter)
    assert pydoc.locate(config["filters"]["context"]["()"]) is logs.ContextFilter
