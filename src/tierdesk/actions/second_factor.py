"""The optional second factor: an authenticator app (TOTP) and single-use backup codes, both
django-otp devices (`persistence/second_factor.py` seals the app's secret at rest).

A code is checked against the user's device with the row locked, so two requests with the same
code cannot both pass (replay), and every wrong code makes the device wait longer before it
checks the next one (throttling), across logins and sessions.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from tierdesk.domain.errors import Invalid
from tierdesk.domain.words import N_
from tierdesk.persistence.models import User
from tierdesk.persistence.sealing import seal
from tierdesk.persistence.second_factor import AuthenticatorDevice

BACKUP_CODES = 10
APP = "Authenticator app"
BACKUP = "Backup codes"


class Check(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    THROTTLED = "throttled"


class WrongCode(Invalid):
    """The code does not match the device (or was already used)."""


class Throttled(Invalid):
    """Too many wrong codes lately: the device checks the next one only after a wait."""

    code = "throttled"


@dataclass(frozen=True)
class Enrolment:
    """What the account page shows while an app is being added: the key three ways."""

    secret: str
    uri: str
    qr: str  # an SVG data: URI (no inline markup or style for the page's CSP)


def is_on(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=BACKUP).count()


def start(*, user: User) -> Enrolment:
    """A new secret for the user's app; the second factor is on once a code from it is entered."""
    if is_on(user):
        raise Invalid(
            N_("the second factor is already on"), fields={"code": N_("turn it off first")}
        )
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
        AuthenticatorDevice.objects.create(
            user=user, name=APP, confirmed=False, sealed_key=seal(os.urandom(20))
        )
    found = enrolment(user)
    assert found is not None
    return found


def enrolment(user: User) -> Enrolment | None:
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        return None
    secret = device.base32_key
    uri = pyotp.TOTP(secret, digits=device.digits, interval=device.step).provisioning_uri(
        name=user.email or user.username, issuer_name=settings.OTP_TOTP_ISSUER
    )
    return Enrolment(secret=secret, uri=uri, qr=segno.make(uri, error="m").svg_data_uri(scale=4))


def _normal(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def check(user: User, code: str) -> Check:
    """Checks a code from the app (digits) or a backup code (letters and digits, used once)."""
    text = _normal(code)
    with transaction.atomic():
        if text.isdigit():
            device: AuthenticatorDevice | StaticDevice | None = (
                AuthenticatorDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .first()
            )
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user, name=BACKUP).first()
        if device is None:
            return Check.WRONG
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return Check.THROTTLED
        return Check.ACCEPTED if device.verify_token(text) else Check.WRONG


def _refuse(result: Check) -> None:
    if result is Check.THROTTLED:
        raise Throttled(
            N_("too many wrong codes; wait a moment before the next"),
            fields={"code": N_("too many wrong codes; wait a moment and try again")},
        )
    raise WrongCode(
        N_("that code is not right; check the time on your device"),
        fields={"code": N_("is not valid")},
    )


def enable(*, user: User, code: str) -> list[str]:
    """Confirms the app being added with a code from it; returns new backup codes (shown once)."""
    with transaction.atomic():
        device = (
            AuthenticatorDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .first()
        )
        if device is None:
            raise Invalid(N_("set up the second factor first"), fields={"code": N_("start again")})
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            _refuse(Check.THROTTLED)
        if not device.verify_token(_normal(code)):
            _refuse(Check.WRONG)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_backup_codes(user=user)


def new_backup_codes(*, user: User) -> list[str]:
    """Replaces the user's backup codes with fresh ones; each works once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP)
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def disable(*, user: User, code: str) -> None:
    """Turns the second factor off, confirmed with a code from the app or a backup code."""
    result = check(user, code)
    if result is not Check.ACCEPTED:
        _refuse(result)
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def regenerate(*, user: User, code: str) -> list[str]:
    """New backup codes, confirmed with a code from the app."""
    if not _normal(code).isdigit():
        _refuse(Check.WRONG)
    result = check(user, code)
    if result is not Check.ACCEPTED:
        _refuse(result)
    return new_backup_codes(user=user)
