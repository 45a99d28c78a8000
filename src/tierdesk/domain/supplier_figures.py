"""Each hand-off to a supplier in figures, on the supplier's own terms and calendar: when it
first answered (its automatic mails do not count), when the ticket came back, both in its
business time, its response and resolution targets met or not, and the chases sent. The same
hand-offs can be replayed on another supplier's terms (the what-if). Pure: the record in, figures
out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tierdesk.domain.calendars import Calendar
from tierdesk.domain.durations import DurationError, parse_duration
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile
from tierdesk.domain.sla import ClockEvent
from tierdesk.domain.support_terms import calendar_from_record
from tierdesk.domain.target_policies import supplier_answered


@dataclass(frozen=True)
class Terms:
    """The terms a hand-off is measured on: as recorded, or another supplier's (the what-if)."""

    response: str  # duration text, "" for none
    resolution: str
    calendar: Calendar


@dataclass(frozen=True)
class Handoff:
    supplier: str
    handed_at: datetime
    answered_at: datetime | None
    returned_at: datetime | None
    response_seconds: float | None  # business seconds on the terms' calendar
    resolution_seconds: float | None
    # met | missed | waiting | unanswered (back without an answer, in time) | none (no target)
    response: str
    ola: str  # met | breached | running | none
    chases: int


def recorded_terms(profile: Profile, data: Mapping[str, Any]) -> Terms:
    """The terms a hand-off event recorded (the supplier's own calendar, else the profile's)."""
    slug = str(data.get("supplier", ""))
    own = calendar_from_record(f"supplier:{slug}", data.get("ola_hours"))
    key = str(data.get("ola_calendar") or "")
    fallback = profile.suppliers.calendar if profile.suppliers else profile.default_calendar
    calendar = own or profile.calendars.get(key) or profile.calendars[fallback]
    resolution = str(data.get("ola_target") or "")
    defaults = profile.suppliers.target if profile.suppliers is not None else None
    if not resolution and defaults is not None:
        # The profile's default OLA, in words the duration parser reads back.
        resolution = (
            f"{defaults.days:g} business days" if defaults.days else f"{defaults.seconds // 60}m"
        )
    return Terms(str(data.get("ola_response") or ""), resolution, calendar)


def _limit(text: str, calendar: Calendar) -> int | None:
    if not text:
        return None
    try:
        return parse_duration(text).on(calendar.working_day_seconds)
    except DurationError:
        return None


def _judge(used: float | None, limit: int | None, done: bool, elapsed: float) -> str:
    if limit is None:
        return "none"
    if done and used is not None:
        return "met" if used <= limit else "breached"
    return "breached" if elapsed > limit else "running"


def handoffs(
    profile: Profile,
    events: Sequence[ClockEvent],
    now: datetime,
    *,
    instead: Terms | None = None,
) -> list[Handoff]:
    """Every hand-off of one ticket's record, measured on its recorded terms or on `instead`.

    On its recorded terms a hand-off's response is what the live clock (`sla`, target
    `supplier_response`, one wait per hand-off) recorded: missed when its breach is in the
    record, met when the supplier answered without one. On other terms (the what-if) it is
    measured again on those terms' calendar."""
    out: list[Handoff] = []
    current: dict[str, Any] | None = None
    cycle = 0  # the response clock's wait: one per hand-off
    breached = {
        int(e.data.get("cycle", 0))
        for e in events
        if e.kind == EventKind.SLA_BREACH and e.data.get("target") == "supplier_response"
    }

    def close(returned: datetime | None) -> None:
        assert current is not None
        terms: Terms = current["terms"]
        cal = terms.calendar
        start: datetime = current["at"]
        answered: datetime | None = current["answered"]
        response_used = cal.business_seconds(start, answered) if answered else None
        resolution_used = cal.business_seconds(start, returned) if returned else None
        elapsed = cal.business_seconds(start, max(now, start))
        response_limit = _limit(terms.response, cal)
        ola_limit = _limit(terms.resolution, cal)
        if response_limit is None:
            response = "none"
        elif instead is None:  # as it went: what the clock recorded
            # An answer later than the terms is missed even without a recorded breach: a
            # record from before the response clock existed has none.
            late = response_used is not None and response_used > response_limit
            if current["cycle"] in breached or late:
                response = "missed"
            elif answered is not None:
                response = "met"
            else:
                response = "unanswered" if returned else "waiting"
        elif response_used is not None:
            response = "met" if response_used <= response_limit else "missed"
        else:
            response = "missed" if elapsed > response_limit or returned else "waiting"
        out.append(
            Handoff(
                supplier=current["supplier"],
                handed_at=start,
                answered_at=answered,
                returned_at=returned,
                response_seconds=response_used,
                resolution_seconds=resolution_used,
                response=response,
                ola=_judge(resolution_used, ola_limit, returned is not None, elapsed),
                chases=current["chases"],
            )
        )

    for e in events:
        if e.kind == EventKind.STATUS_CHANGED:
            spec = profile.statuses.get(str(e.data.get("to")))
            on_hold = spec is not None and spec.category == "on_hold"
            if current is not None and not on_hold:
                if supplier_answered(e.kind, e.data):  # back on the supplier's word
                    current["answered"] = current["answered"] or e.at
                close(e.at)  # back from the supplier
                current = None
                continue
            if on_hold and e.data.get("supplier"):
                if current is not None:
                    close(e.at)  # handed on to another supplier (or again)
                cycle += 1
                current = {
                    "cycle": cycle,
                    "supplier": str(e.data["supplier"]),
                    "at": e.at,
                    "answered": None,
                    "chases": 0,
                    "terms": instead or recorded_terms(profile, e.data),
                }
        elif current is not None and e.kind == EventKind.SUPPLIER_CHASED:
            current["chases"] += 1
        elif current is not None and supplier_answered(e.kind, e.data):
            current["answered"] = current["answered"] or e.at
    if current is not None:
        close(None)
    return out


@dataclass
class SupplierTally:
    handoffs: int = 0
    answered: int = 0
    returned: int = 0
    response_seconds: list[float] = field(default_factory=list)
    resolution_seconds: list[float] = field(default_factory=list)
    response_met: int = 0
    response_missed: int = 0
    ola_met: int = 0
    ola_breached: int = 0
    chases: int = 0

    def add(self, h: Handoff) -> None:
        self.handoffs += 1
        self.answered += h.answered_at is not None
        self.returned += h.returned_at is not None
        if h.response_seconds is not None:
            self.response_seconds.append(h.response_seconds)
        if h.resolution_seconds is not None:
            self.resolution_seconds.append(h.resolution_seconds)
        self.response_met += h.response == "met"
        self.response_missed += h.response == "missed"
        self.ola_met += h.ola == "met"
        self.ola_breached += h.ola == "breached"
        self.chases += h.chases

    def row(self) -> dict[str, Any]:
        def mean_hours(values: list[float]) -> float | None:
            return round(sum(values) / len(values) / 3600, 2) if values else None

        return {
            "handoffs": self.handoffs,
            "answered": self.answered,
            "returned": self.returned,
            "mean_response_hours": mean_hours(self.response_seconds),
            "mean_resolution_hours": mean_hours(self.resolution_seconds),
            "response_met": self.response_met,
            "response_missed": self.response_missed,
            "ola_met": self.ola_met,
            "ola_breached": self.ola_breached,
            "chases": self.chases,
        }
