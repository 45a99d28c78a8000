"""Monitoring sources and message bridges: people holding a token of one intake's scope."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tierdesk import clock
from tierdesk.actions.people import create_user
from tierdesk.actions.tokens import create_token
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import Organisation, User

TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata"
ALERTMANAGER = TESTDATA / "alertmanager" / "msteams__prom_post_request.json"


def real_payload() -> dict[str, Any]:
    """The real Alertmanager body from the shared test data, read by path."""
    if not ALERTMANAGER.exists():
        pytest.skip(f"{ALERTMANAGER} is absent (a user's checkout); CI always has it")
    return json.loads(ALERTMANAGER.read_text(encoding="utf-8"))


def resolved(payload: dict[str, Any]) -> dict[str, Any]:
    """The same alerts as Alertmanager sends them once they stop firing."""
    out = copy.deepcopy(payload)
    out["status"] = "resolved"
    for alert in out["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2018-03-07T07:03:21.873077559-05:00"
    return out


def firing(payload: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    for alert in out["alerts"]:
        alert.setdefault("status", "firing")
    return out


class Source:
    """A client posting with a scoped token of `user`."""

    def __init__(self, user: User, scope: str) -> None:
        self.user = user
        secret = create_token(user=user, name=scope or "personal", now=clock.now(), scope=scope)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret.secret}")

    def post(self, path: str, payload: Any) -> Any:
        return self.client.post(
            f"/api/v1{path}", json.dumps(payload), content_type="application/json"
        )


def system_user(name: str, org: Organisation, role: Role, levels: tuple[str, ...] = ()) -> User:
    return create_user(
        username=name,
        email=f"{name}@example.com",
        organisation=org,
        role=role,
        password="correct horse battery",
        levels=levels,
        now=clock.now(),
        first_name="Monitoring",
        last_name="Console",
    )
