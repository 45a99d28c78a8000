"""What the clock makes happen on its own: SLA warnings and breaches, and the closure timers.

`outcomes(profile, events, now)` lists every automatic outcome of a ticket's record, each with
a key that names it once and for all (recorded under a unique constraint), the exact instant it
falls due, and what to record. The sweep and every action record the ones that are due, in
order, before anything else happens to the ticket, so automatic events keep their instants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tierdesk.domain import sla
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile, SupplierDefaults

AWAITING_CONFIRMATION = "awaiting_confirmation"
SLA_KINDS = ("sla_warning", "sla_breach")


@dataclass(frozen=True)
class Outcome:
    key: str
    at: datetime
    kind: str  # sla_warning | sla_breach | auto_resolve | auto_close
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    due: tuple[Outcome, ...]  # passed by now (a timer: at or before now), in order
    next_deadline: datetime | None  # the earliest outcome still to come, or already due
    clocks: sla.ClockState


def _first_status(profile: Profile, current: str, category: str) -> str | None:
    spec = profile.statuses.get(current)
    options = spec.to if spec is not None else ()
    return next((k for k in options if profile.statuses[k].category == category), None)


def _timers(profile: Profile, events: Sequence[sla.ClockEvent]) -> list[Outcome]:
    closure = profile.closure
    if closure is None:
        return []
    status, entered, reason, seq = profile.initial_status, events[0].at, "", events[0].seq
    for e in events:
        if e.kind == EventKind.STATUS_CHANGED:
            status, entered, reason, seq = (
                str(e.data["to"]),
                e.at,
                str(e.data.get("reason", "")),
                e.seq,
            )
    spec = profile.statuses.get(status)
    if spec is None:
        return []
    calendar = profile.calendars[closure.calendar]
    if spec.category == "waiting":
        awaiting = reason == AWAITING_CONFIRMATION
        timeout = closure.confirmation_timeout if awaiting else closure.no_reply_timeout
        target = _first_status(profile, status, "resolved")
        if timeout is None or target is None:
            return []
        at = calendar.add(entered, timeout.on(calendar.working_day_seconds))
        why = "confirmation_timeout" if awaiting else "no_reply"
        return [Outcome(f"timer:{seq}:{why}", at, "auto_resolve", {"to": target, "reason": why})]
    if spec.category == "resolved":
        target = _first_status(profile, status, "closed")
        if closure.close_resolved_after is None or target is None:
            return []
        at = calendar.add(entered, closure.close_resolved_after.on(calendar.working_day_seconds))
        return [
            Outcome(
                f"timer:{seq}:close", at, "auto_close", {"to": target, "reason": "resolved_timeout"}
            )
        ]
    return []


def plan(
    profile: Profile,
    events: Sequence[sla.ClockEvent],
    now: datetime,
    supplier_terms: Mapping[str, SupplierDefaults] | None = None,
) -> Plan:
    """Everything automatic that is due by `now`, and when the next thing will be."""
    state = sla.clocks(profile, events, now, supplier_terms)
    outcomes: list[Outcome] = []
    for target in state.targets:
        for d in target.deadlines:
            kind = "sla_breach" if d.kind == "breach" else "sla_warning"
            data: dict[str, Any] = {
                "target": d.target,
                "cycle": d.cycle,
                "due_at": d.at.isoformat(),
            }
            if kind == "sla_warning":
                data["percent"] = round(d.share * 100)
            key = f"sla:{d.target}:{d.cycle}:{d.share:g}"
            outcomes.append(Outcome(key, d.at, kind, data))
    outcomes += _timers(profile, events)
    outcomes.sort(key=lambda o: (o.at, o.kind != "sla_warning", o.key))
    # A warning or breach is recorded only once its instant has passed: the due instant itself is
    # on time, so an answer then meets the target and records nothing. The sweep therefore
    # claims a ticket only after its next deadline.
    due = tuple(o for o in outcomes if o.at < now or (o.at == now and o.kind not in SLA_KINDS))
    return Plan(due, outcomes[0].at if outcomes else None, state)
