"""The shipped profiles parse to the same values, pinned as a digest of every compared field.

The digests were taken from the hand-written parser before the profile's shape moved onto a
declarative schema; a change to the parser that changes what a shipped profile means shows
here. A deliberate change to a shipped profile (or to a dataclass) updates the digest.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import tomllib
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from tierdesk.domain.profile_parsing import parse_profile
from tierdesk.profiles import BUILTIN

GOLDEN = {
    "cloudcti": "278d381a9f10f0ae375312f64d1c8e47a0517dadefd3b728d9883a9a63b4b6ef",
    "cloudsoft": "15be28a6e5920186778d079233ecf687320d9c44d2679dc901632c4a5b545475",
    "demo": "b21147e4a2deb64210e9bfabbcbe82aa8fdab4ff9f6e51765c51729baca59c2c",
    "exponential-e": "1339378b25a343d68b6df69b252f3b9e2b4bfc276644a86a4b80d2068cadadbf",
    "luxcloud": "63a3c76f4dc4f18792711ce7c1d4b01ff7dd47a0e3aebae98a9c4cc919fb09ae",
    "zynstra": "243966a8ab2b505a5a7329d6a892318c60e39d76c18cc15f8afabeeff7b262f5",
}


def _holidays(country: str, subdivision: str | None, years: tuple[int, int]) -> dict[date, str]:
    return {date(years[0], 1, 1): f"{country}/{subdivision}", date(years[0], 12, 25): "x"}


def canonical(value: Any) -> Any:
    """Plain JSON data for a parsed value: every compared field, sets and mappings sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "@": type(value).__name__,
            **{
                f.name: canonical(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.compare
            },
        }
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        return sorted([canonical(k), canonical(v)] for k, v in value.items())
    if isinstance(value, frozenset | set):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return {"@": type(value).__name__, "repr": repr(value)}


def digest(name: str) -> str:
    raw = (BUILTIN / f"{name}.toml").read_bytes()
    profile = parse_profile(
        tomllib.loads(raw.decode()), source=name, digest="golden", holiday_lookup=_holidays
    )
    text = json.dumps(canonical(profile), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_every_shipped_profile_is_pinned() -> None:
    assert sorted(GOLDEN) == sorted(p.stem for p in BUILTIN.glob("*.toml"))


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_a_shipped_profile_parses_to_the_same_values(name: str) -> None:
    assert digest(name) == GOLDEN[name]
