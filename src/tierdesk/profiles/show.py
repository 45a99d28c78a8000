"""A profile as plain JSON-ready data: durations in words and seconds, calendars with their holidays."""

from __future__ import annotations

from datetime import date
from typing import Any

from tierdesk.domain.calendars import WEEKDAYS, Calendar
from tierdesk.domain.durations import Duration
from tierdesk.domain.profiles import Profile


def _hours(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _duration(value: Duration | None, calendar: Calendar | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {"text": str(value)}
    if calendar is not None:
        out["business_seconds"] = value.on(calendar.working_day_seconds)
    return out


def calendar_data(cal: Calendar, years: range) -> dict[str, Any]:
    return {
        "timezone": cal.timezone,
        "always_open": cal.always_open,
        "working_day_seconds": cal.working_day_seconds,
        "hours": {
            WEEKDAYS[d]: [f"{_hours(s)}-{_hours(e)}" for s, e in cal.weekly[d]] for d in range(7)
        },
        "holidays": {
            day.isoformat(): cal.holiday_names.get(day, "")
            for day in sorted(cal.holidays)
            if day.year in years
        },
        "closed": sorted(d.isoformat() for d in cal.closed_dates),
        "open": {
            d.isoformat(): [f"{_hours(s)}-{_hours(e)}" for s, e in iv]
            for d, iv in sorted(cal.open_dates.items())
        },
    }


def profile_data(profile: Profile, years: range | None = None) -> dict[str, Any]:
    years = years or range(date.today().year, date.today().year + 2)
    cals = profile.calendars
    return {
        "profile": profile.name,
        "version": profile.version,
        "digest": profile.digest,
        "description": profile.description,
        "provider": profile.provider_name,
        "ticket_prefix": profile.ticket_prefix,
        "calendars": {k: calendar_data(c, years) for k, c in cals.items()},
        "default_calendar": profile.default_calendar,
        "levels": {
            k: {
                "label": v.label,
                "staffed_by": v.staffed_by.value,
                "escalates_to": list(v.escalates_to),
                "calendar": v.calendar,
            }
            for k, v in profile.levels.items()
        },
        "initial_level": profile.initial_level,
        "severities": {
            k: {
                "label": s.label,
                "definition": s.definition,
                "examples": list(s.examples),
                "aliases": list(s.aliases),
                "targets": {
                    t.key: {
                        "kind": t.kind,
                        "within": _duration(t.within, cals.get(t.calendar)),
                        "calendar": t.calendar,
                        "starts": t.starts,
                        "stops_on": list(t.stops_on),
                        "warn_at": list(t.warn_at),
                    }
                    for t in s.targets.values()
                },
            }
            for k, s in profile.severities.items()
        },
        "default_severity": profile.default_severity,
        "statuses": {
            k: {
                "label": s.label,
                "category": s.category,
                "to": list(s.to),
                "requester_to": list(s.requester_to),
                "pauses": list(s.pauses),
            }
            for k, s in profile.statuses.items()
        },
        "queues": {k: q.label for k, q in profile.queues.items()},
        "channels": list(profile.channels),
        "languages": {
            "standard": profile.languages.standard,
            "accepted": list(profile.languages.accepted),
            "reply": profile.languages.reply,
            "accepted_guaranteed": profile.languages.accepted_guaranteed,
        },
        "form": [
            {"key": f.key, "label": f.label, "help": f.help, "required": f.required}
            for f in profile.form
        ],
        "emergency": None
        if profile.emergency is None
        else {
            "keyword": profile.emergency.keyword,
            "case_sensitive": profile.emergency.case_sensitive,
            "severity": profile.emergency.severity,
            "calendar": profile.emergency.calendar,
            "targets": list(profile.emergency.targets),
            "level": profile.emergency.level,
        },
        "closure": None
        if profile.closure is None
        else {
            "calendar": profile.closure.calendar,
            "confirmation_timeout": _duration(
                profile.closure.confirmation_timeout, cals.get(profile.closure.calendar)
            ),
            "no_reply_timeout": _duration(
                profile.closure.no_reply_timeout, cals.get(profile.closure.calendar)
            ),
            "close_resolved_after": _duration(
                profile.closure.close_resolved_after, cals.get(profile.closure.calendar)
            ),
            "resolved_message": profile.closure.resolved_message,
            "thank_you_reopens": profile.closure.thank_you_reopens,
            "reply_reopens_resolved": profile.closure.reply_reopens_resolved,
            "follow_up_after_closed": profile.closure.follow_up_after_closed,
        },
        "email_queues": dict(profile.email_queues),
        "invalid_reasons": {k: r.label for k, r in profile.invalid_reasons.items()},
        "suppliers": None
        if profile.suppliers is None
        else {
            "method": profile.suppliers.method,
            "target": _duration(profile.suppliers.target, cals.get(profile.suppliers.calendar)),
            "calendar": profile.suppliers.calendar,
            "customer_clock_pauses": profile.suppliers.customer_clock_pauses,
        },
        "escalation_matrix": [
            {
                "step": e.step,
                "role": e.role,
                "contact": e.contact,
                "after": _duration(e.after, cals.get(e.calendar)),
                "calendar": e.calendar,
            }
            for e in profile.escalation_matrix
        ],
        "performance": None
        if profile.performance is None
        else {
            "share": profile.performance.share,
            "severities": list(profile.performance.severities),
            "targets": list(profile.performance.targets),
        },
    }
