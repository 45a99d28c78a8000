"""Management escalation along the profile's matrix (LuxCloud 3.6, Zynstra, Exponential-e).

A requester may escalate when an SLA target is breached or the ticket is not progressing; each
step may require a minimum time since the previous escalation (for the first step, since the
ticket was opened), counted on the step's calendar (wall-clock hours on a 24x7 one). Outside the
contacts' hours every escalation goes to the first step (the service desk) to relay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tierdesk.domain.errors import Conflict, Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import EscalationStep, Profile
from tierdesk.domain.sla import ClockEvent, ClockState
from tierdesk.domain.ticket import Change
from tierdesk.domain.words import N_


def management_escalation(
    profile: Profile,
    events: Sequence[ClockEvent],
    clocks: ClockState,
    *,
    now: datetime,
    reason: str,
) -> Change:
    matrix = profile.escalation_matrix
    if not matrix:
        raise Invalid(
            N_("this desk has no escalation matrix"),
            fields={"reason": N_("no management escalation here")},
        )
    done = [e for e in events if e.kind == EventKind.MANAGEMENT_ESCALATED]
    if len(done) >= len(matrix):
        raise Conflict(
            N_("the ticket is already escalated to the highest level"),
            fields={"reason": N_("already at %(role)s", role=matrix[-1].role)},
        )
    step = matrix[len(done)]
    breached = [t.key for t in clocks.targets if t.state == "breached"]
    text = reason.strip()
    if not breached and not text:
        raise Invalid(
            N_("say why the ticket is not progressing (no SLA target is breached)"),
            fields={"reason": N_("required when no target is breached")},
        )
    if len(text) > 2000:
        raise Invalid(
            N_("the reason is too long"), fields={"reason": N_("at most 2000 characters")}
        )
    since = done[-1].at if done else events[0].at
    calendar = profile.calendars[step.calendar]
    tried = attempts_on(events, len(done))
    possible = opens_at(profile, step, since, tried)
    if possible is None or now < possible:
        reasons: list[str] = []
        if step.after is not None:
            reasons.append(
                N_("%(after)s after the previous escalation", after=step.after)
                if done
                else N_("%(after)s after the ticket was opened", after=step.after)
            )
        if step.attempts:
            on = {"count": step.attempts, "role": matrix[len(done) - 1].role, "tried": len(tried)}
            reasons.append(
                N_(
                    "%(count)s contact attempts on %(role)s over %(over)s, %(tried)s recorded",
                    over=step.attempts_over,
                    **on,
                )
                if step.attempts_over
                else N_("%(count)s contact attempts on %(role)s, %(tried)s recorded", **on)
            )
        why: str = (
            N_("%(first)s; or %(second)s", first=reasons[0], second=reasons[1])
            if len(reasons) > 1
            else (reasons[0] if reasons else "")
        )
        message = (
            N_(
                "escalation to %(role)s is possible from %(when)s (%(reasons)s)",
                role=step.role,
                when=f"{possible.astimezone(calendar.zone):%a %d %b %H:%M}",
                reasons=why,
            )
            if possible
            else N_(
                "escalation to %(role)s is possible after (%(reasons)s)",
                role=step.role,
                reasons=why,
            )
        )
        raise EscalationTooEarly(message, until=possible)
    routed_to, contact = step.role, step.contact
    if profile.escalation_hours is not None:
        hours = profile.calendars[profile.escalation_hours]
        if not hours.is_open(now) and step is not matrix[0]:
            routed_to, contact = matrix[0].role, matrix[0].contact  # out of hours: the desk relays
    data = {
        "step": step.step,
        "role": step.role,
        "contact": step.contact,
        "routed_to": routed_to,
        "routed_contact": contact,
        "reason": text,
        "breached": breached,
    }
    return Change(EventKind.MANAGEMENT_ESCALATED, data, public=True)


def attempts_on(events: Sequence[ClockEvent], step: int) -> list[datetime]:
    """When the desk tried to reach step `step`'s contact (since the ticket was escalated to it)."""
    return [
        e.at
        for e in events
        if e.kind == EventKind.CONTACT_ATTEMPTED and int(e.data.get("step", 0)) == step
    ]


def opens_at(
    profile: Profile, step: EscalationStep, since: datetime, tried: Sequence[datetime]
) -> datetime | None:
    """The first instant `step` may be escalated to: `after` its time since the previous
    escalation, or once the previous step's contact was tried `attempts` times (and
    `attempts_over` has passed since the first try); None while neither can happen yet."""
    if step.after is None and not step.attempts:
        return since
    calendar = profile.calendars[step.calendar]
    candidates = []
    if step.after is not None:
        candidates.append(calendar.add(since, step.after.on(calendar.working_day_seconds)))
    if step.attempts and len(tried) >= step.attempts:
        enough = tried[step.attempts - 1]
        if step.attempts_over is not None:
            over = calendar.add(tried[0], step.attempts_over.on(calendar.working_day_seconds))
            enough = max(enough, over)
        candidates.append(enough)
    return min(candidates) if candidates else None


def contact_attempt(profile: Profile, events: Sequence[ClockEvent], *, note: str) -> Change:
    """Zynstra: the desk tried to reach the management step the ticket is escalated to; the
    attempts may open the next step ("on more than one occasion")."""
    matrix = profile.escalation_matrix
    done = [e for e in events if e.kind == EventKind.MANAGEMENT_ESCALATED]
    if not matrix or not done:
        raise Conflict(
            N_("the ticket is not escalated to management: there is no contact to try yet"),
            fields={"note": N_("escalate to management first")},
        )
    text = note.strip()
    if len(text) > 2000:
        raise Invalid(
            N_("the note is too long"),
            fields={"note": N_("at most %(limit)s characters", limit=2000)},
        )
    current = matrix[len(done) - 1]
    tried = attempts_on(events, current.step)
    data = {
        "step": current.step,
        "role": current.role,
        "contact": current.contact,
        "attempt": len(tried) + 1,
        "note": text,
    }
    return Change(EventKind.CONTACT_ATTEMPTED, data, public=True)


class EscalationTooEarly(Conflict):
    code = "escalation_too_early"

    def __init__(self, message: str, *, until: datetime | None) -> None:
        super().__init__(message, fields={"reason": message})
        self.until = until
