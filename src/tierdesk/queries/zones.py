"""The one clock a person reads: every time shown to someone (pages, notifications) is in their
own zone when they chose one on their account page, else in the desk's (the profile's default
calendar), and always names its zone."""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tierdesk import profiles
from tierdesk.domain.profiles import ProfileError


def desk_zone() -> ZoneInfo:
    """The desk's zone: its profile's default calendar's (UTC while the profile fails to load,
    so the page that shows why still opens)."""
    try:
        profile = profiles.active()
    except ProfileError:
        return ZoneInfo("UTC")
    return profile.calendars[profile.default_calendar].zone


def zone_for(person: object) -> tzinfo:
    """The zone `person` reads times in: their account's setting, else the desk's."""
    chosen = str(getattr(person, "time_zone", "") or "")
    if chosen:
        try:
            return ZoneInfo(chosen)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return desk_zone()


def choosable() -> list[str]:
    """The IANA zone names a person may choose, sorted."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
