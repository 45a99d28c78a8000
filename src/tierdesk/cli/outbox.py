"""`tierdesk outbox`: how many notifications wait, were sent or were parked, and why each parked one failed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "outbox", help="the outgoing mail: counts by state and the parked notifications"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(handler="outbox")


def run(args: argparse.Namespace) -> int:
    from tierdesk.jobs.outbox import parked, summary

    counts = summary()
    rows = parked()
    if args.json:
        print(json.dumps({"counts": counts}))
        for row in rows:
            print(json.dumps(_row(row)))
        return 0
    print("  ".join(f"{state}: {count}" for state, count in counts.items()))
    if rows:
        print(f"\nparked ({len(rows)}):")
    for row in rows:
        r = _row(row)
        print(
            f"  #{r['id']} {r['kind']} to {r['recipient']}"
            f"{' on ' + str(r['ticket']) if r['ticket'] else ''} after {r['attempts']} attempts:"
            f" {r['reason']}"
        )
    sys.stdout.flush()
    return 0


def _row(row: object) -> dict[str, object]:
    from tierdesk.persistence.models import Notification

    assert isinstance(row, Notification)
    return {
        "id": row.pk,
        "kind": row.kind,
        "recipient": row.recipient,
        "ticket": row.ticket.number if row.ticket else None,
        "attempts": row.attempts,
        "reason": row.last_error,
    }
