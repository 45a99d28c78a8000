"""What the pages show for the desk's keys and instants: a profile's own label for a status,
level, queue, severity or target (the provider's words, never translated), a translated phrase
for the desk's own terms, and every moment with its zone named.

One place for these, so that the lists, the desk queue, the reports and the ticket page say the
same thing in the same words."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.domain.profiles import Profile
from tierdesk.web.timeline import when

TABLES = ("statuses", "levels", "queues", "severities")

CHANNELS = {
    "web": lambda: _("the portal"),
    "portal": lambda: _("the portal"),
    "email": lambda: _("e-mail"),
    "phone": lambda: _("phone"),
    "api": lambda: _("the API"),
    "monitoring": lambda: _("monitoring"),
    "chat": lambda: _("chat"),
}


def label(profile: Profile, table: str, key: object) -> str:
    """The profile's label for `key` in one of its tables (statuses, levels, queues, severities,
    invalid_reasons); a key the profile no longer has is shown as words, not as an identifier."""
    if key is None or key == "":
        return ""
    item = getattr(profile, table, {}).get(str(key))
    if item is not None:
        return str(item.label)
    return str(key).replace("_", " ")


def target_label_word(key: str) -> str:
    """The words of a target the desk adds to the profile's (the supplier's OLA and response)."""
    if key == "supplier":
        return _("Supplier answer")
    return _("Supplier's first response") if key == "supplier_response" else key


def target_label(profile: Profile, key: object) -> str:
    """A target's label (first response, resolution, ...) as the profile names it."""
    for severity in profile.severities.values():
        if str(key) in severity.targets:
            return str(severity.targets[str(key)].label)
    if key in ("supplier", "supplier_response"):
        return target_label_word(str(key))
    return str(key).replace("_", " ").capitalize()


def zone_of(profile: Profile) -> tzinfo:
    """The desk's time zone: its default calendar's."""
    return profile.calendars[profile.default_calendar].zone


def span(delta: timedelta) -> str:
    """A stretch of time in short words: 2 d 3 h, 4 h 05 min, 12 min."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


def countdown(profile: Profile, target: str, state: str, due: datetime | None, now: datetime,
              zone: tzinfo) -> str:  # fmt: skip
    """A queue's countdown for one target in the viewer's language, the zone named."""
    name = target_label(profile, target)
    if state in ("overdue", "soon", "running") and due is not None:
        if due <= now:
            return _("%(target)s overdue by %(span)s (was due %(at)s)") % {
                "target": name, "span": span(now - due), "at": when(due, zone)
            }  # fmt: skip
        return _("%(target)s due in %(span)s (%(at)s)") % {
            "target": name, "span": span(due - now), "at": when(due, zone)
        }  # fmt: skip
    if state == "overdue":
        return _("%(target)s overdue") % {"target": name}
    return target_state(name, state, None, zone)


def target_state(name: str, state: str, at: datetime | None, zone: tzinfo) -> str:
    """One target's state in words (met, breached, paused...), with its moment where known."""
    moment = when(at, zone)
    if state == "running":
        return _("%(target)s due by %(at)s") % {"target": name, "at": moment}
    if state == "met":
        if moment:
            return _("%(target)s met at %(at)s") % {"target": name, "at": moment}
        return _("%(target)s met") % {"target": name}
    if state == "breached":
        if moment:
            return _("%(target)s breached at %(at)s") % {"target": name, "at": moment}
        return _("%(target)s breached") % {"target": name}
    if state == "not_guaranteed":
        return _("%(target)s: no guaranteed time for this language") % {"target": name}
    if state == "not_started":
        if moment:
            return _("%(target)s starts %(at)s") % {"target": name, "at": moment}
        return _("%(target)s not started yet") % {"target": name}
    return _("%(target)s: paused") % {"target": name}


def stored_target(profile: Profile, target: Any, now: datetime, zone: tzinfo) -> str:
    """A target as stored at the ticket's last change, in words (the lists' SLA column)."""
    name = target_label(profile, target.target)
    if target.state == "running" and target.due is not None:
        if target.due <= now:
            return _("%(target)s overdue since %(at)s") % {
                "target": name, "at": when(target.due, zone)
            }  # fmt: skip
        return target_state(name, "running", target.due, zone)
    if target.state == "breached":
        return target_state(name, "breached", target.breached_at, zone)
    if target.state == "met":
        return target_state(name, "met", target.met_at, zone)
    return target_state(name, target.state, None, zone)


def viewer_zone() -> tzinfo:
    """The zone every time on the current page is shown in: the one the request activated (the
    viewer's own setting, else the desk's; see `config.middleware.TimeZoneMiddleware`)."""
    return timezone.get_current_timezone()


def calendar_label(profile: Profile, key: object) -> str:
    """A business calendar in words: the desk's hours, or the hours of the level that works to
    it, with its zone (calendars have keys, not labels, in a profile)."""
    cal = profile.calendars.get(str(key))
    if cal is None:
        return str(key or "").replace("_", " ")
    if cal.key == profile.default_calendar:
        name = _("Desk hours")
    else:
        levels = [lv for lv in profile.levels.values() if lv.calendar == cal.key]
        name = (
            _("%(level)s hours") % {"level": levels[0].label}
            if levels
            else cal.key.replace("_", " ").capitalize()
        )
    return f"{name} ({cal.timezone})"


def supplier_method(key: str) -> str:
    """How a supplier takes requests, in the reader's language."""
    return {"email": _("E-mail"), "portal": _("Support portal"), "phone": _("Telephone")}.get(
        key, key
    )
