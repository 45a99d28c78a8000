"""Rate limits: past a door's limit an address (or an API token) is answered 429 with
Retry-After until its window ends; the clock is the desk's, so windows move with it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.config import env

LIMITS = {
    "LOGIN": "3/m",
    "LOGIN_CODE": "3/m",
    "REGISTER": "2/h",
    "PASSWORD_RESET": "2/h",
    "LINKS": "3/h",
    "API_TOKEN": "5/m",
    "API_ADDRESS": "8/m",
}


@pytest.fixture
def tight(settings):  # type: ignore[no-untyped-def]
    settings.TIERDESK_RATE_LIMITS = dict(LIMITS)
    return settings


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_login_from_one_address_is_limited_then_reopens(
    desk: Desk, tight, fixed_clock: clock.FixedClock
) -> None:
    client = _from("198.51.100.7")
    # Different usernames each time: the per-username lockout never fires, the address limit does.
    for name in ("a", "b", "c"):
        assert client.post("/login/", {"username": name, "password": "x"}).status_code == 200
    refused = client.post("/login/", {"username": "ned", "password": "correct horse battery"})
    assert refused.status_code == 429
    retry = int(refused["Retry-After"])
    assert 1 <= retry <= 61
    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session  # refused before the password was looked at
    # Another address is not held back.
    other = _from("198.51.100.8")
    assert other.post("/login/", {"username": "ned", "password": "x"}).status_code == 200
    # Reading the login page stays open; only posting is counted.
    assert client.get("/login/").status_code == 200
    # Once the window has passed, the address may try again.
    fixed_clock.advance(timedelta(seconds=retry))
    done = client.post("/login/", {"username": "ned", "password": "correct horse battery"})
    assert done.status_code == 302


def test_the_refusal_page_is_translated(desk: Desk, tight) -> None:
    client = Client(REMOTE_ADDR="198.51.100.9", HTTP_ACCEPT_LANGUAGE="de")
    for _ in range(3):
        client.post("/login/", {"username": "x", "password": "x"})
    refused = client.post("/login/", {"username": "x", "password": "x"})
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "Zu viele Versuche" in text and "Too many" not in text


@pytest.mark.parametrize(
    ("path", "form", "limit"),
    [
        ("/register/", {"first_name": "Eve", "email": "eve@northwind.example"}, 2),
        ("/password-reset/", {"email": "ned@example.com"}, 2),
        ("/login/code/", {"code": "123456"}, 3),
    ],
)
def test_registration_reset_and_code_entry_are_limited(
    desk: Desk, tight, path: str, form: dict[str, str], limit: int
) -> None:
    client = _from("203.0.113.4")
    for _ in range(limit):
        assert client.post(path, form).status_code != 429
    refused = client.post(path, form)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def test_following_emailed_links_is_limited(desk: Desk, tight) -> None:
    client = _from("203.0.113.5")
    for n in range(3):
        assert client.get(f"/password-reset/MQ/guess-{n}/").status_code != 429
    assert client.get("/register/confirm/guess/").status_code == 429


def test_api_is_limited_per_token_with_a_json_answer(
    desk: Desk, tight, fixed_clock: clock.FixedClock
) -> None:
    ned = ApiClient(desk.north_user)
    ned.client.defaults["REMOTE_ADDR"] = "192.0.2.1"
    for _ in range(5):
        assert ned.get("/me").status_code == 200
    refused = ned.get("/me")
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited" and "fields" in refused.json()
    assert 1 <= int(refused["Retry-After"]) <= 61
    # The same token from another address is still over its own limit.
    ned.client.defaults["REMOTE_ADDR"] = "192.0.2.2"
    assert ned.get("/me").status_code == 429
    # Another token from the first address is not.
    carl = ApiClient(desk.contoso_user)
    carl.client.defaults["REMOTE_ADDR"] = "192.0.2.1"
    assert carl.get("/me").status_code == 200
    fixed_clock.advance(timedelta(minutes=1))
    assert ned.get("/me").status_code == 200


def test_api_is_limited_per_address_whatever_the_tokens(desk: Desk, tight) -> None:
    # Guessing tokens: each guess is its own token, the address's count catches them.
    for n in range(8):
        guess = Client(REMOTE_ADDR="192.0.2.9", HTTP_AUTHORIZATION=f"Bearer k{n}.secret")
        assert guess.get("/api/v1/me").status_code == 401
    guess = Client(REMOTE_ADDR="192.0.2.9", HTTP_AUTHORIZATION="Bearer k99.secret")
    refused = guess.get("/api/v1/me")
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"


def test_other_pages_are_not_counted(desk: Desk, tight) -> None:
    client = _from("192.0.2.20")
    client.force_login(desk.l1)
    for _ in range(12):
        assert client.get("/").status_code == 200


def test_rates_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIERDESK_RATE_LIMIT_LOGIN", "7/15m")
    assert env.rate("RATE_LIMIT_LOGIN", "20/5m") == "7/15m"
    monkeypatch.setenv("TIERDESK_RATE_LIMIT_LOGIN", "off")
    assert env.rate("RATE_LIMIT_LOGIN", "20/5m") == ""
    for wrong in ("seven", "0/m", "5/0m", "5/minute"):
        monkeypatch.setenv("TIERDESK_RATE_LIMIT_LOGIN", wrong)
        with pytest.raises(env.ConfigError, match="TIERDESK_RATE_LIMIT_LOGIN"):
            env.rate("RATE_LIMIT_LOGIN", "20/5m")


def test_the_counts_live_in_a_cache_every_process_shares(settings) -> None:
    from django.conf import settings as live

    assert live.CACHES["default"]["BACKEND"] in (
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    )


def test_redis_is_the_cache_when_the_broker_is_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import tierdesk.config.settings as module

    monkeypatch.setenv("TIERDESK_BROKER_URL", "redis://127.0.0.1:6379/8")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/8"
    finally:
        monkeypatch.delenv("TIERDESK_BROKER_URL")
        importlib.reload(module)


def test_what_counting_costs_an_api_request_on_the_database_cache(desk: Desk) -> None:
    """Each API request is counted at two doors (token, address); with the database as the cache
    that is one statement per door (an upsert on the counters' table), none on the desk's own
    tables and none on the cache table. Redis (TIERDESK_CACHE_URL) takes them off the
    database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = ApiClient(desk.north_user)
    api.get("/me")
    with CaptureQueriesContext(connection) as counted:
        api.get("/me")
    with override_settings(RATELIMIT_ENABLE=False), CaptureQueriesContext(connection) as bare:
        api.get("/me")
    sql = [q["sql"] for q in counted.captured_queries]
    own = [s for s in sql if "tierdesk_ratecount" not in s]
    assert own == [q["sql"] for q in bare.captured_queries]
    assert len(sql) - len(own) == 2
    assert not any("tierdesk_cache" in s for s in sql)


def test_the_database_counters_count_each_request_once_per_window(
    desk: Desk, tight, fixed_clock: clock.FixedClock
) -> None:
    """The counter rows: one per door and key, counting up within a window and starting again
    at 1 in the next; rows of windows long ended are deleted as new windows begin."""
    from tierdesk.config import throttle
    from tierdesk.persistence.models import RateCount

    api = ApiClient(desk.north_user)
    for _ in range(3):
        api.get("/me")
    counts = dict(RateCount.objects.values_list("key", "count"))
    assert sorted(k.split(":", 1)[0] for k in counts) == ["API_ADDRESS", "API_TOKEN"]
    assert set(counts.values()) == {3}
    RateCount.objects.create(key="LOGIN:address:10.0.0.9", window_end=1, count=4)
    throttle._purged["at"] = 0
    fixed_clock.advance(timedelta(hours=2))
    api.get("/me")
    assert set(RateCount.objects.values_list("count", flat=True)) == {1}
    assert not RateCount.objects.filter(key__startswith="LOGIN:").exists()


REDIS = os.environ.get("TIERDESK_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS, reason="set TIERDESK_TEST_REDIS_URL to count in a real Redis")
def test_counts_in_redis_are_shared_by_separate_processes(desk: Desk, tight, settings) -> None:
    """With Redis as the cache the counts are Redis's: a second process (here a subprocess
    reading the same keys) sees the first one's count, and the limit holds."""
    prefix = f"td-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    import redis

    server = redis.Redis.from_url(str(REDIS))
    try:
        client = _from("198.51.100.77")
        for name in ("a", "b", "c"):
            assert client.post("/login/", {"username": name, "password": "x"}).status_code == 200
        assert client.post("/login/", {"username": "d", "password": "x"}).status_code == 429
        keys = server.keys(f"{prefix}:*")
        assert keys, "no counter in Redis"
        counted = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import redis; r = redis.Redis.from_url({REDIS!r}); "
                f"print(max(int(r.get(k) or 0) for k in r.keys({prefix + ':*'!r})))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(counted.stdout) == 4
    finally:
        for key in server.keys(f"{prefix}:*"):
            server.delete(key)


def test_behind_a_proxy_the_forwarded_address_is_counted(desk: Desk, tight, settings) -> None:
    settings.TIERDESK_BEHIND_PROXY = True
    proxy = "10.0.0.1"
    for _ in range(3):
        one = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.30")
        assert one.post("/login/", {"username": "x", "password": "x"}).status_code == 200
    assert one.post("/login/", {"username": "x", "password": "x"}).status_code == 429
    # Another client behind the same proxy is its own address; a forged first entry changes nothing.
    two = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.30, 198.51.100.31")
    assert two.post("/login/", {"username": "y", "password": "x"}).status_code == 200
