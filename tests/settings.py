"""Test settings: the real settings, on a throw-away data directory and the test database.

SQLite by default; PostgreSQL when TIERDESK_TEST_DATABASE_URL is set.
"""

import os
import tempfile

os.environ["TIERDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="tierdesk-test-")
os.environ.pop("TIERDESK_DATABASE_URL", None)
if os.environ.get("TIERDESK_TEST_DATABASE_URL"):
    os.environ["TIERDESK_DATABASE_URL"] = os.environ["TIERDESK_TEST_DATABASE_URL"]
os.environ.setdefault("TIERDESK_PROFILE", "demo")

from tierdesk.config.settings import *  # noqa: F403

# Hashing cost is not what these tests measure; production keeps Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TIERDESK["MAX_UPLOAD_BYTES"] = 256 * 1024  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# On SQLite the test database is a file, not shared memory, so the browser tests' live server
# answers each request on its own connection, as a real deployment does.
_default = DATABASES["default"]  # noqa: F405
if _default["ENGINE"].endswith("sqlite3"):
    _default["TEST"] = {"NAME": os.path.join(os.environ["TIERDESK_DATA_DIR"], "test.sqlite3")}

# Some tests send thousands of API requests from one address inside one window of the fixed
# clock; the API's limits are raised for them (tests/abuse sets its own tight limits).
TIERDESK_RATE_LIMITS = {**TIERDESK_RATE_LIMITS, "API_TOKEN": "100000/m", "API_ADDRESS": "100000/m"}  # noqa: F405
