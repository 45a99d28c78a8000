"""The scenario simulator: a scenario runs through the real actions and the real sweep on a
throwaway database, with a virtual clock that stops at every deadline on the way, so automatic
events carry their exact due instants.

Input: {"profile": NAME|PATH, "until": ISO8601, "steps": [{"at": ISO8601, "do": ACTION, "ticket": REF, ...}]}
Output: {"tickets": {REF: {"number", "status", "severity", "sla": [...], "events": [...]}}}
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

ACTIONS = (
    "open",
    "reply",
    "status",
    "resolve",
    "request_confirmation",
    "close",
    "severity",
    "escalate",
    "supplier",
    "supplier_mail",
    "supplier_solved",
    "management_escalation",
    "contact_attempt",
    "reject",
)


class ScenarioError(ValueError):
    """A scenario file that cannot be run; the message names the step and the key."""


def _instant(value: Any, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise ScenarioError(f"{where}: {value!r} needs a time zone offset, e.g. +01:00")
    return parsed


def load_scenario(text: str) -> dict[str, Any]:
    try:
        scenario = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"not JSON: {exc}") from None
    if not isinstance(scenario, dict):
        raise ScenarioError("a scenario is a JSON object with profile, until and steps")
    for key in ("profile", "until", "steps"):
        if key not in scenario:
            raise ScenarioError(f"{key}: is missing")
    if not isinstance(scenario["steps"], list):
        raise ScenarioError("steps: is not a list")
    _instant(scenario["until"], "until")
    for n, step in enumerate(scenario["steps"], start=1):
        where = f"steps[{n}]"
        if not isinstance(step, dict):
            raise ScenarioError(f"{where}: is not an object")
        _instant(step.get("at"), f"{where}.at")
        if step.get("do") not in ACTIONS:
            raise ScenarioError(
                f"{where}.do: {step.get('do')!r} is not one of {', '.join(ACTIONS)}"
            )
        if not isinstance(step.get("ticket"), str):
            raise ScenarioError(f"{where}.ticket: a ticket reference (any name) is required")
    # Steps may be written grouped by ticket; they run in time order (stable for equal instants).
    scenario["steps"] = sorted(scenario["steps"], key=lambda step: _instant(step["at"], "at"))
    return scenario


def run(scenario: dict[str, Any]) -> dict[str, Any]:
    """Run on a throwaway SQLite database; call before Django is set up in this process."""
    workdir = tempfile.mkdtemp(prefix="tierdesk-simulate-")
    os.environ["TIERDESK_DATA_DIR"] = workdir
    os.environ["TIERDESK_DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'simulation.sqlite3'}"
    os.environ["TIERDESK_PROFILE"] = str(scenario["profile"])
    os.environ.pop("TIERDESK_SMTP_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from tierdesk.cli.simulation import Simulation

    return Simulation(scenario).run()
