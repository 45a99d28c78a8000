"""The agent desk's queues: a level's (or a queue's, or one's own) open tickets, overdue first and
then by next deadline, with each ticket's SLA countdown and the counts per queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.db.models import Count, F, Q, QuerySet

from tierdesk.domain.parties import Role, sees_everything
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import Ticket, TicketTarget, User
from tierdesk.queries.tickets import visible_tickets

SOON = timedelta(hours=1)  # "about to breach": the next deadline falls within this
PAGE = 50


@dataclass(frozen=True)
class QueueFilter:
    level: str = ""
    queue: str = ""
    mine: bool = False
    unassigned: bool = False
    severity: str = ""
    status: str = ""
    search: str = ""


@dataclass(frozen=True)
class Countdown:
    target: str
    due: datetime | None
    state: str  # overdue | soon | running | paused | met | breached
    words: str


@dataclass
class Row:
    ticket: Ticket
    countdowns: list[Countdown] = field(default_factory=list)

    @property
    def urgency(self) -> str:
        states = {c.state for c in self.countdowns}
        if self.ticket.overdue or "overdue" in states:
            return "overdue"
        return "soon" if "soon" in states else "ok"


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    open: int
    overdue: int


def _levels_of(actor: User, profile: Profile) -> list[str]:
    if actor.role and sees_everything(Role(actor.role)):
        return list(profile.levels)
    mine = set(actor.level_keys())
    return [k for k in profile.levels if k in mine]


def _scope(actor: User, level: str, *, mine: bool = False) -> QuerySet[Ticket]:
    """The actor's tickets at `level` (or their own), always within `visible_tickets`, the one
    visibility rule; where the actor reads every level that is the plain level filter, which
    the queue index serves."""
    tickets = visible_tickets(actor)
    if mine and not level:
        return tickets.filter(assignee=actor)
    return tickets.filter(level=level) if level else tickets


def tabs(actor: User, profile: Profile) -> list[Tab]:
    """Open and overdue counts for each level the actor works in, and for its own tickets."""
    levels = _levels_of(actor, profile)
    counts = {
        r["level"]: r
        for r in visible_tickets(actor)
        .filter(is_open=True, level__in=levels)
        .values("level")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(overdue=True)))
    }
    out = [
        Tab(
            k,
            profile.levels[k].label,
            counts.get(k, {}).get("n", 0),
            counts.get(k, {}).get("late", 0),
        )
        for k in levels
    ]
    mine = (
        visible_tickets(actor)
        .filter(is_open=True, assignee=actor)
        .aggregate(n=Count("pk"), late=Count("pk", filter=Q(overdue=True)))
    )
    out.append(Tab("mine", "Assigned to me", mine["n"], mine["late"]))
    return out


def queue(
    actor: User, profile: Profile, f: QueueFilter, now: datetime, *, page: int = 1
) -> tuple[list[Row], bool]:
    """One page of the queue and whether there is another."""
    tickets = _scope(actor, f.level, mine=f.mine).select_related("organisation", "assignee")
    tickets = (
        tickets.filter(status=f.status, is_open=True)
        if f.status in profile.statuses
        else tickets.filter(is_open=True)
    )
    if f.queue:
        tickets = tickets.filter(queue=f.queue)
    if f.mine:
        tickets = tickets.filter(assignee=actor)
    if f.unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    if f.severity:
        tickets = tickets.filter(severity=f.severity)
    if f.search:
        tickets = tickets.filter(
            Q(number__iexact=f.search.strip()) | Q(subject__icontains=f.search)
        )
    ordered = tickets.order_by("-overdue", F("next_deadline").asc(nulls_last=True), "id")
    start = (max(page, 1) - 1) * PAGE
    found = list(ordered[start : start + PAGE + 1])
    more = len(found) > PAGE
    rows = [Row(t) for t in found[:PAGE]]
    by_id = {r.ticket.pk: r for r in rows}
    zone = profile.calendars[profile.default_calendar].zone
    for target in TicketTarget.objects.filter(ticket__in=list(by_id)).order_by("ticket_id", "due"):
        by_id[target.ticket_id].countdowns.append(countdown(target, now, zone))
    return rows, more


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


def countdown(target: TicketTarget, now: datetime, zone: tzinfo) -> Countdown:
    label = target.target.replace("_", " ")
    if target.state == "running" and target.due is not None:
        local = f"{target.due.astimezone(zone):%a %H:%M}"
        if target.due <= now:
            return Countdown(
                target.target,
                target.due,
                "overdue",
                f"{label} overdue by {_span(now - target.due)} (was due {local})",
            )
        state = "soon" if target.due - now <= SOON else "running"
        return Countdown(
            target.target, target.due, state, f"{label} due in {_span(target.due - now)} ({local})"
        )
    if target.state == "breached" and target.stopped_at is None:
        since = target.breached_at or target.due
        if since is None:
            return Countdown(target.target, target.due, "overdue", f"{label} overdue")
        local = f"{since.astimezone(zone):%a %H:%M}"
        return Countdown(
            target.target,
            since,
            "overdue",
            f"{label} overdue by {_span(now - since)} (was due {local})",
        )
    return Countdown(
        target.target, target.due, target.state, f"{label} {target.state.replace('_', ' ')}"
    )
