"""The authenticator-app device: django-otp's TOTP device with its secret sealed at rest.

django-otp's own TOTPDevice keeps the key as plain hex; this device keeps only the sealed key
and otherwise follows it: django-otp's TOTP for the codes, its ThrottlingMixin (each failure
doubles the wait before the next code is checked, stored on the device so it outlasts a login)
and replay protection (a code at or before the last accepted time step is refused).

django-otp reads the time from django.utils.timezone; it is pointed at the desk's clock here, as
every edge reads it, so tests move the throttle's waits with a FixedClock.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import django_otp.models
from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from tierdesk import clock
from tierdesk.persistence.sealing import unseal


class _DeskTimezone:
    @staticmethod
    def now() -> datetime:
        return clock.now()


django_otp.models.timezone = _DeskTimezone  # type: ignore[assignment]  # a stand-in for the module


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP (RFC 6238) authenticator; `confirmed` once its first code was entered."""

    sealed_key = models.TextField(help_text="The secret, sealed (tierdesk.persistence.sealing).")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "authenticator device"

    @property
    def bin_key(self) -> bytes:
        return unseal(self.sealed_key)

    @property
    def base32_key(self) -> str:
        return base64.b32encode(self.bin_key).decode("ascii").rstrip("=")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        """As django-otp's TOTPDevice.verify_token, at the desk's time."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            value = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = clock.now().timestamp()
            verified = bool(totp.verify(value, self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified
