"""Routing a new ticket to an available agent of its level (Cloudsoft: "the call is
automatically routed to an available engineer", "a Cloudsoft engineer is paged"; Exponential-e:
Level 1 Technicians perform the first stage).

The profile's `[routing]` names the levels and channels whose new tickets are routed and the rule:
`round_robin` (the available agent routed to least recently, never-routed ones first) or
`least_open` (the one with the fewest open tickets assigned, then as round robin). Who is
available is the persistence's answer (agents of the level not marked away); this module chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tierdesk.domain.events import EventKind

RULES = ("round_robin", "least_open")


@dataclass(frozen=True)
class RoutingRules:
    rule: str  # round_robin | least_open
    levels: tuple[str, ...]  # new tickets at these levels are routed
    channels: tuple[str, ...]  # new tickets from these channels are routed
    source: str = ""

    def applies(self, level: str, channel: str) -> bool:
        return level in self.levels or channel in self.channels


@dataclass(frozen=True)
class Candidate:
    """An available agent of the ticket's level, as routing weighs them."""

    key: str  # the user's id, as assignments record it
    open_tickets: int
    routed_at: datetime | None  # when a ticket was last routed to them


def choose(rule: str, candidates: Sequence[Candidate]) -> Candidate | None:
    """The agent the rule picks, or None when nobody is available."""

    def turn(c: Candidate) -> tuple[bool, float, int]:
        # never routed first, then the least recently routed, then in the order of their ids
        return (
            c.routed_at is not None,
            c.routed_at.timestamp() if c.routed_at else 0.0,
            int(c.key),
        )

    if not candidates:
        return None
    if rule == "least_open":
        return min(candidates, key=lambda c: (c.open_tickets, *turn(c)))
    return min(candidates, key=turn)


def routed(rule: str, level: str, chosen: Candidate) -> tuple[EventKind, dict[str, Any]]:
    """The assignment (kind and data of an internal event) naming the rule that made it."""
    return EventKind.ASSIGNED, {"from": None, "to": chosen.key, "rule": rule, "level": level}
