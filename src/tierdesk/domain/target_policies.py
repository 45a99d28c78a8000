"""What each kind of SLA target counts: one policy per target kind.

`sla.clocks` walks a ticket's record the same way for every target (stretches between events,
business time on the target's calendar, warnings and breaches at their shares). What differs
between a first response, an update, a resolution, a milestone, a supplier's OLA and a progress
report is answered here, per kind:

- `held`: whether the clock stands still in the ticket's current status and level, and why;
- `stops`: whether an event stops the clock for good (a first response, a milestone);
- `meets`: whether an event meets the running target (so a deadline reached at that very
  instant is on time);
- `restarts`: whether an event starts a new wait (a new cycle with its own deadlines);
- `leaves`: whether an event ends the wait the kind counts (the supplier hands back, the
  reporting level hands back), which is when a target held that way finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile, Status, Target

CLOSED_CATEGORIES = ("resolved", "closed")
# The targets a supplier is measured on (its OLA and its response): the desk's, never the
# partner's.
SUPPLIER_KINDS = ("supplier", "supplier_response")


@dataclass(frozen=True)
class Step:
    """One event of the record as a target's clock sees it: the status and level around it."""

    at: datetime
    kind: str
    data: Mapping[str, Any]
    public: bool
    before: str  # category of the status before the event
    after: str  # category of the status after it
    level_before: str
    level: str

    @property
    def closing(self) -> bool:
        return self.after in CLOSED_CATEGORIES and self.before not in CLOSED_CATEGORIES

    @property
    def reopening(self) -> bool:
        return self.before in CLOSED_CATEGORIES and self.after not in CLOSED_CATEGORIES

    @property
    def provider_reply(self) -> bool:
        return (
            self.kind == EventKind.REPLY
            and self.public
            and self.data.get("by") in ("provider", "system")
            and not self.data.get("automatic")  # an automatic question is not the desk's answer
        )


class TargetPolicy:
    """The rules every target shares; each kind overrides what it counts differently."""

    kind: ClassVar[str] = ""
    # A closed status stops the clock (it did not stop for good: a reopen lets it continue).
    stops_while_closed: ClassVar[bool] = False
    # The clock counts one wait at a time and a hold ends that wait (met unless it breached).
    hold_ends_wait: ClassVar[bool] = False
    # Once met or paused, its coming warnings are not pending (only what breached still is).
    quiet_when_met: ClassVar[bool] = False
    # What `stops` it ends the current wait only: the next restart runs the clock again.
    stops_per_wait: ClassVar[bool] = False

    def held(self, target: Target, profile: Profile, spec: Status, level: str) -> str | None:
        if target.key in spec.pauses or "*" in spec.pauses:
            return f"paused while {spec.label}"
        if self.stops_while_closed and spec.category in CLOSED_CATEGORIES:
            return f"stopped while {spec.label}"
        return None

    def stops(self, target: Target, step: Step) -> bool:
        return False

    def meets(self, target: Target, step: Step) -> bool:
        return self.stops_while_closed and step.closing

    def restarts(self, target: Target, step: Step) -> bool:
        return False

    def leaves(self, target: Target, step: Step) -> bool:
        return False


class ResponsePolicy(TargetPolicy):
    """The first response: the desk's first public reply, or closing the ticket, stops it."""

    kind = "response"

    def stops(self, target: Target, step: Step) -> bool:
        return step.provider_reply or step.closing


class UpdatePolicy(TargetPolicy):
    """Public updates at an interval: each reply meets the wait and starts the next."""

    kind = "update"
    stops_while_closed = True
    quiet_when_met = True

    def meets(self, target: Target, step: Step) -> bool:
        return step.closing or step.provider_reply

    def restarts(self, target: Target, step: Step) -> bool:
        return step.provider_reply or step.reopening


class ResolutionPolicy(TargetPolicy):
    """Resolution: runs until resolved; with a supplier it may pause while On-hold."""

    kind = "resolution"
    stops_while_closed = True

    def held(self, target: Target, profile: Profile, spec: Status, level: str) -> str | None:
        held = super().held(target, profile, spec, level)
        if held is None and (
            spec.category == "on_hold"
            and profile.suppliers is not None
            and profile.suppliers.customer_clock_pauses
        ):
            return f"paused while {spec.label} (waiting on a supplier)"
        return held


class MilestonePolicy(TargetPolicy):
    """A milestone of the process: stopped for good by what the profile names."""

    kind = "milestone"

    def stops(self, target: Target, step: Step) -> bool:
        return (
            ("reply" in target.stops_on and step.provider_reply)
            or ("note" in target.stops_on and step.kind == EventKind.NOTE)
            or ("level_change" in target.stops_on and step.kind == EventKind.LEVEL_CHANGED)
            or ("resolved" in target.stops_on and step.closing)
        )


class SupplierPolicy(TargetPolicy):
    """A supplier's OLA: counts only while the ticket is On-hold with it; each hand-over is a new
    wait, met when the ticket comes back."""

    kind = "supplier"
    hold_ends_wait = True

    def held(self, target: Target, profile: Profile, spec: Status, level: str) -> str | None:
        return None if spec.category == "on_hold" else "stopped: not with a supplier"

    def meets(self, target: Target, step: Step) -> bool:
        return self.leaves(target, step)

    def restarts(self, target: Target, step: Step) -> bool:
        return step.after == "on_hold" and step.before != "on_hold"

    def leaves(self, target: Target, step: Step) -> bool:
        return step.before == "on_hold" and step.after != "on_hold"


class SupplierResponsePolicy(TargetPolicy):
    """A supplier's response (its acknowledgement or first answer) on its own terms: each
    hand-off is a new wait, counted only while the ticket is On-hold with the supplier, stopped
    by the supplier's first answer. An answer is a mail of theirs that is not an automatic one
    (an acknowledgement, an auto-reply or a bounce: the seeds never let a system's receipt stand
    for a response), a reply of a supplier contact who logs in, or the ticket taken back on the
    supplier's word (their "solved" mail, or the agent recording their answer)."""

    kind = "supplier_response"
    stops_per_wait = True

    def held(self, target: Target, profile: Profile, spec: Status, level: str) -> str | None:
        return None if spec.category == "on_hold" else "stopped: not with a supplier"

    def stops(self, target: Target, step: Step) -> bool:
        return supplier_answered(step.kind, step.data)

    def restarts(self, target: Target, step: Step) -> bool:
        return handed_over(step)


def supplier_answered(kind: str, data: Mapping[str, Any]) -> bool:
    """Whether an event is the supplier's answer to a hand-off: the one rule the live clock and
    the report's supplier section read."""
    if kind == EventKind.SUPPLIER_MAIL:
        return not data.get("machine")
    if kind == EventKind.REPLY:
        return data.get("by") == "supplier"
    return kind == EventKind.STATUS_CHANGED and bool(data.get("returned_by"))


def handed_over(step: Step) -> bool:
    """A hand-off to a supplier: the ticket put On-hold with one named."""
    return (
        step.kind == EventKind.STATUS_CHANGED
        and step.after == "on_hold"
        and bool(step.data.get("supplier"))
    )


class ProgressPolicy(TargetPolicy):
    """Progress reports down the chain: while the ticket is at one of the target's levels, that
    level reports (an internal note) at an interval; each note meets the wait and starts the
    next, and handing the ticket back from those levels ends it."""

    kind = "progress"
    stops_while_closed = True
    hold_ends_wait = True
    quiet_when_met = True

    def held(self, target: Target, profile: Profile, spec: Status, level: str) -> str | None:
        held = super().held(target, profile, spec, level)
        if held is None and level not in target.levels:
            return "stopped: not at a reporting level"
        return held

    def _reports(self, target: Target, step: Step) -> bool:
        return step.kind == EventKind.NOTE and step.level in target.levels

    def meets(self, target: Target, step: Step) -> bool:
        return step.closing or self._reports(target, step) or self.leaves(target, step)

    def restarts(self, target: Target, step: Step) -> bool:
        arrives = step.level in target.levels and step.level_before not in target.levels
        return arrives or self._reports(target, step) or step.reopening

    def leaves(self, target: Target, step: Step) -> bool:
        return step.level_before in target.levels and step.level not in target.levels


POLICIES: dict[str, TargetPolicy] = {
    p.kind: p
    for p in (
        ResponsePolicy(),
        UpdatePolicy(),
        ResolutionPolicy(),
        MilestonePolicy(),
        SupplierPolicy(),
        SupplierResponsePolicy(),
        ProgressPolicy(),
    )
}


def policy_for(target: Target) -> TargetPolicy:
    return POLICIES[target.kind]
