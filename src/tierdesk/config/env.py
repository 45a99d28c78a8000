"""Reading TIERDESK_* environment variables, with the safe defaults the desk starts on."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
from pathlib import Path

PREFIX = "TIERDESK_"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1", "testserver"})


class ConfigError(Exception):
    """A setting that cannot be used; the message names the variable."""


# What a scaled deployment imports, installed by the `scale` extra: `pip install 'tierdesk[scale]'`.
SCALE = ("celery", "redis", "channels_redis")


def needs_scale(name: str, modules: tuple[str, ...] = SCALE) -> None:
    """Refuse, naming the variable and the extra, a setting whose packages are not installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(
            f"{PREFIX}{name} is set, but the scale extra is not installed (missing: "
            f"{', '.join(missing)}); install tierdesk[scale] (`uv sync --extra scale` or "
            "`pip install 'tierdesk[scale]'`), or unset it for the embedded desk"
        )


def get(name: str, default: str | None = None) -> str | None:
    return os.environ.get(PREFIX + name, default)


def flag(name: str, default: bool) -> bool:
    raw = get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{PREFIX}{name}={raw!r} is not a yes/no value; expected true or false")


def integer(name: str, default: int, *, low: int = 0) -> int:
    raw = get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a whole number") from None
    if value < low:
        raise ConfigError(f"{PREFIX}{name}={raw!r} must be at least {low}")
    return value


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not one of {', '.join(choices)}")
    return value


def listing(name: str, default: list[str]) -> list[str]:
    raw = get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


RATE = re.compile(r"^[1-9]\d*/(?:[1-9]\d*)?[smhd]$")


def rate(name: str, default: str) -> str:
    """A rate limit such as 20/5m (20 requests in 5 minutes; s, m, h, d); "off" for none."""
    raw = (get(name) or "").strip()
    if raw == "":
        return default
    if raw.lower() == "off":
        return ""
    if not RATE.match(raw):
        raise ConfigError(
            f"{PREFIX}{name}={raw!r} is not a rate such as 20/5m (count/[n]s|m|h|d) or off"
        )
    return raw


def data_dir() -> Path:
    path = Path(get("DATA_DIR") or Path.cwd() / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(directory: Path) -> str:
    """TIERDESK_SECRET_KEY, or a key generated once and kept (mode 0600) in the data directory."""
    given = get("SECRET_KEY")
    if given:
        if len(given) < 32:
            raise ConfigError(f"{PREFIX}SECRET_KEY is too short; use at least 32 random characters")
        return given
    path = directory / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def otp_keys(directory: Path) -> list[str]:
    """The keys that seal second-factor secrets at rest (Fernet keys, 32 url-safe base64 bytes).

    TIERDESK_OTP_KEY: one key, or several separated by commas, the first sealing new secrets and
    every one opening old ones (rotation); else a key generated once and kept (mode 0600) in the
    data directory, like the secret key. Distinct from TIERDESK_SECRET_KEY on purpose: a leaked
    session-signing key does not open the authenticator secrets, nor the other way round.
    """
    from cryptography.fernet import Fernet

    given = get("OTP_KEY")
    if given:
        keys = [part.strip() for part in given.split(",") if part.strip()]
        for key in keys:
            try:
                Fernet(key)
            except ValueError:
                raise ConfigError(
                    f"{PREFIX}OTP_KEY holds a key that is not 32 url-safe base64-encoded bytes; "
                    "make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                ) from None
        return keys
    path = directory / "otp_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    return [path.read_text().strip()]


def smtp(url: str | None) -> tuple[str, int, str, str, bool, bool] | None:
    """smtp://user:password@host:port (STARTTLS with ?starttls), smtps:// for TLS from the start."""
    if not url:
        return None
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(
            f"{PREFIX}SMTP_URL={url!r} is not smtp://[user:password@]host[:port] or smtps://..."
        )
    ssl = parts.scheme == "smtps"
    starttls = "starttls" in parse_qs(parts.query, keep_blank_values=True)
    port = parts.port or (465 if ssl else 25)
    return (
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        ssl,
        starttls,
    )
