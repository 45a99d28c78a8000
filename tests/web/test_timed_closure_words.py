"""A closure or resolution the desk made itself is worded with the profile's own period, in the
reader's language, for every shipped profile ("closed after the resolved period" read badly)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tierdesk import profiles
from tierdesk.domain.durations import parse_duration
from tierdesk.web import timeline


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_each_profile_words_its_timed_closure_with_its_period(name: str) -> None:
    profile = profiles.for_ticket(name)
    closure = profile.closure
    assert closure is not None
    with translation.override("en"):
        text = timeline._reason(profile, "resolved_timeout")
        if closure.close_resolved_after is None:
            assert text == "closed automatically some time after the resolution"
        else:
            days = f"{closure.close_resolved_after.days:g}"
            assert text == (
                f"closed automatically: no answer within {days} business days of the resolution"
            )
        if closure.no_reply_timeout is not None:
            assert timeline._reason(profile, "no_reply").startswith(
                "resolved automatically: no answer to the question within "
            )
    with translation.override("de"):
        text = timeline._reason(profile, "resolved_timeout")
        assert text.startswith(("automatisch geschlossen: keine Antwort innerhalb von", "einige"))
        assert "resolved" not in text


def test_periods_in_words() -> None:
    with translation.override("en"):
        assert timeline.period(parse_duration("1 business day")) == "1 business day"
        assert timeline.period(parse_duration("4h")) == "4 hours"
        assert timeline.period(parse_duration("1h30m")) == "1 hour and 30 minutes"
    with translation.override("de"):
        assert timeline.period(parse_duration("5 business days")) == "5 Geschäftstagen"


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_the_closure_notice_names_the_profiles_period(name: str) -> None:
    from tierdesk.domain.events import EventKind
    from tierdesk.domain.notify import notices

    profile = profiles.for_ticket(name)
    closure = profile.closure
    assert closure is not None
    closed = next(k for k, s in profile.statuses.items() if s.category == "closed")
    told = notices(
        EventKind.STATUS_CHANGED,
        {"from": "resolved", "to": closed, "reason": "resolved_timeout"},
        public=True,
        subject="Panel down",
        number="X-1",
        emergency=False,
        profile=profile,
    )
    bodies = {n.worded(lambda m: m, str)[1] for n in told}
    after = closure.close_resolved_after
    assert bodies, "nobody is told of the closure"
    if after is not None:
        expected = f"no answer within {after.days:g} business days of the resolution"
        assert all(expected in body for body in bodies), bodies
