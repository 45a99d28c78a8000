"""Whether a planned maintenance window keeps the profile's rules (CloudCTI 2: outside normal
working hours, with notice in good time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tierdesk.domain.errors import Invalid
from tierdesk.domain.profiles import Profile
from tierdesk.domain.words import N_

# A maintenance window is hours, at most days; a longer one is a typing error, and bounding it
# keeps the working-hours count small whatever is typed.
MAX_WINDOW = timedelta(days=31)


def notice_problems(
    profile: Profile, *, announced_at: datetime, starts_at: datetime, ends_at: datetime
) -> list[str]:
    """What is wrong with announcing this window now; empty when it keeps every rule.

    Raises Invalid for a window that cannot be one at all (ending before it starts).
    """
    if ends_at <= starts_at:
        raise Invalid(
            N_("a maintenance window ends after it starts"),
            fields={"ends_at": N_("must be after starts_at")},
        )
    if ends_at - starts_at > MAX_WINDOW:
        raise Invalid(
            N_("a maintenance window lasts at most 31 days"),
            fields={"ends_at": N_("is more than 31 days after starts_at")},
        )
    rules = profile.status_page
    if rules is None:
        return []
    problems = []
    if rules.maintenance_notice is not None:
        calendar = profile.calendars[rules.notice_calendar]
        needed = rules.maintenance_notice.on(calendar.working_day_seconds)
        # Enough notice is a start at or after the instant the notice runs out: one addition of
        # business time, however far ahead the window lies. Only a short notice is counted, and
        # it is shorter than `needed`.
        enough = starts_at >= calendar.add(announced_at, needed)
        given = (
            0.0
            if enough or starts_at <= announced_at
            else calendar.business_seconds(announced_at, starts_at)
        )
        if not enough:
            problems.append(
                N_(
                    "announced with %(hours).1f business hours of notice; the profile asks for "
                    "%(notice)s on the %(calendar)r calendar",
                    hours=given / 3600,
                    notice=str(rules.maintenance_notice),
                    calendar=rules.notice_calendar,
                )
            )
    if rules.maintenance_outside is not None:
        hours = profile.calendars[rules.maintenance_outside]
        inside = hours.business_seconds(starts_at, ends_at)
        if inside > 0:
            problems.append(
                N_(
                    "%(hours).1f hours of the window fall inside the %(calendar)r calendar's "
                    "working hours",
                    hours=inside / 3600,
                    calendar=rules.maintenance_outside,
                )
            )
    return problems


def check_window(
    profile: Profile, *, announced_at: datetime, starts_at: datetime, ends_at: datetime
) -> list[str]:
    """The problems to flag on the window; raises Invalid when the profile refuses them."""
    problems = notice_problems(
        profile, announced_at=announced_at, starts_at=starts_at, ends_at=ends_at
    )
    if (
        problems
        and profile.status_page is not None
        and profile.status_page.short_notice == "refuse"
    ):
        raise Invalid(
            N_(
                "this maintenance window breaks the profile's notice rules: %(choices)s",
                choices="; ".join(problems),
            ),
            fields={"starts_at": problems[0]},
        )
    return problems
