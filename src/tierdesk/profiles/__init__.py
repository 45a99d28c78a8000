"""Loading support-process profiles from TOML files: the shipped ones in builtin/, or a path."""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

from tierdesk import disk_cache
from tierdesk.domain.profiles import Profile, ProfileError

BUILTIN = Path(__file__).parent / "builtin"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.toml"))


def locate(name_or_path: str) -> Path:
    """A shipped profile by name, or a file by path."""
    candidate = BUILTIN / f"{name_or_path}.toml"
    if "/" not in name_or_path and not name_or_path.endswith(".toml") and candidate.is_file():
        return candidate
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise ProfileError(
        name_or_path,
        [
            f"no such profile; shipped profiles are {', '.join(builtin_names())}, or give a path to a .toml file"
        ],
    )


# What a parsed profile depends on besides its file: the code that parses it and the packages
# whose answers it holds (the `holidays` package's dates; the time zone database's offsets).
_PARSER_SOURCES = ("domain/*.py", "profiles/__init__.py")


def load_file(path: Path, *, cache: bool = False) -> Profile:
    """The profile in `path`, parsed with its holidays and each calendar's interval table built.
    With `cache` (the profiles the desk runs, through `load`): kept in the data directory's
    cache, keyed by the file's bytes and the parser's versions, so a later process reads it back
    instead of parsing it again (about 0.5 s with the holidays). A file checked once (an upload
    on the profile page, `tierdesk profile check`) is parsed and not kept."""
    raw = path.read_bytes()
    if not cache:
        return _parse(path, raw)
    return disk_cache.cached(
        "profile",
        [
            raw,
            str(path),
            disk_cache.source_digest(*_PARSER_SOURCES),
            disk_cache.package_version("holidays"),
            disk_cache.zone_database_version(),
        ],
        lambda: _parse(path, raw),
    )


def _parse(path: Path, raw: bytes) -> Profile:
    from tierdesk.domain.profile_parsing import parse_profile

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProfileError(
            str(path), [f"is not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(str(path), [f"is not valid TOML: {exc}"]) from exc
    profile = parse_profile(
        data,
        source=str(path),
        digest=hashlib.sha256(raw).hexdigest()[:12],
        holiday_lookup=public_holidays,
    )
    for calendar in profile.calendars.values():
        calendar.prepare()
    return profile


def public_holidays(
    country: str, subdivision: str | None, years: tuple[int, int]
) -> dict[date, str]:
    """Public holidays from the `holidays` package (its version is pinned in the lock file)."""
    import holidays

    found = holidays.country_holidays(
        country, subdiv=subdivision, years=range(years[0], years[1] + 1), language="en_US"
    )
    return dict(found.items())


@lru_cache(maxsize=32)
def load(name_or_path: str) -> Profile:
    return load_file(locate(name_or_path), cache=True)


def active() -> Profile:
    """The profile this deployment runs (TIERDESK_PROFILE)."""
    from django.conf import settings

    return load(settings.TIERDESK["PROFILE"])


def for_ticket(name: str) -> Profile:
    """The profile a ticket runs under: the deployment's, or the shipped one it was opened under."""
    current = active()
    if name == current.name:
        return current
    try:
        return load(name)
    except ProfileError:
        return current
