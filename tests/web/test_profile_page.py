"""The profile page: the profile in force in words, every shipped profile, and a broken one's errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.utils.html import escape

from tests.conftest import Desk
from tierdesk import profiles
from tierdesk.domain.calendars import WEEKDAYS

PAGE = "/administration/profile/"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_every_shipped_profile_renders_with_its_computed_holidays(desk: Desk, name: str) -> None:
    profile = profiles.load(name)
    response = _client(desk.admin).get(PAGE, {"profile": name})
    assert response.status_code == 200
    page = response.content.decode()
    for severity in profile.severities.values():
        assert severity.label in page
    for level in profile.levels.values():
        assert level.label in page
    for status in profile.statuses.values():
        assert status.label in page
    for field in profile.form:
        assert field.label in page
    # Each calendar's holidays of this year and next, by date and name (the test clock: 2026).
    for cal in profile.calendars.values():
        for day in sorted(cal.holidays):
            if day.year in (2026, 2027):
                assert f'<time datetime="{day.isoformat()}">' in page
                assert escape(cal.holiday_names.get(day, "")) in page
    # Human words, not the domain's keys or its duration shorthand, in the page's prose.
    text = re.sub(r"<code class=\"key\">[^<]*</code>|<[^>]+>", " ", page)
    assert "on_hold" not in text and "first_response" not in text
    assert "business_seconds" not in text


def test_the_profile_in_force_is_named_with_its_version_and_check(desk: Desk) -> None:
    profile = profiles.active()
    page = _client(desk.admin).get(PAGE).content.decode()
    assert profile.version in page and profile.digest in page
    assert "in force" in page and "No problems found" in page
    assert "1 hour" in page  # the demo profile's high first response, in words


def test_luxcloud_holidays_are_named(desk: Desk) -> None:
    page = _client(desk.admin).get(PAGE, {"profile": "luxcloud"}).content.decode()
    assert '<time datetime="2026-06-23">' in page  # Luxembourg's National Day
    assert "National Day" in page
    assert "Europe/Luxembourg" in page


def test_checking_every_shipped_profile(desk: Desk) -> None:
    page = _client(desk.admin).get(PAGE, {"check": "all"}).content.decode()
    for name in profiles.builtin_names():
        assert f'href="?profile={name}"' in page


def test_a_profile_that_fails_to_load_shows_its_errors_with_key_paths(
    desk: Desk, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    source = (profiles.BUILTIN / "luxcloud.toml").read_text("utf-8")
    broken.write_text(
        source.replace('within = "1h"', 'within = "soon"').replace(
            'timezone = "Europe/Luxembourg"\nhours', 'timezone = "Mars/Olympus"\nhours'
        ),
        "utf-8",
    )
    with override_settings(TIERDESK={**settings.TIERDESK, "PROFILE": str(broken)}):
        response = _client(desk.admin).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be loaded" in page
    assert "severities.high.targets.first_response.within" in page
    assert "calendars.desk.timezone" in page


def test_weekdays_are_words(desk: Desk) -> None:
    page = _client(desk.admin).get(PAGE, {"profile": "luxcloud"}).content.decode()
    assert "Monday" in page and "08:00\u201317:00" in page
    assert not any(f">{day}<" in page for day in WEEKDAYS)


def test_managers_may_read_the_profile_others_may_not(desk: Desk) -> None:
    assert _client(desk.manager).get(PAGE).status_code == 200
    for who in (desk.l1, desk.north_user, desk.north_admin, desk.vendor):
        assert _client(who).get(PAGE).status_code == 404
    assert Client().get(PAGE).status_code == 302


def test_the_profile_page_in_german(desk: Desk) -> None:
    page = _client(desk.admin).get(PAGE, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Profil des Supportprozesses" in page and "Kalender" in page
    assert "Montag" in page and "1 Stunde" in page and "Feiertage 2026" in page
    assert "Support process profile" not in page and "Holidays in" not in page
