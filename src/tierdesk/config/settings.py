"""Django settings, all from TIERDESK_* environment variables with safe defaults."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

from tierdesk.config import env, logs

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env.data_dir()

DEBUG = env.flag("DEBUG", False)
SECRET_KEY = env.secret_key(DATA_DIR)
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
ON_LOCALHOST = all(host in env.LOCAL_HOSTS for host in ALLOWED_HOSTS)
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_static",
    "tierdesk.persistence",
    "tierdesk.web",
    "tierdesk.outgoing",
]

MIDDLEWARE = [
    # First: the request id and the request's log line cover everything below, redirects too.
    "tierdesk.config.observe.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tierdesk.config.throttle.RateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tierdesk.config.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tierdesk.api.limits.UploadLimitMiddleware",
    "tierdesk.config.middleware.RefuseNulMiddleware",
    # Just outside the request transaction: takes the key first, keeps the answer with the change.
    "tierdesk.api.idempotency.IdempotencyMiddleware",
    "tierdesk.config.middleware.RequestTransactionMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tierdesk.config.urls"
WSGI_APPLICATION = "tierdesk.config.wsgi.application"
ASGI_APPLICATION = "tierdesk.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Providers may override the mail templates per profile: DATA_DIR/templates/mail/<profile>/.
        "DIRS": [DATA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tierdesk.sqlite3'}",
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the scheduler and the web workers read while one writes; IMMEDIATE takes the write
    # lock at BEGIN so two writers queue instead of failing halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A pool per process (psycopg_pool), as Django advises under ASGI: the server runs each
    # request and much of the live sockets' work on threads of their own, and a persistent
    # connection per thread would leave PostgreSQL with more connections than it allows. A
    # thread borrows a connection for a request or a socket's read and gives it back.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.integer("DB_POOL_SIZE", 8, low=1),
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tierdesk.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed logins for a username from one address lock it for a while (django-axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5, low=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15, low=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "tierdesk/locked.html"
AXES_VERBOSE = False

# Second factor (django-otp) -----------------------------------------------------------------------
# Authenticator secrets are sealed at rest with these keys (TIERDESK_OTP_KEY, else generated into
# the data directory); backup codes are django-otp's static tokens. Each wrong code doubles the
# wait before the next is checked (1 s, 2 s, 4 s, ...), kept on the device across logins.
TIERDESK_OTP_KEYS = env.otp_keys(DATA_DIR)
OTP_TOTP_ISSUER = env.get("MAIL_DOMAIN") or "Tierdesk"
OTP_TOTP_THROTTLE_FACTOR = env.integer("OTP_THROTTLE_FACTOR", 1, low=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
# -------------------------------------------------------------------------------------------------

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(DATA_DIR / "files"),
            "directory_permissions_mode": 0o750,
            "file_permissions_mode": 0o640,
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Secure by default when served beyond this machine.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Security headers on every page and API answer ---------------------------------------------------
# No inline script or style anywhere: scripts and styles come from the desk's own static files
# (HTMX's indicator styles are in desk.css; base.html's htmx-config meta turns off its injected
# <style>). 'self' in connect-src also covers same-origin ws:/wss: (CSP Level 3).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Features no page of the desk uses are turned off for it and anything it might embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    name: []
    for name in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
CSRF_COOKIE_HTTPONLY = True  # pages carry the token in the form and in HTMX's hx-headers
# -------------------------------------------------------------------------------------------------
if not ON_LOCALHOST:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.integer("HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env.flag("SSL_REDIRECT", True)
    if env.flag("BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        AXES_IPWARE_PROXY_COUNT = 1  # the client's address is the proxy's X-Forwarded-For

# Cache and rate limits -------------------------------------------------------------------------
# The cache holds the rate-limit counters, so it is shared by every process: the database on the
# embedded desk (its table made by a migration), Redis when there is one (TIERDESK_CACHE_URL, else
# a redis:// TIERDESK_BROKER_URL).
_cache_url = env.get("CACHE_URL") or env.get("BROKER_URL") or ""
CACHES: dict[str, dict[str, Any]]
if _cache_url.startswith(("redis://", "rediss://")):
    if env.get("CACHE_URL"):
        env.needs_scale("CACHE_URL", ("redis",))
    else:
        env.needs_scale("BROKER_URL")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "tierdesk",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tierdesk_cache",
            # Room for the counters of many addresses before the oldest third is dropped.
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
        }
    }
# django-ratelimit warns that the database cache counts without an atomic increment: under
# concurrent requests a count may come out a little low, which a per-address limit tolerates.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.flag("RATE_LIMITS", True)
TIERDESK_BEHIND_PROXY = env.flag("BEHIND_PROXY", False)
# Requests per window (count/[n]s|m|h|d; "off" for none), each counted per client address, the
# API also per token (see tierdesk.config.throttle). Generous enough for an office of people behind
# one address; django-axes still locks one username after a few failures.
TIERDESK_RATE_LIMITS = {
    "LOGIN": env.rate("RATE_LIMIT_LOGIN", "60/5m"),
    "LOGIN_CODE": env.rate("RATE_LIMIT_LOGIN_CODE", "30/5m"),
    "REGISTER": env.rate("RATE_LIMIT_REGISTER", "20/h"),
    "PASSWORD_RESET": env.rate("RATE_LIMIT_PASSWORD_RESET", "20/h"),
    "LINKS": env.rate("RATE_LIMIT_LINKS", "60/h"),
    "API_TOKEN": env.rate("RATE_LIMIT_API_TOKEN", "600/m"),
    "API_ADDRESS": env.rate("RATE_LIMIT_API_ADDRESS", "1200/m"),
}
# ------------------------------------------------------------------------------------------------

TIERDESK: dict[str, Any] = {
    "PROFILE": env.get("PROFILE") or "demo",
    "MAX_UPLOAD_BYTES": env.integer("MAX_UPLOAD_BYTES", 20 * 1024 * 1024, low=1),
    "SCHEDULER_INTERVAL": env.integer("SCHEDULER_INTERVAL", 5, low=1),
    "SWEEP_LIMIT": env.integer("SWEEP_LIMIT", 10_000, low=1),
    # The outbox: how long a claim holds without renewal (renewed every third of it while a
    # worker sends, so a dead worker's rows come back after one lease), how many rows one claim
    # takes, the first retry's wait (doubled each time, capped) and the attempts before parking.
    "OUTBOX_LEASE_SECONDS": env.integer("OUTBOX_LEASE_SECONDS", 15, low=1),
    "OUTBOX_BATCH": env.integer("OUTBOX_BATCH", 10, low=1),
    "OUTBOX_BACKOFF_SECONDS": env.integer("OUTBOX_BACKOFF_SECONDS", 120, low=1),
    "OUTBOX_BACKOFF_MAX_SECONDS": env.integer("OUTBOX_BACKOFF_MAX_SECONDS", 6 * 3600, low=1),
    "OUTBOX_MAX_ATTEMPTS": env.integer("OUTBOX_MAX_ATTEMPTS", 8, low=1),
    # API calls with an Idempotency-Key: how long the first answer is kept, and how long a
    # running first request holds the key before a retry may take it over (its process died).
    "IDEMPOTENCY_KEEP_HOURS": env.integer("IDEMPOTENCY_KEEP_HOURS", 24, low=1),
    "IDEMPOTENCY_IN_FLIGHT_SECONDS": env.integer("IDEMPOTENCY_IN_FLIGHT_SECONDS", 60, low=1),
    "BROKER_URL": env.get("BROKER_URL") or "",
    # Redis redelivers a task not acknowledged within this many seconds (tasks are acknowledged
    # when done, so this must exceed the longest sweep or outbox run).
    "VISIBILITY_TIMEOUT": env.integer(
        "VISIBILITY_TIMEOUT", env.integer("CELERY_VISIBILITY_TIMEOUT", 300, low=1), low=1
    ),
    # How often the IMAP mailboxes are polled.
    "MAIL_POLL_SECONDS": env.integer("MAIL_POLL_SECONDS", 30, low=1),
    # A web worker's event loop also holds the live sockets: gunicorn restarts one unheard this
    # long (a busy loop still answers, late, so the limit is generous).
    "WEB_TIMEOUT": env.integer("WEB_TIMEOUT", 120, low=10),
    # Every process writes its heartbeat this often; one unheard for STALE seconds (or a sweep or
    # outbox run older than that) makes `tierdesk status` and the readiness check complain.
    "HEARTBEAT_SECONDS": env.integer("HEARTBEAT_SECONDS", 15, low=1),
    "HEARTBEAT_STALE_SECONDS": env.integer("HEARTBEAT_STALE_SECONDS", 60, low=1),
    "HEARTBEAT_FORGET_HOURS": env.integer("HEARTBEAT_FORGET_HOURS", 24, low=1),
    # /metrics answers a request bearing this token, or from these addresses (default: loopback).
    "METRICS_TOKEN": env.get("METRICS_TOKEN") or "",
    "METRICS_ALLOWED": env.listing("METRICS_ALLOWED", ["127.0.0.1/32", "::1/128"]),
    "MAIL_DOMAIN": env.get("MAIL_DOMAIN") or "tierdesk.localhost",
    # A sender writing more than this many messages in this many minutes is throttled, not answered.
    "MAIL_THROTTLE": (
        env.integer("MAIL_THROTTLE_COUNT", 20, low=1),
        env.integer("MAIL_THROTTLE_MINUTES", 10, low=1),
    ),
    "IMAP": env.get("IMAP_URLS") or "",
    # A received message still undecided after this many seconds (its process or the database
    # stopped in between) is taken up again by the periodic job.
    "MAIL_PENDING_SECONDS": env.integer("MAIL_PENDING_SECONDS", 60, low=1),
}

# The live pages and the chat (Django Channels): Redis when a broker is configured, so every web
# process hears every other's broadcasts; in memory on the embedded default (one web process),
# where the desk's other processes (the scheduler's sweep, the mail listener, commands) relay
# their notices to it through Unix sockets in a private directory of the data directory, `live/`
# (`config/channel_layer.py`).
if TIERDESK["BROKER_URL"]:
    env.needs_scale("BROKER_URL")
    CHANNEL_LAYERS = {
        "default": {
            # Redis publish/subscribe: a notice to a group is one PUBLISH, heard once by every
            # web process that has a socket in the group; a process's subscriptions go when its
            # connection goes, so a stopped worker leaves no members behind.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [TIERDESK["BROKER_URL"]], "prefix": "tierdesk-live"},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "tierdesk.config.channel_layer.EmbeddedChannelLayer",
            "CONFIG": {"relay": str(DATA_DIR / "live")},
        }
    }

# Outbound mail: TIERDESK_SMTP_URL (smtp://user:password@host:port, smtps:// for TLS); without
# it, mail is written to files in the data directory, so nothing is lost and everything is seen.
DEFAULT_FROM_EMAIL = env.get("MAIL_FROM") or "Tierdesk <desk@tierdesk.localhost>"
_smtp = env.smtp(env.get("SMTP_URL"))
if _smtp is not None:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_SSL, EMAIL_USE_TLS = (
        _smtp
    )
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "sent-mail")
# Attachments are streamed to disk beyond this size rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOG_FORMAT = env.choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = logs.config(LOG_FORMAT, env.get("LOG_LEVEL") or "INFO")
# Load balancers and Prometheus probe over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
