"""SLA clocks, derived from a ticket's events and its profile, never patched.

`clocks(profile, events, now)` replays the record: for every target of the ticket's current
severity it walks the stretches between events, counting business time on the target's
calendar while the clock runs and standing still while the status pauses it. A severity change
therefore re-evaluates the whole history under the new targets, a pause is a stretch that does
not count, and a reopen lets the resolution clock continue where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tierdesk.domain.calendars import Calendar, from_us, to_us
from tierdesk.domain.durations import Duration, DurationError, parse_duration
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile, SupplierDefaults, Target
from tierdesk.domain.support_terms import calendar_from_record
from tierdesk.domain.target_policies import CLOSED_CATEGORIES as CLOSED_CATEGORIES
from tierdesk.domain.target_policies import Step, handed_over, policy_for
from tierdesk.domain.words import N_

US = 1_000_000


@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    kind: str
    data: Mapping[str, Any]
    public: bool = True
    seq: int = 0


@dataclass(frozen=True)
class Stretch:
    start: datetime
    end: datetime
    running: bool
    why: str
    business_seconds: float


@dataclass(frozen=True)
class Deadline:
    """An instant the sweep must act on: a warning share of a target, or its breach (share 1.0)."""

    target: str
    cycle: int
    share: float
    at: datetime

    @property
    def kind(self) -> str:
        return "breach" if self.share >= 1 else "warning"


@dataclass(frozen=True)
class TargetClock:
    key: str
    kind: str
    label: str
    calendar: str
    limit_seconds: int
    state: str  # running | paused | met | breached | not_guaranteed | not_started
    started_at: datetime | None
    due: datetime | None
    used_seconds: float
    met_at: datetime | None
    breached_at: datetime | None
    cycle: int
    deadlines: tuple[Deadline, ...]
    stretches: tuple[Stretch, ...]
    why: str
    stopped_at: datetime | None = None  # when the clock stopped for good, met or late


@dataclass(frozen=True)
class ClockState:
    severity: str
    targets: tuple[TargetClock, ...]
    next_deadline: Deadline | None

    def target(self, key: str) -> TargetClock:
        return next(t for t in self.targets if t.key == key)


def _within(duration: Duration) -> str:
    """A target's time in words, as `Duration` writes it: whole working days are worded for
    translation; hours and minutes ("4h", "1h30m") read the same in every language."""
    if duration.days and not duration.seconds:
        if duration.days == 1:
            return N_("1 working day")
        return N_("%(count)g working days", count=duration.days)
    return str(duration)


def _recorded(events: Sequence[ClockEvent]) -> set[tuple[str, int, float]]:
    """The (target, cycle, share) of every warning and breach already in the record."""
    done = set()
    for e in events:
        if e.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACH):
            share = 1.0 if e.kind == EventKind.SLA_BREACH else int(e.data.get("percent", 0)) / 100
            done.add((str(e.data.get("target")), int(e.data.get("cycle", 0)), share))
    return done


def _target_clock(
    profile: Profile,
    target: Target,
    calendar: Calendar,
    *,
    opened: datetime,
    timeline: Sequence[ClockEvent],
    now: datetime,
    recorded: set[tuple[str, int, float]],
    level: str = "",
) -> TargetClock:
    """Walk the record for one target; what its kind counts is its policy's."""
    policy = policy_for(target)
    limit_us = target.within.on(calendar.working_day_seconds) * US
    start = opened if target.starts == "opened" else calendar.next_working_day_start(opened)
    status = profile.initial_status
    stopped_at: datetime | None = None  # response and milestone clocks stop for good
    left_at: datetime | None = None  # when the wait the kind counts last ended (supplier, level)
    closed_at: datetime | None = None  # when the ticket was last resolved or closed
    breached_at: datetime | None = None
    used = cycle = 0
    cycle_breached = False
    # Deadlines reached exactly at the end of a stretch: the due instant itself is still on time,
    # so they count only if the event there does not meet the target (or once `now` passes them).
    edges: list[Deadline] = []
    edge_met = False  # an event at that instant met the target
    stretches: list[Stretch] = []
    deadlines: list[Deadline] = []

    def category(key: str) -> str:
        spec = profile.statuses.get(key)
        return spec.category if spec is not None else ""

    def held_by(key: str) -> str | None:
        spec = profile.statuses.get(key)
        if spec is None:
            return None
        return policy.held(target, profile, spec, level)

    def breach(deadline: Deadline) -> None:
        nonlocal breached_at, cycle_breached
        deadlines.append(deadline)
        cycle_breached = True
        if breached_at is None:
            breached_at = deadline.at

    def settle() -> None:
        """The instant the last stretch ended is over: what was reached exactly then counts,
        unless an event at that instant met the target."""
        nonlocal edge_met
        if not edge_met:
            for d in edges:
                if d.share >= 1:
                    breach(d)
                else:
                    deadlines.append(d)
        edges.clear()
        edge_met = False

    def run(a: datetime, b: datetime) -> None:
        nonlocal used
        held = "stopped" if stopped_at is not None else held_by(status)
        if held:
            stretches.append(Stretch(a, b, False, held, 0.0))
            return
        a_us, b_us = to_us(a), to_us(b)
        spent = calendar.business_us(a, b)
        for share in target.warn_at:
            mark = round(limit_us * share)
            if used < mark <= used + spent:
                instant_us = calendar.add_us(a_us, mark - used)
                warning = Deadline(target.key, cycle, share, from_us(instant_us))
                (deadlines if instant_us < b_us else edges).append(warning)
        if used < limit_us <= used + spent:
            instant_us = calendar.add_us(a_us, limit_us - used)
            deadline = Deadline(target.key, cycle, 1.0, from_us(instant_us))
            if instant_us < b_us:
                breach(deadline)
            else:
                edges.append(deadline)
        used += spent
        stretches.append(Stretch(a, b, True, "running", spent / US))

    cursor = start
    for event in timeline:
        if event.at > now:
            break
        if event.at > cursor:
            settle()
            run(cursor, event.at)
            cursor = event.at
        before, level_before = status, level
        if event.kind == EventKind.STATUS_CHANGED:
            status = str(event.data["to"])
        if event.kind == EventKind.LEVEL_CHANGED:
            level = str(event.data["to"])
        step = Step(
            at=event.at,
            kind=event.kind,
            data=event.data,
            public=event.public,
            before=category(before),
            after=category(status),
            level_before=level_before,
            level=level,
        )
        if step.closing:
            closed_at = event.at
        if stopped_at is None and policy.stops(target, step):
            stopped_at = max(event.at, start)
        edge_met = edge_met or stopped_at is not None or policy.meets(target, step)
        if policy.restarts(target, step):
            cycle, used, cycle_breached = cycle + 1, 0, False  # a new wait
            left_at = None
            own_terms = _wait_terms(profile, target, step)
            if own_terms is not None:  # each supplier's wait on the terms its hand-off recorded
                within, calendar = own_terms
                limit_us = within.on(calendar.working_day_seconds) * US
            if policy.stops_per_wait:
                stopped_at = None
        if policy.leaves(target, step):
            left_at = event.at
    if now > cursor:
        settle()
        run(cursor, now)
    # Reached exactly now: not yet passed, so still to come (a reply now would meet it).
    if not edge_met:
        deadlines += edges

    held = held_by(status)
    due: datetime | None = None
    met_at: datetime | None = None
    finished: datetime | None = None
    if now < start:
        state = "not_started"
        due = from_us(calendar.add_us(to_us(start), limit_us))
        deadlines.append(Deadline(target.key, cycle, 1.0, due))
    elif policy.hold_ends_wait and held and not held.startswith("paused"):
        state = "breached" if cycle_breached else "met"
        finished = left_at if not policy.stops_while_closed else (left_at or closed_at)
        met_at = finished if state == "met" else None
    elif stopped_at is not None or (
        policy.stops_while_closed and held and held.startswith("stopped")
    ):
        late = cycle_breached if policy.stops_per_wait else breached_at is not None
        state = "breached" if late else "met"
        finished = stopped_at or closed_at
        met_at = finished if state == "met" else None
    elif held:
        state = "breached" if cycle_breached else "paused"
    else:
        state = "breached" if cycle_breached else "running"
        if used < limit_us:
            due = from_us(calendar.add_us(to_us(now), limit_us - used))
            deadlines.append(Deadline(target.key, cycle, 1.0, due))
            for share in target.warn_at:
                mark = round(limit_us * share)
                if mark > used:
                    deadlines.append(
                        Deadline(
                            target.key,
                            cycle,
                            share,
                            from_us(calendar.add_us(to_us(now), mark - used)),
                        )
                    )
        else:
            due = next((d.at for d in deadlines if d.cycle == cycle and d.share >= 1), None)
    pending = [
        d
        for d in set(deadlines)
        if (d.target, d.cycle, d.share) not in recorded and (d.share >= 1 or d.cycle == cycle)
    ]
    if state not in ("running", "not_started"):
        pending = [d for d in pending if d.at <= now]  # only what happened and is not yet recorded
    if policy.quiet_when_met and state in ("met", "paused"):
        pending = [d for d in pending if d.share >= 1]
    values = {
        "target": target.label,
        "within": _within(target.within),
        "calendar": calendar.key,
        "hours": used / US / 3600,
    }
    why = (
        N_(
            "%(target)s: %(within)s on calendar %(calendar)r, from the opening of the next "
            "working day; %(hours).2f business hours counted",
            **values,
        )
        if target.starts == "next_working_day"
        else N_(
            "%(target)s: %(within)s on calendar %(calendar)r; %(hours).2f business hours counted",
            **values,
        )
    )
    return TargetClock(
        key=target.key,
        kind=target.kind,
        label=target.label,
        calendar=calendar.key,
        limit_seconds=limit_us // US,
        state=state,
        started_at=start,
        due=due,
        used_seconds=used / US,
        met_at=met_at,
        breached_at=breached_at,
        cycle=cycle,
        deadlines=tuple(sorted(pending, key=lambda d: (d.at, d.share))),
        stretches=tuple(stretches),
        why=why,
        stopped_at=finished,
    )


def _recorded_ola(profile: Profile, data: Mapping[str, Any]) -> SupplierDefaults | None:
    """The supplier's own OLA as the hand-off recorded it, if it did and it still reads."""
    text, calendar = data.get("ola_target"), data.get("ola_calendar")
    if not isinstance(text, str) or not text:
        return None
    try:
        within = parse_duration(text)
    except DurationError:
        return None
    defaults = profile.suppliers
    calendar = calendar if isinstance(calendar, str) and calendar in profile.calendars else None
    return SupplierDefaults(
        method=defaults.method if defaults else "",
        target=within,
        calendar=calendar or (defaults.calendar if defaults else profile.default_calendar),
        customer_clock_pauses=defaults.customer_clock_pauses if defaults else False,
    )


def _supplier_targets(
    profile: Profile,
    timeline: Sequence[ClockEvent],
    terms: Mapping[str, SupplierDefaults],
) -> list[tuple[Target, datetime, Calendar]]:
    """The OLA target of the last supplier the ticket was handed to, from when it was first on
    hold; and that supplier's response target as the hand-off recorded it, from the first
    hand-off to a supplier."""
    first: datetime | None = None
    first_handoff: datetime | None = None
    supplier: str | None = None
    recorded: SupplierDefaults | None = None
    response: Duration | None = None
    own: Calendar | None = None
    for e in timeline:
        if e.kind == EventKind.STATUS_CHANGED:
            spec = profile.statuses.get(str(e.data.get("to")))
            if spec is not None and spec.category == "on_hold":
                first = first or e.at
                if e.data.get("supplier"):
                    first_handoff = first_handoff or e.at
                    supplier = str(e.data["supplier"])
                    recorded = _recorded_ola(profile, e.data)
                    response = _recorded_response(e.data)
                    # The supplier's own calendar (its zone, hours, country's holidays), as the
                    # hand-off recorded it.
                    own = calendar_from_record(f"supplier:{supplier}", e.data.get("ola_hours"))
    if first is None:
        return []
    out: list[tuple[Target, datetime, Calendar]] = []
    if response is not None and first_handoff is not None:
        fallback = profile.suppliers.calendar if profile.suppliers else profile.default_calendar
        response_calendar = own or profile.calendars[recorded.calendar if recorded else fallback]
        out.append(
            (
                Target(
                    key="supplier_response",
                    kind="supplier_response",
                    label=f"Supplier response ({supplier})",
                    within=response,
                    calendar=response_calendar.key,
                    starts="opened",
                    stops_on=(),
                    warn_at=(0.75,),
                    source="supplier registry",
                ),
                first_handoff,
                response_calendar,
            )
        )
    # The OLA in force at the hand-off is recorded on it, so a later change of the supplier's
    # terms never rewrites a past ticket's figures.
    chosen = recorded or terms.get(supplier or "") or profile.suppliers
    if chosen is None or chosen.target is None:
        return out
    label = f"Supplier ({supplier})" if supplier else "Supplier"
    calendar = own if own is not None and recorded is not None else None
    target = Target(
        key="supplier",
        kind="supplier",
        label=label,
        within=chosen.target,
        calendar=calendar.key if calendar is not None else chosen.calendar,
        starts="opened",
        stops_on=(),
        warn_at=(0.75,),
        source="supplier registry",
    )
    return [(target, first, calendar or profile.calendars[chosen.calendar]), *out]


def _wait_terms(profile: Profile, target: Target, step: Step) -> tuple[Duration, Calendar] | None:
    """The supplier's response target and calendar for the wait a hand-off starts, as that
    hand-off recorded them (a later hand-off to another supplier never re-measures this one)."""
    if target.kind != "supplier_response" or not handed_over(step):
        return None
    within = _recorded_response(step.data)
    if within is None:
        return None
    supplier = str(step.data["supplier"])
    own = calendar_from_record(f"supplier:{supplier}", step.data.get("ola_hours"))
    if own is None:
        recorded = _recorded_ola(profile, step.data)
        fallback = profile.suppliers.calendar if profile.suppliers else profile.default_calendar
        own = profile.calendars[recorded.calendar if recorded else fallback]
    return within, own


def _recorded_response(data: Mapping[str, Any]) -> Duration | None:
    """The supplier's response target as the hand-off recorded it, if it did and it reads."""
    text = data.get("ola_response")
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_duration(text)
    except DurationError:
        return None


def _first_at_levels(
    level: str,
    levels: tuple[str, ...],
    opened: datetime,
    timeline: Sequence[ClockEvent],
    now: datetime,
) -> datetime | None:
    """When the ticket first stood at one of `levels` (by `now`), or None if it never has."""
    if level in levels:
        return opened
    for e in timeline:
        if e.at > now:
            break
        if e.kind == EventKind.LEVEL_CHANGED and str(e.data.get("to")) in levels:
            return e.at
    return None


def clocks(
    profile: Profile,
    events: Sequence[ClockEvent],
    now: datetime,
    supplier_terms: Mapping[str, SupplierDefaults] | None = None,
) -> ClockState:
    """Every target's clock for a ticket whose record is `events`, as of `now`.

    A ticket that has been On-hold with a supplier also gets a `supplier` clock (the OLA), on
    that supplier's terms from `supplier_terms`, or the profile's supplier defaults.
    """
    if not events or events[0].kind != EventKind.CREATED:
        raise ValueError("a ticket's record starts with its 'created' event")
    created = events[0]
    opened = created.at
    severity = str(created.data["severity"])
    for e in events:
        if e.kind == EventKind.SEVERITY_CHANGED and e.at <= now:
            severity = str(e.data["to"])
    spec = profile.severities.get(severity)
    if spec is None:
        return ClockState(severity, (), None)
    language = str(created.data.get("language", profile.languages.standard))
    guaranteed = language == profile.languages.standard or profile.languages.accepted_guaranteed
    # An emergency stays one while it keeps the emergency's severity: a downgrade moves the
    # ticket to its new severity's targets on their own calendars, replayed from the opening.
    rule = profile.emergency
    emergency = (
        bool(created.data.get("emergency")) and rule is not None and severity == rule.severity
    )
    level = str(created.data.get("level", ""))
    recorded = _recorded(events)
    timeline = [
        e for e in events[1:] if e.kind not in (EventKind.SLA_WARNING, EventKind.SLA_BREACH)
    ]
    result = []
    for target in spec.targets.values():
        calendar_key = target.calendar
        if emergency and rule is not None:
            calendar_key = rule.calendar_for(target.key) or calendar_key
        calendar = profile.calendars[calendar_key]
        if not guaranteed:
            result.append(
                TargetClock(
                    key=target.key,
                    kind=target.kind,
                    label=target.label,
                    calendar=calendar_key,
                    limit_seconds=target.within.on(calendar.working_day_seconds),
                    state="not_guaranteed",
                    started_at=None,
                    due=None,
                    used_seconds=0.0,
                    met_at=None,
                    breached_at=None,
                    cycle=0,
                    deadlines=(),
                    stretches=(),
                    why=f"no target is guaranteed for tickets in {language!r}",
                )
            )
            continue
        starts_at = opened
        if target.kind == "progress":
            # A progress report is due only once the ticket reaches a reporting level.
            reached = _first_at_levels(level, target.levels, opened, timeline, now)
            if reached is None:
                continue
            starts_at = reached
        result.append(
            _target_clock(
                profile,
                target,
                calendar,
                opened=starts_at,
                timeline=timeline,
                now=now,
                recorded=recorded,
                level=level,
            )
        )
    for ola, first_hold, ola_calendar in _supplier_targets(profile, timeline, supplier_terms or {}):
        result.append(
            _target_clock(
                profile,
                ola,
                ola_calendar,
                opened=first_hold,
                timeline=timeline,
                now=now,
                recorded=recorded,
                level=level,
            )
        )
    upcoming = [d for t in result for d in t.deadlines]
    return ClockState(
        severity, tuple(result), min(upcoming, key=lambda d: d.at) if upcoming else None
    )
