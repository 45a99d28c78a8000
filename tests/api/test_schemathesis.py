"""Schemathesis against the served OpenAPI document, as a partner's token and as an agent's:
generated requests to every operation answer no server error and nothing the document does
not describe (status, content type, body). Bounded: a few examples per operation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ApiClient, Desk
from tierdesk.api.site import api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 5


@pytest.fixture(autouse=True)
def _connection_kept(db: None) -> Iterator[None]:
    """As Django's test client does: the test's connection (and its transaction) outlives each
    request instead of being closed when the request finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The document the API serves at /api/v1/openapi.json, built without a request; the calls go to
# the desk's WSGI application, every middleware included.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=DjangoJSONEncoder))
)
schema.app = get_wsgi_application()
# The documented examples and a few generated requests per operation; the coverage phase (every
# boundary of every parameter) would take far longer than a CI run may spend here.
schema.config.phases.coverage.enabled = False


@pytest.fixture
def partner_token(desk: Desk) -> str:
    desk.open()  # a ticket to find, list and act on
    return ApiClient(desk.north_user).token


@pytest.fixture
def agent_token(desk: Desk) -> str:
    desk.open()
    return ApiClient(desk.l1).token


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@schema.parametrize()
@BOUNDED
def test_the_api_answers_a_partner_as_documented(case: Any, partner_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {partner_token}"}, checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_the_api_answers_an_agent_as_documented(case: Any, agent_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {agent_token}"}, checks=CHECKS)
