"""The profile page: which support-process profile is in force and its resolved content in words
(calendars with their computed holidays, levels, severities and targets, statuses, rules), with
`profile check`'s errors for the profile in force and for every shipped profile."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language_info, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tierdesk import clock, profiles
from tierdesk.domain import notify
from tierdesk.domain.calendars import Calendar
from tierdesk.domain.durations import Duration
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile, ProfileError, Target
from tierdesk.web import words
from tierdesk.web.roles import is_administrator, reads_profile

CATEGORIES = {
    "new": _("new, not yet worked on"),
    "open": _("open, being worked on"),
    "waiting": _("waiting for the requester"),
    "on_hold": _("on hold with a supplier"),
    "resolved": _("resolved"),
    "closed": _("closed"),
}
KINDS = {
    "response": _("Response"),
    "update": _("Update"),
    "resolution": _("Resolution"),
    "milestone": _("Milestone"),
    "progress": _("Progress report"),
}
STARTS = {
    "opened": _("when the ticket is opened"),
    "next_working_day": _("at the start of the next working day"),
}
STOPS = {
    "reply": _("a reply to the requester"),
    "note": _("an internal note"),
    "level_change": _("a hand-over to another level"),
    "resolved": _("the ticket is resolved"),
}


def _met_by(target: Target) -> tuple[str, ...]:
    """What meets a target, as the profile page lists it (a progress report: a note or a hand-back)."""
    if target.kind == "progress":
        return ("note", "level_change", "resolved")
    return target.stops_on


CHANNELS = {
    "portal": _("Portal"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "api": _("API"),
    "chat": _("Chat"),
    "monitoring": _("Monitoring"),
}
STAFFED_BY = {
    "provider": _("the provider's agents"),
    "partner": _("the partner"),
    "customer": _("the end customer"),
    "supplier": _("a supplier"),
}
WHO = {
    notify.REQUESTER: _("the requester"),
    notify.ASSIGNEE: _("the assigned agent"),
    notify.LEVEL: _("the agents of the ticket's level"),
    notify.ON_CALL: _("the on-call addresses and the emergency level"),
    notify.ESCALATION: _("the escalation contact"),
    notify.SLA_CONTACTS: _("the profile's SLA contacts"),
    notify.TECHNICIANS: _("the ticket's technician, else the agents of its level"),
    notify.HANDED_OVER_BY: _("the agent who handed the ticket to the supplier"),
}
METHODS = {
    "email": _("by e-mail"),
    "portal": _("through the supplier's portal"),
    "phone": _("by phone"),
}
SHORT_NOTICE = {"flag": _("flagged"), "refuse": _("refused")}


def duration_words(value: Duration | None) -> str:
    """A duration as a reader says it: "2 working days", "1 hour 30 minutes"."""
    if value is None:
        return gettext("none")
    parts = []
    if value.days:
        n = value.days
        shown = f"{n:g}"
        parts.append(
            ngettext("%(n)s working day", "%(n)s working days", 1 if n == 1 else 2) % {"n": shown}
        )
    hours, rest = divmod(value.seconds, 3600)
    minutes = rest // 60
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if not parts:
        return gettext("immediately")
    return " ".join(parts)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _hours(intervals: tuple[tuple[int, int], ...]) -> str:
    if not intervals:
        return gettext("closed")
    if intervals == ((0, 86_400),):
        return gettext("all day")
    return ", ".join(f"{_clock(s)}\u2013{_clock(e)}" for s, e in intervals)


def _language(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def calendar_view(cal: Calendar, years: range, profile: Profile) -> dict[str, Any]:
    holidays: list[dict[str, Any]] = [
        {"day": day, "name": cal.holiday_names.get(day, "")}
        for day in sorted(cal.holidays)
        if day.year in years
    ]
    return {
        "key": cal.key,
        "label": words.calendar_label(profile, cal.key),
        "timezone": cal.timezone,
        "always_open": cal.always_open,
        "week": [{"day": WEEKDAYS[d], "hours": _hours(cal.weekly[d])} for d in range(7)],
        "working_day": duration_words(Duration(seconds=cal.working_day_seconds)),
        "holidays_by_year": [
            {"year": y, "days": [h for h in holidays if h["day"].year == y]} for y in years
        ],
        "closed": sorted(d for d in cal.closed_dates if d.year in years),
        "open": [
            {"day": d, "hours": _hours(iv)}
            for d, iv in sorted(cal.open_dates.items())
            if d.year in years
        ],
    }


def _notification_rules(profile: Profile) -> list[dict[str, Any]]:
    """What the notification rules (tierdesk.domain.notify) do, asked of the rules themselves."""
    cases: list[tuple[Any, str, dict[str, Any], bool, bool]] = [
        (_("A ticket is opened"), EventKind.CREATED, {}, True, False),
        (_("An emergency is opened"), EventKind.CREATED, {}, True, True),
        (_("The requester replies"), EventKind.REPLY, {"by": "requester"}, True, False),
        (_("The desk replies"), EventKind.REPLY, {"by": "provider"}, True, False),
        (_("The status changes"), EventKind.STATUS_CHANGED, {"to": "x"}, True, False),
        (
            _("The ticket is resolved or closed"),
            EventKind.STATUS_CHANGED,
            {"to": next((k for k, s in profile.statuses.items() if s.category == "resolved"), "x")},
            True,
            False,
        ),
        (_("A supplier replies"), EventKind.REPLY, {"by": "supplier"}, False, False),
        (_("A ticket is rejected"), EventKind.REJECTED, {}, True, False),
        (_("A target is about to be missed"), EventKind.SLA_WARNING, {"target": "x"}, False, False),
        (_("A target is missed"), EventKind.SLA_BREACH, {"target": "x"}, False, False),
        (_("A ticket is escalated to management"), EventKind.MANAGEMENT_ESCALATED, {}, True, False),
        (_("A ticket is handed over to a level"), EventKind.LEVEL_CHANGED, {}, False, False),
        (_("A ticket is assigned"), EventKind.ASSIGNED, {"to": 1}, False, False),
        (
            _("A linked incident is resolved"),
            EventKind.INCIDENT_RESOLVED,
            {"notify": True},
            True,
            False,
        ),
    ]
    rows = []
    for label, kind, data, public, emergency in cases:
        told = notify.notices(
            kind, data, public=public, subject="", number="", emergency=emergency, profile=profile
        )
        roles = list(dict.fromkeys(n.role for n in told))
        rows.append({"event": label, "who": [WHO.get(r, r) for r in roles]})
    return rows


def _monitoring(profile: Profile) -> dict[str, Any] | None:
    rules = profile.monitoring
    if rules is None:
        return None
    severities = profile.severities

    def label(key: str) -> str:
        return severities[key].label if key in severities else key

    return {
        "group_by": rules.group_by,
        "severity_label": rules.severity_label,
        "severities": [(value, label(key)) for value, key in rules.severities.items()],
        "default": label(rules.default_severity or profile.default_severity),
        "account_label": rules.account_label,
        "resolve": rules.resolve_on_resolved,
    }


def describe(profile: Profile, years: range) -> dict[str, Any]:
    """The profile's resolved content in labels and words, for the template."""
    levels = profile.levels
    statuses = profile.statuses
    target_labels: dict[str, str] = {}
    for severity in profile.severities.values():
        for t in severity.targets.values():
            target_labels.setdefault(t.key, t.label)
    target_labels.setdefault("supplier", gettext("Supplier target"))

    def level_label(key: str) -> str:
        return levels[key].label if key in levels else key

    def status_label(key: str) -> str:
        return statuses[key].label if key in statuses else key

    severities = profile.severities
    closure = profile.closure
    suppliers = profile.suppliers
    emergency = profile.emergency
    page = profile.status_page
    return {
        "sample_number": profile.format_number(1),
        "calendars": [calendar_view(c, years, profile) for c in profile.calendars.values()],
        "default_calendar": profile.default_calendar,
        "levels": [
            {
                "key": lv.key,
                "label": lv.label,
                "staffed_by": STAFFED_BY.get(lv.staffed_by.value, lv.staffed_by.value),
                "escalates_to": [level_label(k) for k in lv.escalates_to],
                "calendar": words.calendar_label(profile, lv.calendar),
                "initial": lv.key == profile.initial_level,
                "reads": None if lv.reads is None else [level_label(k) for k in lv.reads],
                "works": None if lv.works is None else [level_label(k) for k in lv.works],
            }
            for lv in levels.values()
        ],
        "severities": [
            {
                "key": s.key,
                "label": s.label,
                "definition": s.definition,
                "examples": s.examples,
                "aliases": s.aliases,
                "default": s.key == profile.default_severity,
                "targets": [
                    {
                        "label": t.label,
                        "kind": KINDS.get(t.kind, t.kind),
                        "within": duration_words(t.within),
                        "calendar": words.calendar_label(profile, t.calendar),
                        "starts": STARTS.get(t.starts, t.starts),
                        "stops_on": [STOPS.get(x, x) for x in _met_by(t)],
                        "warn_at": [f"{round(w * 100)} %" for w in t.warn_at],
                        "source": t.source,
                    }
                    for t in s.targets.values()
                ],
            }
            for s in severities.values()
        ],
        "statuses": [
            {
                "key": st.key,
                "label": st.label,
                "category": CATEGORIES.get(st.category, st.category),
                "to": [status_label(k) for k in st.to],
                "requester_to": [status_label(k) for k in st.requester_to],
                "pauses": [target_labels.get(k, k) for k in st.pauses],
                "initial": st.key == profile.initial_status,
            }
            for st in statuses.values()
        ],
        "queues": [
            {"key": q.key, "label": q.label, "default": q.key == profile.default_queue}
            for q in profile.queues.values()
        ],
        "addresses": [
            {
                "address": address,
                "queue": profile.queues[q].label if q in profile.queues else q,
            }
            for address, q in profile.email_queues.items()
        ],
        "channels": [
            {
                "label": CHANNELS.get(c, c),
                "level": level_label(profile.channel_levels[c])
                if c in profile.channel_levels
                else "",
            }
            for c in profile.channels
        ],
        "languages": {
            "standard": _language(profile.languages.standard),
            "accepted": [_language(c) for c in profile.languages.accepted],
            "reply": _language(profile.languages.reply),
            "guaranteed": profile.languages.accepted_guaranteed,
        },
        "form": profile.form,
        "invalid_reasons": [r.label for r in profile.invalid_reasons.values()],
        "closure": None
        if closure is None
        else {
            "calendar": words.calendar_label(profile, closure.calendar),
            "confirmation_timeout": duration_words(closure.confirmation_timeout),
            "no_reply_timeout": duration_words(closure.no_reply_timeout),
            "close_resolved_after": duration_words(closure.close_resolved_after),
            "resolved_message": closure.resolved_message,
            "thank_you_reopens": closure.thank_you_reopens,
            "reply_reopens_resolved": closure.reply_reopens_resolved,
            "follow_up_after_closed": closure.follow_up_after_closed,
        },
        "emergency": None
        if emergency is None
        else {
            "keyword": emergency.keyword,
            "case_sensitive": emergency.case_sensitive,
            "severity": severities[emergency.severity].label
            if emergency.severity in severities
            else emergency.severity,
            "calendar": words.calendar_label(profile, emergency.calendar or ""),
            "level": level_label(emergency.level) if emergency.level else "",
            "notify": emergency.notify,
        },
        "escalation": [
            {
                "step": e.step,
                "role": e.role,
                "contact": e.contact,
                "after": duration_words(e.after) if e.after else "",
                "calendar": words.calendar_label(profile, e.calendar),
            }
            for e in profile.escalation_matrix
        ],
        "escalation_hours": profile.escalation_hours or "",
        "suppliers": None
        if suppliers is None
        else {
            "method": METHODS.get(suppliers.method, suppliers.method),
            "target": duration_words(suppliers.target) if suppliers.target else "",
            "calendar": suppliers.calendar,
            "customer_clock_pauses": suppliers.customer_clock_pauses,
        },
        "performance": None
        if profile.performance is None
        else {
            "share": f"{profile.performance.share * 100:g} %",
            "severities": [
                severities[k].label if k in severities else k
                for k in profile.performance.severities
            ],
            "targets": [target_labels.get(k, k) for k in profile.performance.targets],
        },
        "status_page": None
        if page is None
        else {
            "services": list(page.services.values()),
            "notice_severities": [
                severities[k].label if k in severities else k for k in page.notice_severities
            ],
            "maintenance_notice": duration_words(page.maintenance_notice)
            if page.maintenance_notice
            else "",
            "notice_calendar": page.notice_calendar,
            "maintenance_outside": page.maintenance_outside or "",
            "short_notice": SHORT_NOTICE.get(page.short_notice, page.short_notice),
        },
        "monitoring": _monitoring(profile),
        "inbound": [
            {"source": source, "channel": CHANNELS.get(channel, channel)}
            for source, channel in (profile.inbound.sources.items() if profile.inbound else ())
        ],
        "notifications": _notification_rules(profile),
        "sla_notify": profile.sla_notify,
        "unknown_sender": profile.unknown_sender,
    }


@dataclass(frozen=True)
class Checked:
    """One profile file and what `profile check` says of it."""

    name: str
    path: Path | None
    profile: Profile | None
    problems: tuple[str, ...]
    document: str  # the process document the file cites, from [profile].source


def check(name_or_path: str) -> Checked:
    """Load a profile as `tierdesk profile check` does: every problem with its key path."""
    try:
        path = profiles.locate(name_or_path)
        profile = profiles.load_file(path)
    except ProfileError as exc:
        located = Path(name_or_path) if Path(name_or_path).is_file() else None
        return Checked(name_or_path, located, None, tuple(exc.problems), "")
    document = ""
    try:
        meta = tomllib.loads(path.read_text("utf-8")).get("profile", {})
        document = str(meta.get("source", "")) if isinstance(meta, dict) else ""
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        pass
    return Checked(name_or_path, path, profile, (), document)


def _problem(text: str) -> dict[str, str]:
    """A problem as its key path and message ("severities.high.targets: is missing")."""
    path, sep, message = text.partition(": ")
    return (
        {"path": path, "message": message}
        if sep and " " not in path
        else {"path": "", "message": text}
    )


@login_required
def profile_page(request: HttpRequest) -> HttpResponse:
    user = reads_profile(request)
    in_force = str(settings.TIERDESK["PROFILE"])
    shipped = profiles.builtin_names()
    wanted = request.GET.get("profile", "")
    # Another shipped profile may be read for comparison; nothing else by name or path.
    shown_name = wanted if wanted in shipped else in_force
    checked = check(shown_name)
    year = clock.now().year
    years = range(year, year + 2)
    context: dict[str, Any] = {
        "in_force": in_force,
        "shown": checked,
        "is_in_force": shown_name == in_force,
        "problems": [_problem(p) for p in checked.problems],
        "shipped": [],
        "years": list(years),
        "admin_nav": is_administrator(user),
        "section": "profile",
    }
    if checked.profile is not None:
        context["profile"] = checked.profile
        context["about"] = describe(checked.profile, years)
    if request.GET.get("check") == "all":
        context["shipped"] = [
            {"name": n, "problems": [_problem(p) for p in check(n).problems]} for n in shipped
        ]
    context["shipped_names"] = shipped
    context["checking_all"] = request.GET.get("check") == "all"
    return render(request, "tierdesk/admin/profile.html", context)
