"""Things compiled once and kept in the data directory (`DATA_DIR/cache/`), so a short-lived
process (a mail server piping one message to `tierdesk mail ingest`) does not rebuild them: the
parsed profiles with their holidays and calendar tables, the language model unpacked.

Each entry's file name is a hash of everything that could change it: its own input (the profile
file's bytes, the model file's bytes), the versions of the packages that build it, the
interpreter's version and Tierdesk's own source of the code that builds it. A change to any of
them is a different name, so nothing is ever read stale; old entries are simply left behind.
Writes go to a temporary file renamed into place, so concurrent processes never read half a file.
The data directory is the desk's own (it holds the secret key), so its pickles are trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PACKAGE = Path(__file__).resolve().parent


def directory() -> Path | None:
    """DATA_DIR/cache when Django is configured (commands and servers), else nothing is cached."""
    from django.conf import settings

    if not settings.configured or not getattr(settings, "DATA_DIR", None):
        return None
    return Path(settings.DATA_DIR) / "cache"


@cache
def package_version(name: str) -> str:
    """An installed distribution's version from its dist-info folder's name, without importing it
    (importing `holidays` alone takes longer than reading a cached profile)."""
    spec = find_spec(name)
    if spec is None or not spec.origin:
        return "absent"
    site = Path(spec.origin).resolve().parent.parent
    found = sorted(site.glob(f"{name}-*.dist-info"))
    return found[-1].name if found else "unknown"


@lru_cache(maxsize=1)
def zone_database_version() -> str:
    """The time zone database the calendars' tables were computed with (the `tzdata` package's
    when installed, else the system's `tzdata.zi` header: "# version 2025b")."""
    if find_spec("tzdata") is not None:
        return package_version("tzdata")
    import zoneinfo

    for root in zoneinfo.TZPATH:
        try:
            with open(Path(root) / "tzdata.zi", encoding="ascii") as f:
                return f.readline().strip()
        except OSError:
            continue
    return "unknown"


@cache
def source_digest(*modules: str) -> str:
    """A digest of Tierdesk's own source files (paths relative to the package)."""
    digest = hashlib.sha256()
    for module in modules:
        for path in sorted(PACKAGE.glob(module)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def key(kind: str, parts: Iterable[bytes | str]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return f"{kind}-{digest.hexdigest()[:32]}"


def cached(kind: str, parts: Iterable[bytes | str], build: Callable[[], T]) -> T:
    """The entry for `parts`, built and stored on first use; `build()` alone without a data
    directory, and when the cache cannot be read or written (a read-only data directory)."""
    folder = directory()
    if folder is None:
        return build()
    path = folder / f"{key(kind, parts)}.pickle"
    try:
        with path.open("rb") as f:
            value: T = pickle.load(f)  # noqa: S301 (the desk's own data directory)
        return value
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    value = build()
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError):
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return value
