"""Validating a profile from plain data: every problem at once, each with its key path.

Holiday dates come from outside (the loader asks the `holidays` package) through
`holiday_lookup`, so this module stays pure.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from datetime import date
from itertools import pairwise
from typing import Any

from tierdesk.domain.calendars import HORIZON, Calendar, Interval, expand_days, parse_hours
from tierdesk.domain.contingency import ContingencyCondition, ContingencyRoute
from tierdesk.domain.durations import Duration, DurationError, parse_duration
from tierdesk.domain.parties import OrganisationKind
from tierdesk.domain.profile_schema import (
    EMAIL_PATTERN,
    PATTERNS,
    ChatSpec,
    ClosureSpec,
    EmergencySpec,
    InboundSpec,
    MonitoringSpec,
    NotificationsSpec,
    RoutingSpec,
    StatusPageSpec,
    SuppliersSpec,
    validate,
)
from tierdesk.domain.profiles import (
    CHANNELS,
    MILESTONE_STOPS,
    STANDARD_TARGETS,
    STATUS_CATEGORIES,
    TARGET_KINDS,
    TARGET_STARTS,
    ChatRules,
    ClosureRules,
    EmergencyRule,
    EscalationStep,
    FormField,
    InboundRules,
    InvalidReason,
    Languages,
    Level,
    MonitoringRules,
    NotificationRules,
    PerformanceTarget,
    Profile,
    ProfileError,
    Queue,
    Severity,
    Status,
    StatusPageRules,
    SupplierDefaults,
    Target,
)
from tierdesk.domain.requester_authority import NO_AUTHORITY
from tierdesk.domain.requester_authority import RULES as AUTHORITY_RULES
from tierdesk.domain.routing import RoutingRules
from tierdesk.domain.target_policies import SUPPLIER_KINDS

HolidayLookup = Callable[[str, str | None, tuple[int, int]], Mapping[date, str]]

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_PATTERN = re.compile(PATTERNS["language"])
DEFAULT_WARN_AT = (0.75, 0.9)


class _Reader:
    """Walks plain data, collecting every problem with the path where it was found."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    @staticmethod
    def at(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def table(
        self, data: Mapping[str, Any], path: str, key: str, *, required: bool = True
    ) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(self.at(path, key), "is missing; expected a table")
            return {}
        if not isinstance(value, Mapping):
            self.fail(self.at(path, key), f"{value!r} is not a table")
            return {}
        return dict(value)

    def text(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        *,
        default: str | None = None,
        pattern: re.Pattern[str] | None = None,
        expected: str = "text",
    ) -> str:
        value = data.get(key, default)
        if value is None:
            self.fail(self.at(path, key), f"is missing; expected {expected}")
            return ""
        if not isinstance(value, str) or (not value.strip() and default is None):
            self.fail(self.at(path, key), f"{value!r} is not {expected}")
            return ""
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(self.at(path, key), f"{value!r} is not {expected}")
        return value

    def optional_text(self, data: Mapping[str, Any], path: str, key: str) -> str | None:
        if data.get(key) is None:
            return None
        return self.text(data, path, key)

    def flag(self, data: Mapping[str, Any], path: str, key: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(self.at(path, key), f"{value!r} is not true or false")
            return default
        return value

    @staticmethod
    def whole(data: Mapping[str, Any], key: str, *, default: int) -> int:
        """A whole number; its type and bounds are the schema's (`profile_schema`) to check."""
        value = data.get(key, default)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def texts(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        *,
        choices: tuple[str, ...] | None = None,
        expected: str = "a list of text",
    ) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(self.at(path, key), f"{value!r} is not {expected}")
            return ()
        if choices is not None:
            for item in value:
                if item not in choices:
                    self.fail(self.at(path, key), f"{item!r} is not one of {', '.join(choices)}")
        return tuple(value)

    def duration(
        self, data: Mapping[str, Any], path: str, key: str, *, required: bool = True
    ) -> Duration | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(
                    self.at(path, key),
                    'is missing; expected a duration such as "4h" or "2 business days"',
                )
            return None
        if not isinstance(value, str):
            self.fail(
                self.at(path, key), f'{value!r} is not a duration; write it as text, e.g. "4h"'
            )
            return None
        try:
            return parse_duration(value)
        except DurationError as exc:
            self.fail(self.at(path, key), str(exc))
            return None

    def keyed(
        self, table: Mapping[str, Any], path: str, *, required: bool = True
    ) -> list[tuple[str, dict[str, Any]]]:
        entries = []
        for key, value in table.items():
            if not KEY_PATTERN.fullmatch(key):
                self.fail(
                    f"{path}.{key}", "is not a valid key; expected lower-case letters, digits and _"
                )
                continue
            if not isinstance(value, Mapping):
                self.fail(f"{path}.{key}", f"{value!r} is not a table")
                continue
            entries.append((key, dict(value)))
        if not entries and required:
            self.fail(path, "has no entries; expected at least one")
        return entries

    def reference(self, value: str | None, path: str, pool: Mapping[str, Any], what: str) -> None:
        if value and pool and value not in pool:
            self.fail(
                path,
                f"{value!r} is not a {what} defined under {what}s"
                if not what.endswith("s")
                else f"{value!r} is not defined under {what}",
            )


def _calendar(r: _Reader, key: str, item: dict[str, Any], lookup: HolidayLookup) -> Calendar:
    path = f"calendars.{key}"
    tz = r.text(item, path, "timezone", expected="an IANA time zone such as 'Europe/Luxembourg'")
    if tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            r.fail(
                f"{path}.timezone", f"{tz!r} is not an IANA time zone such as 'Europe/Luxembourg'"
            )
            tz = ""
    always = r.flag(item, path, "always_open", default=False)
    weekly: list[list[Interval]] = [[] for _ in range(7)]

    def intervals(value: Any, where: str) -> tuple[Interval, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            r.fail(where, f"{value!r} is not a list of opening hours such as ['08:00-17:00']")
            return ()
        out: list[Interval] = []
        for text in value:
            try:
                out.append(parse_hours(text))
            except ValueError as exc:
                r.fail(where, str(exc))
        out.sort()
        for (_, e1), (s2, _) in pairwise(out):
            if s2 < e1:
                r.fail(where, "opening hours overlap")
        return tuple(out)

    hours = r.table(item, path, "hours", required=not always)
    for spec, value in hours.items():
        try:
            days = expand_days(spec)
        except ValueError:
            r.fail(
                f"{path}.hours.{spec}",
                "is not a day or range of days such as 'mon-fri', 'sat' or 'daily'",
            )
            continue
        for day in days:
            weekly[day].extend(intervals(value, f"{path}.hours.{spec}"))
    if not always and hours and not any(weekly):
        r.fail(f"{path}.hours", "opens on no day of the week")

    holidays: dict[date, str] = {}
    if item.get("holidays") is not None:
        spec_t = r.table(item, path, "holidays")
        country = r.text(
            spec_t, f"{path}.holidays", "country", expected="an ISO country code such as 'LU'"
        )
        subdivision = r.optional_text(spec_t, f"{path}.holidays", "subdivision")
        if country:
            try:
                holidays = dict(lookup(country, subdivision, HORIZON))
            except (KeyError, NotImplementedError, ValueError) as exc:
                r.fail(
                    f"{path}.holidays",
                    f"no public holidays known for {country!r}"
                    f"{' / ' + subdivision if subdivision else ''} ({exc})",
                )

    def dates(value: Any, where: str) -> list[date]:
        out = []
        items = value if isinstance(value, list) else [value]
        for v in items:
            if isinstance(v, date):
                out.append(v)
            elif isinstance(v, str):
                try:
                    out.append(date.fromisoformat(v))
                except ValueError:
                    r.fail(where, f"{v!r} is not a date such as 2026-12-24")
            else:
                r.fail(where, f"{v!r} is not a date such as 2026-12-24")
        return out

    closed = dates(item.get("closed", []), f"{path}.closed")
    open_dates: dict[date, tuple[Interval, ...]] = {}
    for day_text, value in r.table(item, path, "open", required=False).items():
        for extra in dates(day_text, f"{path}.open.{day_text}"):
            open_dates[extra] = intervals(value, f"{path}.open.{day_text}")
    working_day = r.duration(item, path, "working_day", required=False)
    return Calendar(
        key=key,
        timezone=tz or "UTC",
        weekly=tuple(tuple(d) for d in weekly),
        holidays=frozenset(holidays),
        closed_dates=frozenset(closed),
        open_dates=open_dates,
        always_open=always,
        working_day=working_day.seconds if working_day else 0,
        holiday_names=holidays,
    )


def _targets(
    r: _Reader,
    severity: str,
    table: dict[str, Any],
    *,
    calendars: Mapping[str, Calendar],
    default_calendar: str,
    warn_at: tuple[float, ...],
    levels: Mapping[str, Level],
) -> dict[str, Target]:
    out: dict[str, Target] = {}
    for key, item in r.keyed(table, f"severities.{severity}.targets", required=False):
        path = f"severities.{severity}.targets.{key}"
        if key in SUPPLIER_KINDS:
            r.fail(path, f"{key!r} is the name of a supplier's target; give this target another")
        kind = item.get("kind", STANDARD_TARGETS.get(key, ""))
        if kind not in TARGET_KINDS:
            r.fail(
                f"{path}.kind",
                f"{kind!r} is not response, update, resolution, milestone or progress "
                "(a target named other than first_response, update or resolution needs one)",
            )
        reporting = r.texts(item, path, "levels")
        for level in reporting:
            if levels and level not in levels:
                r.fail(f"{path}.levels", f"{level!r} is not a level defined under levels")
        if kind == "progress" and not reporting:
            r.fail(f"{path}.levels", 'a progress target needs the levels that report, e.g. ["l3"]')
        if kind != "progress" and reporting:
            r.fail(f"{path}.levels", "only a progress target names reporting levels")
        within = r.duration(item, path, "within")
        calendar = r.text(
            item, path, "calendar", default=default_calendar, expected="a calendar key"
        )
        if calendar and calendars and calendar not in calendars:
            r.fail(f"{path}.calendar", f"{calendar!r} is not a calendar defined under calendars")
        starts = r.text(
            item, path, "starts", default="opened", expected="opened or next_working_day"
        )
        if starts not in TARGET_STARTS:
            r.fail(f"{path}.starts", f"{starts!r} is not opened or next_working_day")
        stops_on = r.texts(item, path, "stops_on", choices=MILESTONE_STOPS)
        if kind == "milestone" and not stops_on:
            r.fail(
                f"{path}.stops_on", "a milestone needs what stops it: " + ", ".join(MILESTONE_STOPS)
            )
        warn = item.get("warn_at", list(warn_at))
        if not isinstance(warn, list) or not all(
            isinstance(w, int | float) and 0 < w < 1 for w in warn
        ):
            r.fail(
                f"{path}.warn_at",
                f"{warn!r} is not a list of shares between 0 and 1, e.g. [0.75, 0.9]",
            )
            warn = list(warn_at)
        if within is not None:
            out[key] = Target(
                key=key,
                kind=str(kind),
                label=str(item.get("label", key.replace("_", " ").capitalize())),
                within=within,
                calendar=calendar,
                starts=starts,
                stops_on=stops_on,
                warn_at=tuple(sorted(float(w) for w in warn)),
                source=str(item.get("source", "")),
                levels=reporting,
            )
    return out


def _notifications(spec: NotificationsSpec | None) -> NotificationRules:
    if spec is None:
        return NotificationRules()
    chosen = {m: tuple(r) for m in ("opened", "updated", "closed") if (r := getattr(spec, m))}
    return dataclasses.replace(NotificationRules(), **chosen)


def _emergency(spec: EmergencySpec | None) -> EmergencyRule | None:
    if spec is None:
        return None
    return EmergencyRule(
        spec.keyword,
        spec.case_sensitive,
        spec.severity,
        spec.calendar,
        spec.level,
        tuple(spec.notify),
        tuple(spec.targets),
    )


def _closure(spec: ClosureSpec | None, default_calendar: str) -> ClosureRules | None:
    if spec is None:
        return None

    def duration(text: str | None) -> Duration | None:
        return parse_duration(text) if text is not None else None

    return ClosureRules(
        calendar=spec.calendar or default_calendar,
        confirmation_timeout=duration(spec.confirmation_timeout),
        no_reply_timeout=duration(spec.no_reply_timeout),
        close_resolved_after=duration(spec.close_resolved_after),
        resolved_message=spec.resolved_message,
        thank_you_reopens=spec.thank_you_reopens,
        reply_reopens_resolved=spec.reply_reopens_resolved,
        follow_up_after_closed=spec.follow_up_after_closed,
    )


def _suppliers(spec: SuppliersSpec | None, default_calendar: str) -> SupplierDefaults | None:
    if spec is None:
        return None
    return SupplierDefaults(
        spec.method,
        parse_duration(spec.target) if spec.target is not None else None,
        spec.calendar or default_calendar,
        spec.customer_clock_pauses,
        tuple(spec.shared) if spec.shared is not None else ("subject",),
        (spec.address or "").strip().lower(),
    )


def _routing(spec: RoutingSpec | None) -> RoutingRules | None:
    if spec is None:
        return None
    return RoutingRules(spec.rule, tuple(spec.levels), tuple(spec.channels), source=spec.source)


def _status_page(spec: StatusPageSpec | None, default_calendar: str) -> StatusPageRules | None:
    if spec is None:
        return None
    notice = spec.maintenance_notice
    return StatusPageRules(
        services=dict(spec.services),
        notice_severities=tuple(spec.notice_severities),
        maintenance_notice=parse_duration(notice) if notice is not None else None,
        notice_calendar=spec.notice_calendar or default_calendar,
        maintenance_outside=spec.maintenance_outside,
        short_notice=spec.short_notice,
    )


def _monitoring(spec: MonitoringSpec | None) -> MonitoringRules | None:
    if spec is None:
        return None
    return MonitoringRules(
        group_by=spec.group_by,
        severity_label=spec.severity_label,
        severities=dict(spec.severities),
        default_severity=spec.default_severity,
        resolve_on_resolved=spec.resolve_on_resolved,
        account_label=spec.account_label,
    )


def _inbound(spec: InboundSpec | None) -> InboundRules | None:
    return InboundRules(dict(spec.sources)) if spec is not None else None


def _chat(spec: ChatSpec | None, default_calendar: str) -> ChatRules | None:
    if spec is None:
        return None
    return ChatRules(
        calendar=spec.calendar or default_calendar,
        level=spec.level,
        severity=spec.severity,
        queue=spec.queue,
    )


def _contingency(
    r: _Reader,
    data: Mapping[str, Any],
    severities: Mapping[str, Any],
    calendars: Mapping[str, Calendar],
) -> dict[str, ContingencyRoute]:
    """`[contingency.<key>]`: label, contact, note and `[[contingency.<key>.when]]` conditions."""
    routes: dict[str, ContingencyRoute] = {}
    for key, item in r.keyed(
        r.table(data, "", "contingency", required=False), "contingency", required=False
    ):
        path = f"contingency.{key}"
        raw = item.get("when", [])
        if not isinstance(raw, list) or not raw:
            r.fail(
                f"{path}.when",
                "needs at least one condition ([[contingency.<key>.when]] tables)",
            )
            raw = []
        conditions: list[ContingencyCondition] = []
        for n, cond in enumerate(raw, start=1):
            where = f"{path}.when[{n}]"
            if not isinstance(cond, Mapping):
                r.fail(where, "is not a table")
                continue
            known = ("outside", "severities", "accounts_at_least", "target_expired")
            if not any(k in cond for k in known):
                r.fail(where, "names no condition; expected one of " + ", ".join(known))
            outside = r.optional_text(cond, where, "outside")
            r.reference(outside, f"{where}.outside", calendars, "calendars")
            sev = r.texts(cond, where, "severities")
            for s in sev:
                if severities and s not in severities:
                    r.fail(
                        f"{where}.severities", f"{s!r} is not a severity defined under severities"
                    )
            expired = r.optional_text(cond, where, "target_expired")
            if expired is not None and expired not in TARGET_KINDS:
                r.fail(
                    f"{where}.target_expired",
                    f"{expired!r} is not a target kind; expected one of {', '.join(TARGET_KINDS)}",
                )
            conditions.append(
                ContingencyCondition(
                    outside=outside,
                    severities=sev,
                    accounts_at_least=r.whole(cond, "accounts_at_least", default=0),
                    target_expired=expired,
                )
            )
        routes[key] = ContingencyRoute(
            key=key,
            label=r.text(item, path, "label"),
            contact=r.text(item, path, "contact"),
            conditions=tuple(conditions),
            note=str(item.get("note", "")),
        )
    return routes


def parse_profile(
    data: Mapping[str, Any],
    *,
    source: str,
    digest: str,
    holiday_lookup: HolidayLookup | None = None,
) -> Profile:
    """Turn parsed TOML into a Profile, or raise ProfileError listing every problem."""
    lookup: HolidayLookup = holiday_lookup or (lambda country, sub, years: {})
    spec, shape = validate(data)
    r = _Reader()
    meta = r.table(data, "", "profile")
    provider = r.table(data, "", "provider")

    calendars = {
        key: _calendar(r, key, item, lookup)
        for key, item in r.keyed(r.table(data, "", "calendars"), "calendars")
    }

    tickets = r.table(data, "", "tickets")
    default_calendar = r.text(tickets, "tickets", "calendar", expected="a calendar key")
    if default_calendar and calendars and default_calendar not in calendars:
        r.fail(
            "tickets.calendar", f"{default_calendar!r} is not a calendar defined under calendars"
        )

    levels: dict[str, Level] = {}
    for key, item in r.keyed(r.table(data, "", "levels"), "levels"):
        path = f"levels.{key}"
        staffed = r.text(
            item, path, "staffed_by", default="provider", expected="provider or supplier"
        )
        kind = OrganisationKind.PROVIDER
        if staffed in ("provider", "supplier"):
            kind = OrganisationKind(staffed)
        elif staffed:
            r.fail(f"{path}.staffed_by", f"{staffed!r} is not provider or supplier")
        calendar = r.text(
            item, path, "calendar", default=default_calendar or "", expected="a calendar key"
        )
        if calendar and calendars and calendar not in calendars:
            r.fail(f"{path}.calendar", f"{calendar!r} is not a calendar defined under calendars")
        levels[key] = Level(
            key,
            r.text(item, path, "label"),
            kind,
            r.texts(item, path, "escalates_to"),
            calendar,
            reads=r.texts(item, path, "reads") if "reads" in item else None,
            works=r.texts(item, path, "works") if "works" in item else None,
        )
    for level in levels.values():
        for name in ("escalates_to", "reads", "works"):
            for target in getattr(level, name) or ():
                if target not in levels:
                    r.fail(
                        f"levels.{level.key}.{name}",
                        f"{target!r} is not a level defined under levels",
                    )
        if level.reads is not None and level.works is not None:
            for target in level.works:
                if target not in level.reads and target in levels:
                    r.fail(
                        f"levels.{level.key}.works",
                        f"{target!r} is worked but not read; add it to levels.{level.key}.reads",
                    )

    sla = r.table(data, "", "sla", required=False)
    sla_notify = r.texts(sla, "sla", "notify")
    for address in sla_notify:
        if not EMAIL_PATTERN.fullmatch(address):
            r.fail("sla.notify", f"{address!r} is not an e-mail address")
    warn_at: tuple[float, ...] = DEFAULT_WARN_AT
    if "warn_at" in sla:
        w = sla["warn_at"]
        if isinstance(w, list) and all(isinstance(x, int | float) and 0 < x < 1 for x in w):
            warn_at = tuple(float(x) for x in w)
        else:
            r.fail(
                "sla.warn_at", f"{w!r} is not a list of shares between 0 and 1, e.g. [0.75, 0.9]"
            )

    severities: dict[str, Severity] = {}
    for key, item in r.keyed(r.table(data, "", "severities"), "severities"):
        path = f"severities.{key}"
        definition = item.get("definition", "")
        if not isinstance(definition, str):
            r.fail(f"{path}.definition", f"{definition!r} is not text")
            definition = ""
        targets = _targets(
            r,
            key,
            r.table(item, path, "targets", required=False),
            calendars=calendars,
            default_calendar=default_calendar,
            warn_at=warn_at,
            levels=levels,
        )
        severities[key] = Severity(
            key,
            r.text(item, path, "label"),
            definition,
            r.texts(item, path, "examples"),
            r.texts(item, path, "aliases"),
            targets,
        )
    seen_alias: dict[str, str] = {}
    for severity in severities.values():
        for name in (severity.key, severity.label, *severity.aliases):
            folded = name.casefold()
            if folded in seen_alias and seen_alias[folded] != severity.key:
                r.fail(
                    f"severities.{severity.key}.aliases",
                    f"{name!r} also names severity {seen_alias[folded]!r}",
                )
            seen_alias[folded] = severity.key
    target_keys = {t for s in severities.values() for t in s.targets}

    statuses: dict[str, Status] = {}
    for key, item in r.keyed(r.table(data, "", "statuses"), "statuses"):
        path = f"statuses.{key}"
        category = r.text(item, path, "category", expected="one of " + ", ".join(STATUS_CATEGORIES))
        if category and category not in STATUS_CATEGORIES:
            r.fail(f"{path}.category", f"{category!r} is not one of {', '.join(STATUS_CATEGORIES)}")
        pauses = r.texts(item, path, "pauses")
        for target in pauses:
            if target != "*" and target not in target_keys:
                r.fail(
                    f"{path}.pauses", f"{target!r} is not a target of any severity (or '*' for all)"
                )
        statuses[key] = Status(
            key,
            r.text(item, path, "label"),
            category,
            r.texts(item, path, "to"),
            r.texts(item, path, "requester_to"),
            pauses,
        )
    for status in statuses.values():
        for target in status.to:
            if target not in statuses:
                r.fail(
                    f"statuses.{status.key}.to",
                    f"{target!r} is not a status defined under statuses",
                )
        for target in status.requester_to:
            if target not in status.to:
                r.fail(
                    f"statuses.{status.key}.requester_to", f"{target!r} is not also listed in to"
                )
    initial = [s.key for s in statuses.values() if s.category == "new"]
    if statuses and len(initial) != 1:
        r.fail("statuses", f"needs exactly one status with category 'new', found {len(initial)}")

    queues: dict[str, Queue] = {}
    for key, item in r.keyed(r.table(data, "", "queues"), "queues"):
        queues[key] = Queue(key, r.text(item, f"queues.{key}", "label"))

    initial_level = r.text(tickets, "tickets", "initial_level", expected="a level key")
    if initial_level and levels and initial_level not in levels:
        r.fail("tickets.initial_level", f"{initial_level!r} is not a level defined under levels")
    default_severity = r.text(tickets, "tickets", "default_severity", expected="a severity key")
    if default_severity and severities and default_severity not in severities:
        r.fail(
            "tickets.default_severity",
            f"{default_severity!r} is not a severity defined under severities",
        )
    default_queue = r.text(tickets, "tickets", "default_queue", expected="a queue key")
    if default_queue and queues and default_queue not in queues:
        r.fail("tickets.default_queue", f"{default_queue!r} is not a queue defined under queues")
    channels = r.texts(tickets, "tickets", "channels", choices=CHANNELS)
    channel_levels: dict[str, str] = {}
    for channel, level_key in r.table(tickets, "tickets", "channel_levels", required=False).items():
        if channel not in channels:
            r.fail(f"tickets.channel_levels.{channel}", "is not one of this desk's channels")
        elif not isinstance(level_key, str) or level_key not in levels:
            r.fail(
                f"tickets.channel_levels.{channel}",
                f"{level_key!r} is not a level defined under levels",
            )
        else:
            channel_levels[channel] = level_key

    langs = r.table(data, "", "languages")
    lang_expected = "a language code such as 'en' or 'de'"
    standard = r.text(langs, "languages", "standard", expected=lang_expected)
    accepted = r.texts(langs, "languages", "accepted")
    for code in accepted:
        if not LANGUAGE_PATTERN.fullmatch(code):
            r.fail("languages.accepted", f"{code!r} is not {lang_expected}")
    reply = r.text(
        langs,
        "languages",
        "reply",
        default=standard or "en",
        expected=lang_expected,
    )
    guaranteed = r.flag(langs, "languages", "accepted_guaranteed", default=False)

    form_fields: list[FormField] = []
    form = r.table(data, "", "form", required=False)
    form_missing: dict[str, str] = {}
    for channel, action in (form.get("missing") or {}).items() if form else ():
        if action not in ("ask", "flag"):
            r.fail(f"form.missing.{channel}", f"{action!r} is not one of ask, flag")
        else:
            form_missing[str(channel)] = action
    for key, item in r.keyed(r.table(form, "form", "fields"), "form.fields") if form else []:
        path = f"form.fields.{key}"
        form_fields.append(
            FormField(
                key,
                r.text(item, path, "label"),
                str(item.get("help", "")),
                r.flag(item, path, "required", default=False),
                r.flag(item, path, "multiline", default=False),
            )
        )

    # LuxCloud 2.7: what a voice message must carry; the ticket form is asked for later.
    voicemail_fields: list[FormField] = []
    voicemail = r.table(data, "", "voicemail", required=False)
    for key, item in (
        r.keyed(r.table(voicemail, "voicemail", "fields"), "voicemail.fields") if voicemail else []
    ):
        path = f"voicemail.fields.{key}"
        voicemail_fields.append(
            FormField(
                key,
                r.text(item, path, "label"),
                str(item.get("help", "")),
                r.flag(item, path, "required", default=False),
                False,
            )
        )

    notifications = _notifications(spec.notifications if spec else None)
    emergency = _emergency(spec.emergency if spec else None)
    closure = _closure(spec.closure if spec else None, default_calendar)

    mail = spec.email if spec is not None else None
    email_queues = {a.lower(): queue for a, queue in mail.addresses.items()} if mail else {}
    unknown_sender = mail.unknown_sender if mail else "quarantine"
    registration_url = mail.registration_url if mail else ""

    invalid: dict[str, InvalidReason] = {}
    for key, item in r.keyed(
        r.table(data, "", "invalid_reasons", required=False), "invalid_reasons", required=False
    ):
        invalid[key] = InvalidReason(key, r.text(item, f"invalid_reasons.{key}", "label"))
    requester_authority = r.optional_text(tickets, "tickets", "requester_authority")
    if requester_authority is not None and requester_authority not in AUTHORITY_RULES:
        r.fail(
            "tickets.requester_authority",
            f"{requester_authority!r} is not one of {', '.join(AUTHORITY_RULES)}",
        )
    elif requester_authority == "reject" and NO_AUTHORITY not in invalid:
        r.fail(
            "tickets.requester_authority",
            f"'reject' needs the invalid reason {NO_AUTHORITY!r} under invalid_reasons",
        )

    suppliers = _suppliers(spec.suppliers if spec else None, default_calendar)

    matrix: list[EscalationStep] = []
    esc = r.table(data, "", "escalation", required=False)
    escalation_hours = r.optional_text(esc, "escalation", "hours")
    if escalation_hours and escalation_hours not in calendars:
        r.fail(
            "escalation.hours", f"{escalation_hours!r} is not a calendar defined under calendars"
        )
    steps = esc.get("matrix", [])
    if not isinstance(steps, list):
        r.fail("escalation.matrix", "is not a list of steps ([[escalation.matrix]] tables)")
        steps = []
    for n, step in enumerate(steps, start=1):
        path = f"escalation.matrix[{n}]"
        if not isinstance(step, Mapping):
            r.fail(path, "is not a table")
            continue
        attempts = step.get("attempts", 0)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
            r.fail(f"{path}.attempts", f"{attempts!r} is not a count of contact attempts, e.g. 2")
            attempts = 0
        if n == 1 and attempts:
            r.fail(f"{path}.attempts", "the first step has no previous step to try to contact")
        attempts_over = r.duration(step, path, "attempts_over", required=False)
        if attempts_over is not None and not attempts:
            r.fail(f"{path}.attempts_over", "needs attempts: how many contact attempts")
        step_calendar = r.text(
            step, path, "calendar", default=default_calendar, expected="a calendar key"
        )
        if step_calendar and calendars and step_calendar not in calendars:
            r.fail(
                f"{path}.calendar", f"{step_calendar!r} is not a calendar defined under calendars"
            )
        matrix.append(
            EscalationStep(
                n,
                r.text(step, path, "role"),
                r.text(step, path, "contact", default=""),
                r.duration(step, path, "after", required=False),
                step_calendar,
                attempts=int(attempts),
                attempts_over=attempts_over,
            )
        )

    performance = None
    if spec is not None and spec.reporting is not None:
        rep = spec.reporting
        performance = PerformanceTarget(
            rep.performance_target, tuple(rep.severities), tuple(rep.targets)
        )

    # A table that opens tickets on a channel the desk does not list.
    for table, channel, message in (
        ("monitoring", "monitoring", 'needs the "monitoring" channel under tickets.channels'),
        ("chat", "chat", "the chat window needs 'chat' among tickets.channels"),
    ):
        if isinstance(data.get(table), Mapping) and data[table] and channel not in channels:
            r.fail(table, message)
    # Built from the validated schema; on any problem the profile is refused below.
    status_page = _status_page(spec.status_page if spec else None, default_calendar)
    monitoring = _monitoring(spec.monitoring if spec else None)
    inbound = _inbound(spec.inbound if spec else None)
    chat = _chat(spec.chat if spec else None, default_calendar)
    contingency = _contingency(r, data, severities, calendars)

    profile = Profile(
        name=r.text(meta, "profile", "name", expected="a lower-case name"),
        version=r.text(meta, "profile", "version", expected="a version such as '1.2'"),
        digest=digest,
        description=str(meta.get("description", "")),
        provider_name=r.text(provider, "provider", "name"),
        ticket_prefix=r.text(
            provider,
            "provider",
            "ticket_prefix",
            expected="1 to 8 upper-case letters or digits, starting with a letter",
        ),
        number_digits=r.whole(provider, "number_digits", default=6),
        calendars=calendars,
        default_calendar=default_calendar,
        levels=levels,
        initial_level=initial_level,
        severities=severities,
        default_severity=default_severity,
        statuses=statuses,
        initial_status=initial[0] if len(initial) == 1 else "",
        queues=queues,
        default_queue=default_queue,
        channels=channels,
        languages=Languages(standard, accepted, reply, guaranteed),
        form=tuple(form_fields),
        voicemail=tuple(voicemail_fields),
        notifications=notifications,
        form_missing=form_missing,
        monitoring=monitoring,
        inbound=inbound,
        emergency=emergency,
        closure=closure,
        email_queues=email_queues,
        invalid_reasons=invalid,
        suppliers=suppliers,
        escalation_matrix=tuple(matrix),
        performance=performance,
        status_page=status_page,
        escalation_hours=escalation_hours,
        sla_notify=sla_notify,
        unknown_sender=unknown_sender,
        registration_url=registration_url,
        channel_levels=channel_levels,
        chat=chat,
        requester_authority=requester_authority,
        contingency=contingency,
        routing=_routing(spec.routing if spec else None),
    )
    problems = shape + [(p, m) for p, m in r.problems if not _covered(p, shape)]
    if problems:
        raise ProfileError(source, [f"{path}: {message}" for path, message in problems])
    return profile


def _covered(path: str, shape: list[tuple[str, str]]) -> bool:
    """Whether the schema already reported a problem at `path` or around it."""
    return any(path == where or path.startswith((f"{where}.", f"{where}[")) for where, _ in shape)
