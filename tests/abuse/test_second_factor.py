"""The second factor on django-otp: wrong codes are throttled across logins, an accepted code
cannot be used again, a backup code works once, and the secret is never stored in plain text."""

from __future__ import annotations

import base64
import importlib
import re
from datetime import timedelta

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import second_factor
from tierdesk.persistence.models import AuthenticatorDevice, User

PASSWORD = "correct horse battery"


def _enrol(user: User) -> tuple[pyotp.TOTP, list[str]]:
    client = Client()
    client.force_login(user)
    page = client.post("/account/", {"verb": "start"})
    assert page.status_code == 200
    text = page.content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', text).group(1)  # type: ignore[union-attr]
    assert 'src="data:image/svg+xml' in text and "otpauth://totp/" in text
    totp = pyotp.TOTP(secret)
    done = client.post("/account/", {"verb": "enable", "code": totp.at(clock.now())})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == second_factor.BACKUP_CODES
    assert second_factor.is_on(user)
    return totp, codes


def _password(client: Client, username: str) -> None:
    step = client.post("/login/", {"username": username, "password": PASSWORD})
    assert step.status_code == 302 and step["Location"] == "/login/code/"


def _wrong(totp: pyotp.TOTP) -> str:
    right = {totp.at(clock.now() + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def test_wrong_codes_are_throttled_across_logins(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    totp, _ = _enrol(desk.north_user)
    fixed_clock.advance(timedelta(minutes=5))
    # Five wrong codes over two logins, each after the wait the previous one set (1, 2, 4, 8 s).
    first = Client()
    _password(first, "ned")
    for wait in (0, 1, 2):
        fixed_clock.advance(timedelta(seconds=wait))
        assert first.post("/login/code/", {"code": _wrong(totp)}).status_code == 422
    second = Client()
    _password(second, "ned")
    for wait in (4, 8):
        fixed_clock.advance(timedelta(seconds=wait))
        assert second.post("/login/code/", {"code": _wrong(totp)}).status_code == 422
    # Now the device waits 16 s: even the right code is not checked before then.
    fixed_clock.advance(timedelta(seconds=10))
    refused = second.post("/login/code/", {"code": totp.at(clock.now())})
    assert refused.status_code == 422 and "Too many wrong codes" in refused.content.decode()
    assert second.get("/api/v1/me").status_code == 401
    # A fresh login does not reset the wait.
    third = Client()
    _password(third, "ned")
    assert third.post("/login/code/", {"code": totp.at(clock.now())}).status_code == 422
    fixed_clock.advance(timedelta(seconds=7))
    assert third.post("/login/code/", {"code": totp.at(clock.now())}).status_code == 302
    assert third.get("/api/v1/me").json()["username"] == "ned"


def test_an_accepted_code_is_not_accepted_again(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    totp, _ = _enrol(desk.north_user)
    fixed_clock.advance(timedelta(minutes=5))
    code = totp.at(clock.now())
    one = Client()
    _password(one, "ned")
    assert one.post("/login/code/", {"code": code}).status_code == 302
    # The same code again, within its 30 seconds, from another browser: refused.
    fixed_clock.advance(timedelta(seconds=5))
    two = Client()
    _password(two, "ned")
    assert two.post("/login/code/", {"code": code}).status_code == 422
    assert two.get("/api/v1/me").status_code == 401
    # The next step's code works.
    fixed_clock.advance(timedelta(seconds=30))
    assert two.post("/login/code/", {"code": totp.at(clock.now())}).status_code == 302


def test_a_backup_code_works_once(desk: Desk, fixed_clock: clock.FixedClock) -> None:
    _, codes = _enrol(desk.north_user)
    one = Client()
    _password(one, "ned")
    assert one.post("/login/code/", {"code": codes[0].upper()}).status_code == 302
    fixed_clock.advance(timedelta(minutes=1))
    two = Client()
    _password(two, "ned")
    assert two.post("/login/code/", {"code": codes[0]}).status_code == 422
    fixed_clock.advance(timedelta(seconds=2))
    assert two.post("/login/code/", {"code": codes[1]}).status_code == 302
    assert second_factor.backup_codes_left(desk.north_user) == second_factor.BACKUP_CODES - 2


def test_new_backup_codes_replace_the_old_and_turning_off_needs_a_code(
    desk: Desk, fixed_clock: clock.FixedClock
) -> None:
    totp, old = _enrol(desk.north_user)
    client = Client()
    client.force_login(desk.north_user)
    fixed_clock.advance(timedelta(minutes=1))
    page = client.post("/account/", {"verb": "backup-codes", "code": totp.at(clock.now())})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert len(new) == second_factor.BACKUP_CODES and not set(new) & set(old)
    assert not StaticToken.objects.filter(token=old[0]).exists()
    fixed_clock.advance(timedelta(minutes=1))
    assert client.post("/account/", {"verb": "disable", "code": _wrong(totp)}).status_code == 422
    assert second_factor.is_on(desk.north_user)
    fixed_clock.advance(timedelta(minutes=1))
    assert client.post("/account/", {"verb": "disable", "code": new[0]}).status_code == 302
    assert not second_factor.is_on(desk.north_user)
    assert not StaticToken.objects.filter(device__user=desk.north_user).exists()
    step = Client().post("/login/", {"username": "ned", "password": PASSWORD})
    assert step.status_code == 302 and step["Location"] != "/login/code/"


def _stored_text() -> str:
    """Every text the database holds, as one string (the tables a device touches)."""
    with connection.cursor() as cursor:
        rows: list[str] = []
        for table in connection.introspection.table_names():
            if "otp" in table or "device" in table or table.endswith("_user"):
                cursor.execute(f'SELECT * FROM "{table}"')
                rows += [str(value) for row in cursor.fetchall() for value in row]
        return " ".join(rows)


def test_the_database_never_holds_the_secret_in_plain_text(desk: Desk) -> None:
    totp, _ = _enrol(desk.north_user)
    key = base64.b32decode(totp.secret + "=" * (-len(totp.secret) % 8))
    stored = _stored_text()
    for form in (totp.secret, totp.secret.lower(), key.hex(), base64.b64encode(key).decode()):
        assert form not in stored
    device = AuthenticatorDevice.objects.get(user=desk.north_user)
    assert device.bin_key == key  # the sealed key opens with the desk's key


def test_a_secret_sealed_under_another_key_does_not_open(desk: Desk, settings) -> None:
    from cryptography.fernet import Fernet, InvalidToken

    _enrol(desk.north_user)
    device = AuthenticatorDevice.objects.get(user=desk.north_user)
    settings.TIERDESK_OTP_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(InvalidToken):
        device.bin_key  # noqa: B018


def test_the_key_comes_from_the_environment_or_the_data_directory(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    from tierdesk.config import env

    monkeypatch.delenv("TIERDESK_OTP_KEY", raising=False)
    made = env.otp_keys(tmp_path)
    assert (tmp_path / "otp_key").stat().st_mode & 0o777 == 0o600
    assert env.otp_keys(tmp_path) == made  # kept, not made again
    given = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    monkeypatch.setenv("TIERDESK_OTP_KEY", ",".join(given))
    assert env.otp_keys(tmp_path) == given
    monkeypatch.setenv("TIERDESK_OTP_KEY", "not a key")
    with pytest.raises(env.ConfigError, match="TIERDESK_OTP_KEY"):
        env.otp_keys(tmp_path)


def test_the_migration_seals_the_plain_secrets(transactional_db: None) -> None:
    """Users with a plain secret before 0030 get a sealed device; the plain column is gone."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("tierdesk", "0029_shared_cache_table")]
    after = [("tierdesk", "0030_second_factor_on_django_otp")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldUser = old.get_model("tierdesk", "User")
    secret = pyotp.random_base32()
    OldUser.objects.create(username="on", totp_secret=secret, totp_enabled=True)
    OldUser.objects.create(username="half", totp_secret=pyotp.random_base32(), totp_enabled=False)
    OldUser.objects.create(username="off")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    importlib.invalidate_caches()
    on = AuthenticatorDevice.objects.get(user__username="on")
    assert on.confirmed and on.base32_key == secret
    assert not AuthenticatorDevice.objects.get(user__username="half").confirmed
    assert not AuthenticatorDevice.objects.filter(user__username="off").exists()
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "tierdesk_user"
        )
    ]
    assert "totp_secret" not in columns
    assert secret not in _stored_text()
