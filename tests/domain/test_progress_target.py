"""The `progress` target kind: which levels report is part of the target, checked on load."""

from __future__ import annotations

import tomllib

import pytest

from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.domain.profiles import ProfileError
from tierdesk.profiles import BUILTIN, load


def zynstra() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((BUILTIN / "zynstra.toml").read_text())


def test_the_zynstra_profile_has_third_and_fourth_level_report() -> None:
    for severity in load("zynstra").severities.values():
        target = severity.targets["progress_report"]
        assert target.kind == "progress"
        assert target.levels == ("l3", "l4")


def test_a_progress_target_names_real_levels() -> None:
    data = zynstra()
    data["severities"]["high"]["targets"]["progress_report"]["levels"] = ["l9"]
    del data["severities"]["normal"]["targets"]["progress_report"]["levels"]
    data["severities"]["low"]["targets"]["resolution"]["levels"] = ["l3"]
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, source="zynstra.toml", digest="x")
    problems = "\n".join(caught.value.problems)
    assert "severities.high.targets.progress_report.levels: 'l9' is not a level" in problems
    assert "severities.normal.targets.progress_report.levels: a progress target needs" in problems
    assert "severities.low.targets.resolution.levels: only a progress target" in problems
