"""Reports, computed in the database from the stored per-target outcomes and status/level spans.

Every figure of time is business time: the clocks that ran the tickets wrote `used_seconds`
for each target, and the spans carry the business seconds of each status and level. Nothing here
loads tickets into Python; each figure is one aggregate query (percentiles: one per group on
SQLite, which has no percentile aggregate).

Scope: a report covers the tickets the reader may see (a manager all, a partner admin the
organisation's), through the same `visible_tickets` as every other read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Floor, TruncDay, TruncMonth, TruncWeek

from tierdesk.domain.errors import Invalid
from tierdesk.domain.instants import check_days
from tierdesk.domain.parties import Party, Role, party_of, sees_everything
from tierdesk.domain.profiles import Profile
from tierdesk.domain.target_policies import SUPPLIER_KINDS
from tierdesk.domain.words import N_
from tierdesk.persistence.models import ArticleOpen, Event, Ticket, TicketSpan, TicketTarget, User
from tierdesk.queries.kb import DEFLECTION_WINDOW
from tierdesk.queries.tickets import visible_tickets

GROUPS = {
    "severity": "severity",
    "level": "level",
    "queue": "queue",
    "partner": "organisation__slug",
    "channel": "channel",
}
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
CLOSED = ("resolved", "closed")
AGE_BUCKETS = ((1, "under 1 day"), (3, "1 to 3 days"), (7, "3 to 7 days"), (30, "7 to 30 days"))


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise Invalid(
                N_("the period ends before it starts"), fields={"to": N_("must be after from")}
            )

    @classmethod
    def of_days(cls, first: date, last: date) -> Period:
        """From the start of `first` to the end of `last` (UTC), both days included."""
        check_days(first, last)
        return cls(
            datetime.combine(first, time(), tzinfo=UTC),
            datetime.combine(last, time(), tzinfo=UTC) + timedelta(days=1),
        )


def may_read(actor: User) -> bool:
    """Reports are for the provider's staff and for partner administrators (their own figures)."""
    if not actor.is_active or not actor.role:
        return False
    role = Role(actor.role)
    return party_of(role) is Party.PROVIDER or role is Role.PARTNER_ADMIN


def _everything(actor: User | None) -> bool:
    """None is the desk itself (the command line): every ticket."""
    return actor is None or bool(
        actor.is_active and actor.role and sees_everything(Role(actor.role))
    )


def scoped(actor: User | None, rows: QuerySet[Any], path: str) -> QuerySet[Any]:
    if actor is None or _everything(actor):
        return rows
    return rows.filter(**{f"{path}__in": visible_tickets(actor).values("pk")})


@dataclass
class Report:
    period: Period
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """Every row of every section, flattened with its section's name (for CSV)."""
        return [{"section": name, **row} for name, rows in self.sections.items() for row in rows]


def volume(
    actor: User | None, period: Period, *, by: str = "severity", every: str = "month"
) -> list[dict[str, Any]]:
    """Tickets opened, resolved and closed per period and group, and those still in progress at
    the period's end."""
    if by not in GROUPS:
        raise Invalid(
            N_("unknown grouping"),
            fields={"by": N_("expected one of %(choices)s", choices=", ".join(GROUPS))},
        )
    if every not in PERIODS:
        raise Invalid(
            N_("unknown period"),
            fields={"every": N_("expected one of %(choices)s", choices=", ".join(PERIODS))},
        )
    trunc = PERIODS[every]
    group = GROUPS[by]
    opened = (
        scoped(actor, Ticket.objects.all(), "pk")
        .filter(opened_at__gte=period.start, opened_at__lt=period.end)
        .annotate(bucket=trunc("opened_at"), group=F(group))
        .values("bucket", "group")
        .annotate(n=Count("pk"))
    )
    finished = (
        scoped(actor, TicketSpan.objects.filter(dimension="status", category__in=CLOSED), "ticket")
        .filter(started_at__gte=period.start, started_at__lt=period.end)
        .annotate(bucket=trunc("started_at"), group=F(f"ticket__{group}"))
        .values("bucket", "group", "category")
        .annotate(n=Count("pk"))
    )
    table: dict[tuple[Any, Any], dict[str, Any]] = {}

    def row(bucket: datetime, key: str) -> dict[str, Any]:
        return table.setdefault(
            (bucket, key),
            {"period": bucket.date().isoformat(), by: key, "opened": 0, "resolved": 0, "closed": 0},
        )

    for r in opened:
        row(r["bucket"], r["group"])["opened"] += r["n"]
    for r in finished:
        row(r["bucket"], r["group"])[r["category"]] += r["n"]
    out = [table[k] for k in sorted(table, key=lambda k: (k[0], str(k[1])))]
    # One anti-join on the ticket's own spans (NOT EXISTS ... ticket_id = ticket.id); excluding
    # `spans__in=` a span query made PostgreSQL join the spans to themselves first.
    finished_by_end = TicketSpan.objects.filter(
        ticket=OuterRef("pk"), dimension="status", category__in=CLOSED, started_at__lt=period.end
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=period.end))
    in_progress = (
        scoped(actor, Ticket.objects.all(), "pk")
        .filter(opened_at__lt=period.end)
        .filter(~Exists(finished_by_end))
        .values(group)
        .annotate(n=Count("pk"))
    )
    for r in in_progress:
        out.append(
            {
                "period": "in progress at end",
                by: r[group],
                "opened": None,
                "resolved": None,
                "closed": None,
                "in_progress": r["n"],
            }
        )
    return out


def backlog(actor: User | None, now: datetime) -> list[dict[str, Any]]:
    """Open tickets (their current status is neither resolved nor closed) by age."""
    whens = [
        When(ticket__opened_at__gt=now - timedelta(days=d), then=Value(i))
        for i, (d, _) in enumerate(AGE_BUCKETS)
    ]
    rows = (
        scoped(
            actor, TicketSpan.objects.filter(dimension="status", ended_at__isnull=True), "ticket"
        )
        .exclude(category__in=CLOSED)
        .annotate(bucket=Case(*whens, default=Value(len(AGE_BUCKETS)), output_field=IntegerField()))
        .values("bucket", "ticket__severity")
        .annotate(n=Count("pk"))
        .order_by("bucket", "ticket__severity")
    )
    labels = [label for _, label in AGE_BUCKETS] + ["over 30 days"]
    return [
        {"age": labels[r["bucket"]], "severity": r["ticket__severity"], "open": r["n"]}
        for r in rows
    ]


BUCKET_SECONDS = 10  # the resolution of the time percentiles


def compliance(actor: User | None, period: Period, profile: Profile) -> list[dict[str, Any]]:
    """Per severity and target, of the tickets opened in the period: how many met, breached and
    are still pending, the share met against the profile's performance target, and the business
    time to stop the clock (median, 90th percentile, mean: MTTR for resolution).

    One aggregate query over the target rows, grouped by severity, target and a 10-second
    bucket of the business time used (a hash aggregate, no sort of the whole year): the counts
    are the buckets' sums and the percentiles are read off the buckets, to the nearest 10 s.
    """
    targets = scoped(
        actor, TicketTarget.objects.exclude(target__in=SUPPLIER_KINDS), "ticket"
    ).filter(opened_at__gte=period.start, opened_at__lt=period.end)
    met = Q(state="met", breached_at__isnull=True)
    breached = Q(breached_at__isnull=False) | Q(state="breached")
    bucket = Case(
        When(stopped_at__isnull=False, then=Floor(F("used_seconds") / BUCKET_SECONDS)),
        default=Value(None),
        output_field=IntegerField(),
    )
    rows = (
        targets.exclude(state="not_guaranteed")
        .annotate(bucket=bucket)
        .values("severity", "target", "kind", "bucket")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=met),
            breached=Count("pk", filter=breached),
            used=Sum("used_seconds"),
        )
        .order_by()
    )
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    with _report_session():
        for r in rows:
            g = groups.setdefault(
                (r["severity"], r["target"], r["kind"]),
                {"total": 0, "met": 0, "breached": 0, "used": 0.0, "stopped": 0, "hist": []},
            )
            g["total"] += r["total"]
            g["met"] += r["met"]
            g["breached"] += r["breached"]
            if r["bucket"] is not None:
                g["stopped"] += r["total"]
                g["used"] += r["used"] or 0.0
                g["hist"].append((int(r["bucket"]), r["total"]))
    perf = profile.performance
    out = []
    for (severity, target, kind), g in sorted(groups.items()):
        finished = g["met"] + g["breached"]
        share = g["met"] / finished if finished else None
        aim = None
        if perf and severity in perf.severities and target in perf.targets:
            aim = perf.share
        median, p90 = (_from_histogram(g["hist"], q) for q in (0.5, 0.9))
        out.append(
            {
                "severity": severity,
                "target": target,
                "kind": kind,
                "tickets": g["total"],
                "met": g["met"],
                "breached": g["breached"],
                "pending": g["total"] - finished,
                "share_met": round(share, 4) if share is not None else None,
                "performance_target": aim,
                "meets_performance_target": (share > aim)
                if aim is not None and share is not None
                else None,
                "median_hours": _hours(median),
                "p90_hours": _hours(p90),
                "mean_hours": _hours(g["used"] / g["stopped"]) if g["stopped"] else None,
            }
        )
    return out


def _from_histogram(hist: list[tuple[int, int]], q: float) -> float | None:
    """The q-quantile (interpolated like percentile_cont) of values given as (bucket, count), each
    value taken as its bucket's lower bound."""
    n = sum(c for _, c in hist)
    if n == 0:
        return None
    pos = q * (n - 1)
    lo, frac = int(pos), pos - int(pos)

    def nth(k: int) -> float:
        seen = 0
        for b, c in sorted(hist):
            seen += c
            if k < seen:
                return float(b * BUCKET_SECONDS)
        raise IndexError(k)  # pragma: no cover - k < n by construction

    a = nth(lo)
    return a if frac == 0 else a + (nth(min(lo + 1, n - 1)) - a) * frac


@contextmanager
def _report_session() -> Iterator[None]:
    """PostgreSQL compiles big aggregates with JIT by default, which costs more than it saves for
    a report's one pass; turn it off for the report's transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def time_in(actor: User | None, period: Period, dimension: str) -> list[dict[str, Any]]:
    """Business time spent in each status or at each level, over finished spans of tickets opened
    in the period."""
    rows = (
        scoped(
            actor, TicketSpan.objects.filter(dimension=dimension, ended_at__isnull=False), "ticket"
        )
        .filter(ticket__opened_at__gte=period.start, ticket__opened_at__lt=period.end)
        .values("value")
        .annotate(spans=Count("pk"), total=Sum("business_seconds"), mean=Avg("business_seconds"))
        .order_by("value")
    )
    return [
        {
            dimension: r["value"],
            "spans": r["spans"],
            "total_hours": _hours(r["total"]),
            "mean_hours": _hours(r["mean"]),
        }
        for r in rows
    ]


def escalations(actor: User | None, period: Period) -> list[dict[str, Any]]:
    """Functional escalations (hand-overs to another level) and management escalations."""
    levels = (
        scoped(actor, TicketSpan.objects.filter(dimension="level"), "ticket")
        .filter(started_at__gte=period.start, started_at__lt=period.end)
        .exclude(started_at=F("ticket__opened_at"))
        .values("value")
        .annotate(n=Count("pk"))
        .order_by("value")
    )
    out = [{"kind": "functional", "to": r["value"], "count": r["n"]} for r in levels]
    management = (
        scoped(actor, Event.objects.filter(kind="management_escalated"), "ticket")
        .filter(at__gte=period.start, at__lt=period.end)
        .count()
    )
    out.append({"kind": "management", "to": "escalation matrix", "count": management})
    return out


def reopens(actor: User | None, period: Period) -> list[dict[str, Any]]:
    """Tickets resolved in the period, how many were reopened in it, and the rate."""
    spans = scoped(actor, TicketSpan.objects.filter(dimension="status"), "ticket").filter(
        started_at__gte=period.start, started_at__lt=period.end
    )
    # Both counts in one pass over the period's spans.
    counted = spans.aggregate(
        resolved=Count("ticket", distinct=True, filter=Q(category__in=CLOSED)),
        reopened=Count("ticket", distinct=True, filter=Q(reopened=True)),
    )
    resolved, reopened = counted["resolved"], counted["reopened"]
    return [
        {
            "resolved": resolved,
            "reopened": reopened,
            "reopen_rate": round(reopened / resolved, 4) if resolved else None,
        }
    ]


def rejections(actor: User | None, period: Period) -> list[dict[str, Any]]:
    rows = (
        scoped(actor, Event.objects.filter(kind="rejected"), "ticket")
        .filter(at__gte=period.start, at__lt=period.end)
        .annotate(reason=KeyTextTransform("reason", "data"))
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    return [{"reason": r["reason"], "count": r["n"]} for r in rows]


def deflections(actor: User | None, period: Period, now: datetime) -> list[dict[str, Any]]:
    """Suggested articles opened from the new-ticket form, and how many were not followed by a
    ticket from the same person within the deflection window."""
    opens = ArticleOpen.objects.filter(
        suggested=True, opened_at__gte=period.start, opened_at__lt=period.end
    )
    if actor is not None and not _everything(actor):
        opens = opens.filter(organisation_id=actor.organisation_id or -1)
    settled = opens.filter(opened_at__lt=now - DEFLECTION_WINDOW)
    got = settled.aggregate(
        opened=Count("pk"), deflected=Count("pk", filter=Q(ticket__isnull=True))
    )
    return [
        {
            "suggested_opened": got["opened"],
            "deflected": got["deflected"],
            "deflection_rate": round(got["deflected"] / got["opened"], 4)
            if got["opened"]
            else None,
        }
    ]


def full_report(
    actor: User | None,
    period: Period,
    profile: Profile,
    now: datetime,
    *,
    by: str = "severity",
    every: str = "month",
) -> Report:
    report = Report(period)
    with _report_session():
        report.sections = _sections(actor, period, profile, now, by=by, every=every)
    return report


def _sections(
    actor: User | None, period: Period, profile: Profile, now: datetime, *, by: str, every: str
) -> dict[str, list[dict[str, Any]]]:
    from tierdesk.queries import supplier_reports  # it reads periods and scopes from here

    return {
        "volume": volume(actor, period, by=by, every=every),
        "backlog": backlog(actor, now),
        "compliance": compliance(actor, period, profile),
        "time_in_status": time_in(actor, period, "status"),
        "time_at_level": time_in(actor, period, "level"),
        "escalations": escalations(actor, period),
        "reopens": reopens(actor, period),
        "rejections": rejections(actor, period),
        "deflections": deflections(actor, period, now),
        "suppliers": supplier_reports.suppliers(actor, period, profile, now),
    }
