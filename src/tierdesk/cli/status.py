"""`tierdesk status`: every component of the desk with each process's heartbeat age and what it
last did; exit 1 when an expected component or the sweep or outbox has gone quiet."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "status",
        help="each component's heartbeat and what it last did; exit 1 when something is stale",
    )
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(handler="status")


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _did(now: datetime, did: dict[str, Any]) -> str:
    parts = []
    for what, entry in sorted(did.items()):
        if not isinstance(entry, dict):
            continue
        figures = ", ".join(f"{k} {v}" for k, v in sorted(entry.items()) if k != "at")
        try:
            when = _ago((now - datetime.fromisoformat(entry["at"])).total_seconds())
        except (KeyError, TypeError, ValueError):
            when = ""
        parts.append(f"{what} {when}" + (f" ({figures})" if figures else ""))
    return "; ".join(parts) or "nothing recorded yet"


def run(args: argparse.Namespace) -> int:
    from tierdesk import clock
    from tierdesk.queries.health import ROLES, status

    now = clock.now()
    health = status(now)
    if args.json:
        print(json.dumps(health.as_json()))
        return 0 if health.ok else 1
    print(f"Tierdesk status at {now.isoformat(timespec='seconds')}")
    for c in health.components:
        state = "up" if c.up else ("STALE" if c.instances else "MISSING")
        print(f"\n{c.name} ({ROLES.get(c.name, '')}): {state}")
        for i in c.instances:
            mark = "STALE " if i.stale else ""
            print(
                f"  {mark}{i.instance}: heartbeat {_ago(i.age)}, up since "
                f"{i.started_at.isoformat(timespec='seconds')}; {_did(now, i.did)}"
            )
    print()
    for job, at in health.last_run.items():
        print(f"{job}: " + (f"last ran {_ago((now - at).total_seconds())}" if at else "never ran"))
    if health.ok:
        print("\nok")
        return 0
    print(f"\nproblems (stale after {health.stale_after} s):")
    for problem in health.problems:
        print(f"  {problem}")
    return 1
